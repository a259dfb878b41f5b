"""Forms of the public and group pages: joining, signing, inviting members."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coalition.forms import IdChoiceField, IdMultipleChoiceField
from coalition.models import Place
from coalition.place_pick import PlaceModelChoiceField
from members.models import Group, GroupKind, MembershipRole


class PlaceChoiceField(PlaceModelChoiceField, IdChoiceField):
    """Any place by id or by its name; the select offers the upper levels only (issue #8)."""


def place_field(label, required: bool = True) -> PlaceChoiceField:
    return PlaceChoiceField(
        queryset=Place.objects.only("id", "name", "depth", "path").order_by("path"),
        required=required,
        label=label,
        empty_label=_("Anywhere") if not required else "---------",
    )


class GroupDetailsForm(forms.Form):
    name = forms.CharField(label=_("Group name"), max_length=160)
    kind = forms.ChoiceField(label=_("Kind of group"), choices=GroupKind.choices)
    place = place_field(label=_("Where the group is based"))
    description = forms.CharField(
        label=_("What the group does"), widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000, required=False,
    )  # fmt: skip
    website = forms.URLField(
        label=_("Website"), required=False, max_length=200, assume_scheme="https"
    )
    listing_consent = forms.BooleanField(
        label=_("List our group's name on the public list of signatories"), required=False
    )


class JoinForm(GroupDetailsForm):
    contact_name = forms.CharField(label=_("Your name"), max_length=150)
    contact_email = forms.EmailField(label=_("Your email address"), max_length=254)
    password = forms.CharField(
        label=_("Choose a password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters. You will use it to log in."),
        max_length=128,
    )
    agree_statement = forms.BooleanField(label=_("We agree with the unity statement"))
    agree_principles = forms.BooleanField(label=_("We agree with the principles"))
    agree_privacy = forms.BooleanField(label=_("I have read the privacy policy"))
    not_duplicate = forms.BooleanField(
        label=_("Ours is a different group: join anyway"), required=False
    )

    def __init__(self, *args, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        if person is not None and person.is_authenticated:
            # A logged-in person joins as themselves.
            for name in ("contact_name", "contact_email", "password"):
                del self.fields[name]


class GroupEditForm(forms.ModelForm):
    place = place_field(label=_("Where the group is based"))
    website = forms.URLField(
        label=_("Website"), required=False, max_length=200, assume_scheme="https"
    )

    class Meta:
        model = Group
        fields = [
            "name", "kind", "place", "description", "website", "listing_consent",
            "working_groups", "caucuses",
        ]  # fmt: skip
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "working_groups": forms.CheckboxSelectMultiple,
            "caucuses": forms.CheckboxSelectMultiple,
        }
        field_classes = {"working_groups": IdMultipleChoiceField, "caucuses": IdMultipleChoiceField}


class SignForm(forms.Form):
    agree_statement = forms.BooleanField(label=_("We agree with the unity statement"))
    agree_principles = forms.BooleanField(label=_("We agree with the principles"))
    listing_consent = forms.BooleanField(
        label=_("List our group's name on the public list of signatories"), required=False
    )


class MemberInviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    name = forms.CharField(label=_("Name (optional)"), max_length=150, required=False)
    role = forms.ChoiceField(
        label=_("Role in the group"), choices=MembershipRole.choices, initial=MembershipRole.MEMBER
    )


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=MembershipRole.choices)


class GroupInviteForm(forms.Form):
    """A weaver invites a prospect group to join."""

    email = forms.EmailField(label=_("Contact email"), max_length=254)
    name = forms.CharField(label=_("Contact name (optional)"), max_length=150, required=False)

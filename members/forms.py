"""Forms of the public and group pages: joining, signing, inviting members."""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from coalition.forms import IdChoiceField, IdMultipleChoiceField
from coalition.forms_places import CHECKBOX_TEMPLATE
from coalition.models import Place, PrivacyPolicy
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
        label=_("List our group's name on the public list of signatories"),
        required=False,
        template_name=CHECKBOX_TEMPLATE,
    )


class PrivacyConsentMixin:
    """Asks consent to the published privacy policy, linked, when there is one; else nothing.

    The version shown travels with the form, so consent is recorded against the
    version the person was shown; if a newer one is published meanwhile, the
    form asks again.
    """

    def ask_privacy_consent(self, policy: PrivacyPolicy | None) -> None:
        self.privacy_policy = policy
        if policy is None:
            return
        self.fields["agree_privacy"] = forms.BooleanField(
            label=format_html(
                gettext('I have read the <a href="{url}">privacy policy</a> (version {number})'),
                url=f"{reverse('privacy')}?version={policy.number}",
                number=policy.number,
            ),
            template_name=CHECKBOX_TEMPLATE,
        )
        self.fields["privacy_version"] = forms.IntegerField(
            widget=forms.HiddenInput, initial=policy.number, required=False
        )

    def clean(self):
        data = super().clean()
        policy = self.privacy_policy
        shown = data.get("privacy_version")
        # A form posted without the version (a script) agrees to the current one.
        if policy is not None and shown is not None and shown != policy.number:
            self.add_error(
                None, _("The privacy policy has changed: read the new version and agree again.")
            )
            # Shown again, the form carries the version now on the page.
            self.data = self.data.copy()
            self.data[self.add_prefix("privacy_version")] = str(policy.number)
        return data


class JoinForm(PrivacyConsentMixin, GroupDetailsForm):
    contact_name = forms.CharField(label=_("Your name"), max_length=150)
    contact_email = forms.EmailField(label=_("Your email address"), max_length=254)
    password = forms.CharField(
        label=_("Choose a password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters. You will use it to log in."),
        max_length=128,
    )
    agree_statement = forms.BooleanField(
        label=_("We agree with the unity statement"), template_name=CHECKBOX_TEMPLATE
    )
    agree_principles = forms.BooleanField(
        label=_("We agree with the principles"), template_name=CHECKBOX_TEMPLATE
    )
    not_duplicate = forms.BooleanField(
        label=_("Ours is a different group: join anyway"),
        required=False,
        template_name=CHECKBOX_TEMPLATE,
    )

    def __init__(self, *args, person=None, privacy_policy: PrivacyPolicy | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.ask_privacy_consent(privacy_policy)
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


class SignForm(PrivacyConsentMixin, forms.Form):
    agree_statement = forms.BooleanField(
        label=_("We agree with the unity statement"), template_name=CHECKBOX_TEMPLATE
    )
    agree_principles = forms.BooleanField(
        label=_("We agree with the principles"), template_name=CHECKBOX_TEMPLATE
    )
    listing_consent = forms.BooleanField(
        label=_("List our group's name on the public list of signatories"),
        required=False,
        template_name=CHECKBOX_TEMPLATE,
    )

    def __init__(self, *args, privacy_policy: PrivacyPolicy | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.ask_privacy_consent(privacy_policy)


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

"""Forms for amplifying actions, asking for support, pledging it and finding open requests.

They parse the input and bound lengths; the rules (who, how many, when) are
the services', which turn them into messages on the right field.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from actions.models import AmplificationKind, SupportKind
from actions.services.amplification import PLEDGE_PEOPLE_MAX
from actions.services.support import DESCRIPTION_MAX, NOTE_MAX, SUPPORT_AMOUNT_MAX
from members.forms import place_field

# Ids past a database integer are malformed requests, not choices to explain.
_INT_MAX = 2_147_483_647


class AmplifyForm(forms.Form):
    """One amplify button: the group acting, the kind, and people for a pledge."""

    group = forms.IntegerField(min_value=1, max_value=_INT_MAX)
    kind = forms.ChoiceField(choices=AmplificationKind.choices)
    people = forms.IntegerField(
        label=_("People"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 1, "max": PLEDGE_PEOPLE_MAX}),
    )


class AmplifyUndoForm(forms.Form):
    group = forms.IntegerField(min_value=1, max_value=_INT_MAX)
    kind = forms.ChoiceField(choices=AmplificationKind.choices)


class RsvpAccessForm(forms.Form):
    """The host shows (or stops showing) the RSVPs to one co-host."""

    group = forms.IntegerField(min_value=1, max_value=_INT_MAX)
    sees_rsvps = forms.BooleanField(required=False)


class SupportRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of support"), choices=SupportKind.choices)
    amount = forms.IntegerField(
        label=_("How many"),
        widget=forms.NumberInput(attrs={"min": 1, "max": SUPPORT_AMOUNT_MAX}),
        help_text=_("People, seats, euros… whatever the kind counts in."),
    )
    description = forms.CharField(
        label=_("What exactly"),
        max_length=DESCRIPTION_MAX,
        required=False,
        help_text=_("For example: two drivers with cars on Saturday morning."),
    )


class PledgeForm(forms.Form):
    """A pledge in the name of one of the groups the person acts for (checked by the page)."""

    group = forms.IntegerField(label=_("In the name of"), min_value=1, max_value=_INT_MAX)
    amount = forms.IntegerField(
        label=_("How many"), widget=forms.NumberInput(attrs={"min": 1, "max": SUPPORT_AMOUNT_MAX})
    )
    note = forms.CharField(label=_("Note for the host"), max_length=NOTE_MAX, required=False)


class PledgeUndoForm(forms.Form):
    group = forms.IntegerField(min_value=1, max_value=_INT_MAX)


class SupportFilterForm(forms.Form):
    place = place_field(label=_("In this place and everything under it"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind of support"),
        choices=[("", _("Any kind")), *SupportKind.choices],
        required=False,
    )

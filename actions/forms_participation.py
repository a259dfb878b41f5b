"""The RSVP form: a name, an address and consent to the privacy policy; no account needed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from actions.services.participation import EMAIL_MAX, NAME_MAX


class RsvpForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=NAME_MAX)
    email = forms.EmailField(
        label=_("Your email"),
        max_length=EMAIL_MAX,
        help_text=_("We send the confirmation and a cancel link here."),
    )
    consent = forms.BooleanField(
        label=_("I agree to the privacy policy"),
        error_messages={"required": _("To say you are coming, agree to the privacy policy.")},
    )

    def __init__(self, *args, prefix_id: str = "rsvp", **kwargs) -> None:
        # The form sits on the action page next to others: distinct ids.
        kwargs.setdefault("auto_id", f"{prefix_id}-%s")
        super().__init__(*args, **kwargs)

"""Forms of hosts speaking to their people: a message to the RSVPs, and cancelling with notice.

They only parse; the rules (length, who may, someone to write to) live in
``actions.services.speaking`` and ``notifications.broadcasts``.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.broadcasts import BODY_MAX, SUBJECT_MAX


class MessageForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX)
    body = forms.CharField(
        label=_("Message"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 10})
    )


class CancelForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the people coming"),
        help_text=_("Why it is cancelled, and what happens instead. Everyone who RSVPed, "
                    "the co-hosts and the groups that pledged are told."),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
    )  # fmt: skip

"""Forms of the outreach pages: compose a message and its audience, confirm sending."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coalition.models import Caucus, WorkingGroup
from members.forms import place_field
from members.models import Stage
from members.services.outreach import BODY_MAX, SENDER_NAME_MAX, SUBJECT_MAX


class OutreachComposeForm(forms.Form):
    """Lengths and choices only: merge fields and the audience are checked by the service."""

    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX)
    body = forms.CharField(
        label=_("Message"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 14}),
        strip=False,
        help_text=_("Plain text. An unsubscribe link is added at the end of every email."),
    )
    sender_name = forms.CharField(
        label=_("Sender name"),
        max_length=SENDER_NAME_MAX,
        required=False,
        help_text=_("Who the email is from, as recipients see it. Leave empty for the network."),
    )
    stages = forms.MultipleChoiceField(
        label=_("Groups at these stages"),
        choices=Stage.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every stage."),
    )
    place = place_field(label=_("In this place and everything under it"), required=False)
    working_group = forms.ModelChoiceField(
        label=_("In this working group"),
        queryset=WorkingGroup.objects.order_by("name"),
        required=False,
        empty_label=_("Any working group"),
    )
    caucus = forms.ModelChoiceField(
        label=_("In this caucus"),
        queryset=Caucus.objects.order_by("name"),
        required=False,
        empty_label=_("Any caucus"),
    )
    resign = forms.BooleanField(
        label=_("Only groups asked to re-sign the statement"), required=False
    )

    def audience(self) -> dict:
        """The audience as the service and ``OutreachMessage.audience`` take it."""
        data = self.cleaned_data
        return {
            "stages": list(data.get("stages") or []),
            "place": data["place"].pk if data.get("place") else None,
            "working_group": data["working_group"].pk if data.get("working_group") else None,
            "caucus": data["caucus"].pk if data.get("caucus") else None,
            "resign": bool(data.get("resign")),
        }


class OutreachSendForm(forms.Form):
    """Sending asks the person to confirm the number of recipients they saw."""

    count = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    confirm = forms.BooleanField(
        label=_("I have read the preview and want to send this message now"),
        error_messages={"required": _("Tick the box to confirm.")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")  # the box's label is a sentence
        super().__init__(*args, **kwargs)

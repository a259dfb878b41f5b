"""Flagging an action, and a steward's decision to hide or restore it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from actions.services.moderation import REASON_MAX


class FlagForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong with this action?"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only the network's stewards read this."),
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "flag-%s")
        super().__init__(*args, **kwargs)


class ModerateForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("hide", _("Hide")), ("restore", _("Restore"))], widget=forms.HiddenInput
    )
    reason = forms.CharField(
        label=_("Why"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The hosts are told this reason, and that a network steward decided."),
    )
    next = forms.CharField(required=False, max_length=300, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "moderate-%s")
        super().__init__(*args, **kwargs)

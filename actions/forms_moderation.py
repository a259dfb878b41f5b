"""Flagging an action, a moderator's decision on it, and the hosts' request for a review."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from actions.models import ModerationRule
from actions.services.moderation import REASON_MAX

DECISIONS = [
    ("dismiss", _("Dismiss the flags: no rule broken, the action stays")),
    ("hide", _("Hide the action")),
    ("restore", _("Restore the action")),
]


class FlagForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong with this action?"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only the network's moderators read this."),
    )
    email = forms.EmailField(
        label=_("Your email (optional)"),
        required=False,
        max_length=254,
        help_text=_(
            "Only to tell you what the moderators decide. It is never shown, "
            "and you can have it erased from the privacy page."
        ),
    )

    def __init__(self, *args, anonymous: bool = False, **kwargs) -> None:
        kwargs.setdefault("auto_id", "flag-%s")
        super().__init__(*args, **kwargs)
        if not anonymous:
            # People with an account are told through their notifications.
            del self.fields["email"]


class ModerateForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, widget=forms.RadioSelect)
    rule = forms.ChoiceField(
        label=_("Rule broken (when hiding)"),
        choices=[("", "—"), *ModerationRule.choices],
        required=False,
        help_text=_("Shown on the public moderation log."),
    )
    reason = forms.CharField(
        label=_("Why"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "The hosts and whoever flagged are told this reason, and that a moderator decided; "
            "a hidden action's public page shows it. Name nobody."
        ),
    )
    next = forms.CharField(required=False, max_length=300, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "moderate-%s")
        super().__init__(*args, **kwargs)


class ReviewForm(forms.Form):
    message = forms.CharField(
        label=_("What did you change, or why should it be shown again?"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The network's moderators read this and tell you what they decide."),
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "review-%s")
        super().__init__(*args, **kwargs)

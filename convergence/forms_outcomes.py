"""The short form a host fills in after an event: what came of it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from actions.forms_posting import MAX_OUTCOME
from actions.models import Action
from convergence.services.lifecycle import STORY_MAX

NUMBERS = ("participants", "letters_sent", "signatures_gathered", "media_pieces")


def _number(label, help_text="") -> forms.IntegerField:
    return forms.IntegerField(
        label=label, help_text=help_text, required=False, min_value=0, max_value=MAX_OUTCOME
    )


class EventOutcomesForm(forms.Form):
    participants = _number(
        _("People who took part"),
        _("Leave empty if you do not know: the network then counts the RSVPs."),
    )
    letters_sent = _number(_("Letters sent"))
    signatures_gathered = _number(_("Signatures gathered"))
    media_pieces = _number(_("Media pieces"), _("Articles, broadcasts, posts by the press."))
    story = forms.CharField(
        label=_("What happened, in a few words"),
        required=False,
        max_length=STORY_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args, action: Action, **kwargs):
        kwargs.setdefault("initial", {name: getattr(action, name) for name in (*NUMBERS, "story")})
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if (
            not self.errors
            and all(cleaned.get(name) is None for name in NUMBERS)
            and not (cleaned.get("story") or "").strip()
        ):
            raise forms.ValidationError(
                _("Fill in at least one of the outcomes (zero counts), or a few words.")
            )
        return cleaned

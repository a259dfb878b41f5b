"""Forms of the frame: drafting a statement version."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class StatementDraftForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(
        label=_("Statement"), widget=forms.Textarea(attrs={"rows": 8}), max_length=10_000
    )
    principles = forms.CharField(
        label=_("Principles"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10_000,
        help_text=_(
            "One principle per line. Put its explanation after a colon: "
            "“Nonviolence: our actions are peaceful and open.”"
        ),
    )

    def clean_principles(self) -> list[tuple[str, str]]:
        principles = []
        for number, line in enumerate(self.cleaned_data["principles"].splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            title, _sep, text = line.partition(":")
            if not title.strip():
                raise forms.ValidationError(
                    _("Line %(number)s: a principle needs a title before the colon."),
                    params={"number": number},
                )
            if len(title.strip()) > 200:
                raise forms.ValidationError(
                    _("Line %(number)s: a principle's title has at most 200 characters."),
                    params={"number": number},
                )
            principles.append((title.strip(), text.strip()))
        if not principles:
            raise forms.ValidationError(_("Write at least one principle."))
        return principles

"""Forms of the frame: drafting a statement version, and choice fields safe with any id."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

# The largest id a database integer holds; SQLite raises OverflowError (a 500)
# on anything larger instead of finding nothing.
MAX_ID = 2**63 - 1
# Digits of MAX_ID: longer input is refused before int() parses it.
MAX_ID_DIGITS = 19


def id_from(raw) -> int | None:
    """A positive database id typed or posted as text, or None if it cannot be one.

    ``isdecimal`` rather than ``isdigit``: "²" is a digit that int() refuses.
    """
    raw = str(raw).strip()
    if not raw.isdecimal() or len(raw) > MAX_ID_DIGITS:
        return None
    number = int(raw)
    return number if 0 < number <= MAX_ID else None


def _too_large(value) -> bool:
    raw = str(value).strip().lstrip("+-")
    return raw.isdecimal() and (len(raw) > MAX_ID_DIGITS or int(raw) > MAX_ID)


class IdChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField that refuses ids no database integer holds, as an invalid choice."""

    def to_python(self, value):
        if value not in self.empty_values and _too_large(value):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField that refuses ids no database integer holds."""

    def _check_values(self, value):
        for pk in value if isinstance(value, list | tuple) else ():
            if _too_large(pk):
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


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

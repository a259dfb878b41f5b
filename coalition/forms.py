"""Forms of the frame: statement versions, roles, invitations; choice fields safe with any id."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from coalition.models import Role

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


# --- Roles and invitations into them ----------------------------------------

_REASON_REQUIRED = _("Say why: the reason goes into the audit log.")


def _reason_field() -> forms.CharField:
    return forms.CharField(
        label=_("Reason"),
        max_length=300,
        error_messages={"required": _REASON_REQUIRED},
        help_text=_("A short note for the audit log, e.g. “elected at the March assembly”."),
    )


class PeopleSearchForm(forms.Form):
    q = forms.CharField(label=_("Name or email address"), max_length=100, required=False)


class RoleChangeForm(forms.Form):
    """Give or withdraw one role of one person (which one: the ``action`` posted)."""

    person = IdChoiceField(queryset=None, widget=forms.HiddenInput)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    reason = _reason_field()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = get_user_model().objects.filter(is_active=True)
        self.fields["person"].error_messages["required"] = _("Choose a person from the list.")


class RoleInviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    reason = _reason_field()


class RoleInvitationWithdrawForm(forms.Form):
    invitation = IdChoiceField(queryset=None, widget=forms.HiddenInput)

    def __init__(self, *args, pending=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["invitation"].queryset = pending
        self.fields["invitation"].error_messages["invalid_choice"] = _(
            "That invitation is no longer waiting."
        )


class RoleInvitationAccountForm(forms.Form):
    """A new person accepting a role invitation: their name and a password, twice.

    The password rules themselves (AUTH_PASSWORD_VALIDATORS) are checked by the
    service that makes the account.
    """

    name = forms.CharField(label=_("Your name"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters, not a common password."),
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("password1") and data.get("password2") != data["password1"]:
            self.add_error("password2", _("The two passwords differ."))
        return data

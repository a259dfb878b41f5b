"""Forms of a group's side of a day of action: registering an event and its checklist.

Registering reuses the actions app's posting form: an event is an action, with
the same fields and the same rules; only the places offered are the day's.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from actions.forms_posting import ActionPostForm
from convergence.services.events import CHECKLIST


class EventRegisterForm(ActionPostForm):
    """The action's details and the group registering it, among the places the day covers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].label = _("Registered by")
        self.fields["place"].error_messages["invalid_choice"] = _(
            "Choose one of the places this day of action covers."
        )
        if self.initial.get("place") not in self._places:
            self.initial.pop("place", None)


class ChecklistForm(forms.Form):
    done = forms.MultipleChoiceField(
        label=_("Done"),
        required=False,
        choices=CHECKLIST,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("That is not an item of the checklist.")},
    )

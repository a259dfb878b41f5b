"""Forms of a group's side of a day of action: registering an event and its checklist.

Registering reuses the actions app's posting form: an event is an action, with
the same fields and the same rules; only the places offered are the day's.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from actions.forms_posting import ActionPostForm
from coalition.forms import id_from
from coalition.models import Place
from coalition.place_pick import place_named
from convergence.services.events import CHECKLIST, not_covered_message


class EventRegisterForm(ActionPostForm):
    """The action's details and the group registering it, among the places the day covers.

    ``covered`` names the day's places: a place typed or chosen outside them is
    refused with those names ("Corvin is not covered…; it covers Port Maren
    and Harbourside"), not as an unknown name.
    """

    def __init__(self, *args, covered: list[str], **kwargs):
        self._covered = covered
        kwargs["place_outside"] = self._outside
        super().__init__(*args, **kwargs)
        self.fields["group"].label = _("Registered by")
        self.fields["place"].error_messages["invalid_choice"] = _(
            "Choose one of the places this day of action covers."
        )
        if self.initial.get("place") not in self._places:
            self.initial.pop("place", None)

    def clean(self):
        data = super().clean()
        # A place chosen by id (an old link, an edited page) outside the day.
        chosen = id_from(self.data.get("place") or "")
        if "place" in self.errors and chosen is not None and str(chosen) not in self._places:
            place = Place.objects.filter(pk=chosen).only("name").first()
            if place is not None:
                self.errors["place"] = self.error_class(
                    [not_covered_message(place.name, self._covered)]
                )
        return data

    def _outside(self, name: str) -> str:
        place = place_named(name)
        return not_covered_message(place.name, self._covered) if place else ""


class ChecklistForm(forms.Form):
    done = forms.MultipleChoiceField(
        label=_("Done"),
        required=False,
        choices=CHECKLIST,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("That is not an item of the checklist.")},
    )

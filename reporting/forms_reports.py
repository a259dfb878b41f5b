"""Forms of the report pages: ask for a report, set up a schedule."""

from __future__ import annotations

import re
from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from coalition.forms import IdMultipleChoiceField
from members.forms import place_field
from reporting.models import Frequency
from reporting.services.reports import recipients_allowed

MONTH = re.compile(r"^(\d{4})-(\d{2})$", re.ASCII)


class MonthField(forms.Field):
    """A month typed as YYYY-MM (what ``<input type="month">`` sends); cleans to its first day."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM", "maxlength": 7})
    default_error_messages = {"invalid": _("Give a month as YYYY-MM, for example 2025-03.")}

    def to_python(self, value):
        value = str(value).strip() if value is not None else ""
        if value in self.empty_values:
            return None
        # The pattern bounds the length too: nothing longer than 7 characters matches.
        found = MONTH.match(value)
        if not found:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        year, month = int(found[1]), int(found[2])
        if not (1 <= month <= 12 and 2000 <= year <= 2999):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return date(year, month, 1)


def _last_day(month: date) -> date:
    following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return following - timedelta(days=1)


class ReportRequestForm(forms.Form):
    start = MonthField(label=_("From (month)"))
    end = MonthField(label=_("To (month, included)"))
    place = place_field(label=_("Narrowed to this place and everything in it"), required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The period ends before it starts."))
            else:
                data["end"] = _last_day(end)
        return data


class RecipientsField(IdMultipleChoiceField):
    def label_from_instance(self, person) -> str:
        return f"{person.name} <{person.email}>" if person.name else person.email


class ScheduleForm(forms.Form):
    frequency = forms.ChoiceField(
        label=_("How often"),
        choices=Frequency.choices,
        help_text=_("Weekly reports arrive on Mondays, monthly ones on the first of the month."),
    )
    place = place_field(label=_("Narrowed to this place and everything in it"), required=False)
    recipients = RecipientsField(
        label=_("Send to"),
        queryset=recipients_allowed(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _(
                "A schedule with no recipients would send nothing: choose at least one person."
            )
        },
        help_text=_("Steering committee members and weavers."),
    )

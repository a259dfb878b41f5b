"""Forms of the report pages: ask for a report, set up a schedule."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from coalition.forms import IdMultipleChoiceField
from members.forms import place_field
from reporting.forms_dashboard import MonthField
from reporting.models import Frequency
from reporting.services.reports import recipients_allowed


def _last_day(month: date) -> date:
    following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return following - timedelta(days=1)


class ReportRequestForm(forms.Form):
    start = MonthField(label=_("From (month)"), required=True)
    end = MonthField(label=_("To (month, included)"), required=True)
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

"""The dashboard's filters: a place (and everything under it) and a range of months."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.forms import place_field
from reporting.rollups import month_next, month_start

# A chart of more months than this is unreadable; the reports cover long periods.
MONTHS_MAX = 60
DEFAULT_MONTHS = 12
_MONTH = re.compile(r"^(\d{4})-(\d{2})$", re.ASCII)


class MonthInput(forms.TextInput):
    input_type = "month"


class MonthField(forms.Field):
    """YYYY-MM (what a browser's month picker sends), as the first day of the month."""

    widget = MonthInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs["maxlength"] = "7"

    def to_python(self, value):
        value = str(value or "").strip()
        if not value:
            return None
        match = _MONTH.match(value) if len(value) == 7 else None
        if match is None or not (1 <= int(match[2]) <= 12 and 2000 <= int(match[1]) <= 2999):
            raise forms.ValidationError(
                _("Give a month as YYYY-MM, for example 2025-03."), code="invalid"
            )
        return datetime.date(int(match[1]), int(match[2]), 1)

    def prepare_value(self, value):
        return value.strftime("%Y-%m") if isinstance(value, datetime.date) else value


class DashboardFilterForm(forms.Form):
    place = place_field(label=_("Narrow to a place (and everything in it)"), required=False)
    start = MonthField(label=_("From (month)"))
    end = MonthField(label=_("To (month, included)"))

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        today = month_start(timezone.localdate())
        end = data.get("end") or today
        start = data.get("start") or _months_back(end, DEFAULT_MONTHS - 1)
        if start > end:
            raise forms.ValidationError(
                _("The first month comes after the last one: swap them."), code="inverted"
            )
        if (end.year - start.year) * 12 + end.month - start.month >= MONTHS_MAX:
            raise forms.ValidationError(
                _("Choose at most %(months)s months.") % {"months": MONTHS_MAX}, code="too_long"
            )
        data["start"], data["end"] = start, end
        return data

    def period(self) -> tuple[datetime.date, datetime.date]:
        """(first day of the first month, last day of the last month); only when valid."""
        data = self.cleaned_data
        return data["start"], month_next(data["end"]) - datetime.timedelta(days=1)


def _months_back(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 - count
    return datetime.date(index // 12, index % 12 + 1, 1)

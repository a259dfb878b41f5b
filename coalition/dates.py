"""The days a filter or a form may name: far enough apart for any real use, never an overflow.

``date(9999, 12, 31)`` parses, but the day after it (an "until" filter's
bound) or its midnight moved to UTC overflows Python's dates: the request
ended as a 500. Every date field that feeds a query checks this range first,
so the mistake is a form error (pages) or a 400 (API).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext as _

FIRST_DAY = datetime.date(1900, 1, 1)
LAST_DAY = datetime.date(2999, 12, 31)


def validate_day_in_range(day: datetime.date) -> None:
    """A Django validator (forms and DRF fields both run it): the day lies in the range."""
    if day is None:
        return
    if isinstance(day, datetime.datetime):
        day = day.date()
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationError(
            _("Enter a day between %(first)s and %(last)s.")
            % {
                "first": date_format(FIRST_DAY, "DATE_FORMAT"),
                "last": date_format(LAST_DAY, "DATE_FORMAT"),
            },
            code="day_out_of_range",
        )

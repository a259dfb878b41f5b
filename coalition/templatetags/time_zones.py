"""Times told where they happen: ``{% local_time action.starts_at action.time_zone %}``.

The page shows the wall-clock time in the item's own zone with the zone's
abbreviation; ``static/js/local-time.js`` adds the visitor's own time when
their browser is in another zone (read from ``data-zone``, no inline script).
"""

from __future__ import annotations

import functools
from datetime import datetime

from django import template
from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from coalition.time_zones import time_zone_names, zone

register = template.Library()


@register.simple_tag
def local_time(moment: datetime | None, time_zone: str, format_name: str = "DATETIME_FORMAT"):
    """A ``<time>`` with ``moment`` in ``time_zone`` and the zone's abbreviation (CEST).

    ``format_name`` "TIME_FORMAT" shows the time of day only (an end on the same day).
    """
    if moment is None:
        return ""
    here = zone(time_zone)
    there = moment.astimezone(here)
    shown = formats.date_format(there, format_name)
    return format_html(
        '<time datetime="{}" data-zone="{}" data-only-time="{}" data-visitor-label="{}">'
        "{} {}</time>",
        there.isoformat(),
        str(here.key),
        "1" if format_name == "TIME_FORMAT" else "",
        # %(time)s is filled in by the script, in the visitor's own zone.
        _("%(time)s your time"),
        shown,
        there.tzname() or here.key,
    )


@register.simple_tag
def time_zone_datalist() -> str:
    """The ``<datalist id="time-zones">`` the time zone fields suggest from."""
    return _datalist()


@functools.cache
def _datalist() -> str:
    options = format_html_join(
        "", '<option value="{}"></option>', ((name,) for name in sorted(time_zone_names()))
    )
    return format_html('<datalist id="time-zones">{}</datalist>', options)

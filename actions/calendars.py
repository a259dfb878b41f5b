"""iCalendar (RFC 5545) files of actions and events, written with the ``icalendar`` library.

Every calendar of the site, one action's download or a subscribed feed,
is made here. Entries keep one UID for life (``action-<id>@<site host>``),
carry the action's ``sequence`` so a change or a cancellation replaces
the subscriber's copy, a URL back to the action's page, and times in the
action's own zone with that zone's VTIMEZONE.

Only what the action's page shows anonymous visitors goes in: title,
description, host group, place, address and coordinates; never who comes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from actions.models import Action, ActionStatus
from actions.services.posting import without_control_characters
from coalition.time_zones import zone

PRODUCT_ID = "-//Coalition//Actions//EN"
# VTIMEZONE rules are written for the span the entries need, not 1970–2038.
_ZONE_MARGIN = timedelta(days=366)


def site_host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def action_url(action: Action) -> str:
    return settings.SITE_URL + reverse("actions:detail", kwargs={"pk": action.pk})


def action_uid(action: Action) -> str:
    return f"action-{action.pk}@{site_host()}"


def _text(value: str) -> str:
    # iCalendar TEXT cannot carry control characters; older rows may hold some.
    return without_control_characters(value.replace("\r\n", "\n").replace("\r", "\n"))


def action_event(action: Action) -> Event:
    """One action as a VEVENT (its host group and place must be loaded)."""
    here = zone(action.time_zone)
    url = action_url(action)
    location = ", ".join(part for part in (action.address.strip(), action.place.name) if part)
    hosted = _("Hosted by %(group)s") % {"group": action.host_group.name}
    if action.origin_name:
        # Another network's event (a followed source) says whose it is.
        hosted = _("From %(name)s") % {"name": action.origin_name} + "\n" + hosted
    description = "\n\n".join(part for part in (hosted, action.description.strip(), url) if part)
    event = Event()
    event.add("uid", action_uid(action))
    event.add("dtstamp", action.updated_at)
    event.add("last-modified", action.updated_at)
    event.add("created", action.created_at)
    event.add("sequence", action.sequence)
    event.add("dtstart", action.starts_at.astimezone(here))
    event.add("dtend", action.ends_at.astimezone(here))
    event.add("summary", _text(action.title))
    event.add("location", _text(location))
    event.add("description", _text(description))
    event.add("url", url)
    if action.origin_name:
        event.add("categories", [_text(action.origin_name)])
    cancelled = action.status == ActionStatus.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if action.latitude is not None and action.longitude is not None:
        event.add("geo", (float(action.latitude), float(action.longitude)))
    return event


def calendar_of(actions: Iterable[Action], *, name: str = "", description: str = "") -> bytes:
    """A VCALENDAR of ``actions`` with the VTIMEZONE of every zone they use."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if name:
        calendar.calendar_name = _text(name)  # NAME and X-WR-CALNAME
    if description:
        calendar.description = _text(description)
    first: date | None = None
    last: date | None = None
    for action in actions:
        calendar.add_component(action_event(action))
        starts, ends = action.starts_at.date(), action.ends_at.date()
        first = starts if first is None or starts < first else first
        last = ends if last is None or ends > last else last
    if first is not None and last is not None:
        calendar.add_missing_timezones(
            first_date=first - _ZONE_MARGIN, last_date=last + _ZONE_MARGIN
        )
    return calendar.to_ical()


# A calendar's body is kept this long for the same entries (see calendar_of_cached).
CALENDAR_CACHE_SECONDS = 3600


# What ``action_event`` writes, read as plain values for the cache key.
SHOWN_FIELDS = (
    "pk", "title", "description", "address", "starts_at", "ends_at", "time_zone", "latitude",
    "longitude", "created_at", "updated_at", "sequence", "status", "origin_name",
    "host_group__name", "place__name",
)  # fmt: skip


def _fingerprint(rows: Iterable[tuple], *parts: str) -> str:
    """A digest of everything ``action_event`` writes, so equal digests mean equal files."""
    digest = hashlib.sha256()
    for part in (*parts, settings.SITE_URL, get_language() or ""):
        digest.update(part.encode() + b"\0")
    for row in rows:
        digest.update(repr(row).encode())
    return digest.hexdigest()


def calendar_of_cached(
    load: Callable[[tuple[str, ...] | None], Sequence], *, name: str = "", description: str = ""
) -> bytes:
    """``calendar_of``, kept in the cache under a digest of its entries' contents.

    ``load(SHOWN_FIELDS)`` gives the entries as rows of plain values, for the
    key; ``load(None)`` the actions themselves, read only when the file must
    be written. Writing 500 entries with ``icalendar`` takes about a second,
    and building 500 actions with their groups and places to hash them took
    most of a cached answer; subscribers ask for the same file again and
    again. The key is the content itself (every field an entry shows, the
    names, the language), so a changed, added or removed entry makes a new
    file at once: never a stale one.
    """
    key = "actions:calendar:" + _fingerprint(load(SHOWN_FIELDS), name, description)
    body = cache.get(key)
    if body is None:
        body = calendar_of(load(None), name=name, description=description)
        cache.set(key, body, CALENDAR_CACHE_SECONDS)
    return body

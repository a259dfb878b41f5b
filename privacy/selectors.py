"""Reads of the privacy app: the audit log, filtered and paged by keyset."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from coalition.models import AuditEntry

PAGE_SIZE = 50
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
CURSOR = re.compile(r"^(\d{1,20})\.(\d{1,19})$")


class BadCursor(ValueError):
    """The ``after`` parameter is not one this page wrote."""


@dataclass
class AuditPage:
    entries: list[AuditEntry]
    next_cursor: str | None


def cursor_for(entry: AuditEntry) -> str:
    micros = (entry.at - EPOCH) // dt.timedelta(microseconds=1)
    return f"{micros}.{entry.pk}"


def _parse_cursor(cursor: str) -> tuple[dt.datetime, int]:
    match = CURSOR.match(cursor or "")
    if not match:
        raise BadCursor(cursor)
    try:
        at = EPOCH + dt.timedelta(microseconds=int(match[1]))
    except OverflowError:
        raise BadCursor(cursor) from None
    pk = int(match[2])
    if pk > 2**63 - 1:
        raise BadCursor(cursor)
    return at, pk


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_entries(
    *, verb=None, actor=None, actor_id=None, since=None, until=None
) -> QuerySet[AuditEntry]:
    """The log, newest first, narrowed by the filters of the audit page."""
    entries = AuditEntry.objects.order_by("-at", "-id")
    if verb:
        entries = entries.filter(verb=verb)
    if actor_id is not None:
        entries = entries.filter(actor_id=actor_id)
    elif actor:
        entries = entries.filter(actor_label__icontains=actor)
    if since:
        entries = entries.filter(at__gte=_day_start(since))
    if until:
        entries = entries.filter(at__lt=_day_start(until + dt.timedelta(days=1)))
    return entries


def audit_page(*, after: str = "", size: int = PAGE_SIZE, **filters) -> AuditPage:
    """One page of the log after ``after`` (a cursor from the previous page): one query."""
    entries = audit_entries(**filters)
    if after:
        at, pk = _parse_cursor(after)
        entries = entries.filter(Q(at__lt=at) | Q(at=at, id__lt=pk))
    found = list(
        entries.only("at", "actor_label", "actor_id", "verb", "subject", "detail")[: size + 1]
    )
    more = len(found) > size
    found = found[:size]
    return AuditPage(entries=found, next_cursor=cursor_for(found[-1]) if more and found else None)

"""Reads of the notification centre: a person's inbox and their choices, in fixed queries."""

from __future__ import annotations

from django.db.models import F

from members.models import User
from notifications.models import Notification, NotificationChoice
from notifications.registry import KINDS, Kind

INBOX_PAGE = 50


def inbox_for(person: User, *, before: int | None = None) -> tuple[list[Notification], int | None]:
    """A page of the person's notifications, unread first then newest, and the next page's key.

    Keyset on (read or not, id): the page costs the same at any depth.
    """
    rows = Notification.objects.filter(recipient=person).only(
        "id", "kind", "title", "body", "url", "created_at", "read_at"
    )
    if before is not None:
        rows = rows.filter(pk__lt=before, read_at__isnull=False)
        ordered = rows.order_by("-pk")
    else:
        ordered = rows.order_by(F("read_at").asc(nulls_first=True), "-pk")
    page = list(ordered[: INBOX_PAGE + 1])
    more = len(page) > INBOX_PAGE
    page = page[:INBOX_PAGE]
    read = [n for n in page if n.read_at is not None]
    return page, (read[-1].pk if more and read else None)


def kinds_for(person: User) -> list[tuple[Kind, str]]:
    """Each kind that concerns the person, with how they hear of it now."""
    chosen = dict(NotificationChoice.objects.filter(person=person).values_list("kind", "delivery"))
    return [
        (kind, chosen.get(name, kind.default))
        for name, kind in KINDS.items()
        if kind.concerns(person)
    ]

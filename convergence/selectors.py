"""Reads of days of action, filtered to what the person may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from coalition.permissions import can_coordinate
from convergence.models import DayOfAction, DayStatus

PUBLIC_STATUSES = [DayStatus.OPEN, DayStatus.LIVE, DayStatus.CLOSED, DayStatus.REPORTED]


def days_visible_to(user) -> QuerySet[DayOfAction]:
    """Published days for everyone; drafts only for coordinators and the steering committee."""
    return DayOfAction.objects.filter(days_visible_q(user))


def days_visible_q(user, prefix: str = "") -> Q:
    """``days_visible_to``'s rule; with ``prefix`` ("day__") for the days of related rows."""
    if can_coordinate(user):
        return Q()
    return Q(**{f"{prefix}status__in": PUBLIC_STATUSES})


def day_covers_q(day: DayOfAction, field: str = "place") -> Q:
    """Rows whose ``field`` lies in (or under) one of the day's covered places.

    One query for the places' paths, then one OR of indexed prefix matches.
    """
    q = Q(pk__in=[])
    for path in day.places.values_list("path", flat=True):
        q |= Q(**{f"{field}__path__startswith": path})
    return q

"""Keeps the dashboard's rollups fresh: a change to a counted record queues a refresh of
its month once the change is committed, at most once per month per burst.

Debouncing: the months changed within a transaction are gathered and, on
commit, each month takes a cache key; only months whose key was free are
queued, with a short countdown so a burst of changes is counted by one run.
The task frees the keys as it starts, so a change made while it runs queues a
new run. A lost message only delays figures: beat refreshes the last and the
current month every 10 minutes and ``rollups_rebuild`` redoes everything.

A record whose date moves (an action rescheduled) refreshes its old month too:
the date as loaded is kept on the instance (read from ``__dict__``, so a
deferred field is never fetched). Snapshot figures (ladder levels, funnel)
depend on everything before them, so ladder steps and stage changes also
refresh every month from theirs to the current one.
"""

from __future__ import annotations

import datetime
import functools
import threading

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_init, post_save
from django.utils import timezone

from coalition.outbox import publish_quietly
from reporting.rollups import month_next, month_start

DEBOUNCE_SECONDS = 30
# Longer than the countdown plus a busy queue; a lost task frees its months then.
PENDING_KEY_SECONDS = 900
_WAS = "_rollup_month_was"
_gathered = threading.local()


def _pending_key(month: datetime.date) -> str:
    return f"reporting:rollups:pending:{month.isoformat()}"


def pending_clear(months: list[datetime.date]) -> None:
    cache.delete_many([_pending_key(month) for month in months])


@functools.cache
def _date_fields() -> dict[type, tuple[str, bool]]:
    """{model: (date field, whether later months depend on it)}."""
    from actions.models import Action, Amplification, SupportRequest
    from members.models import LadderStep, RelationalMeeting, StageChange
    from reporting.models import ClimateSignal, Win

    return {
        Action: ("starts_at", False),
        Amplification: ("created_at", False),
        SupportRequest: ("met_at", False),
        RelationalMeeting: ("met_on", False),
        LadderStep: ("at", True),
        StageChange: ("at", True),
        Win: ("won_on", False),
        ClimateSignal: ("said_on", False),
    }


def _month_of(value) -> datetime.date | None:
    if not isinstance(value, datetime.date):
        return None
    return month_start(value)


def _affected(instance, field: str, forward: bool) -> set[datetime.date]:
    months = {
        month
        for month in (_month_of(instance.__dict__.get(field)), getattr(instance, _WAS, None))
        if month is not None
    }
    if forward and months:
        current = month_start(timezone.localdate())
        month = min(months)
        while month <= current:
            months.add(month)
            month = month_next(month)
    return months


def _flush() -> None:
    from reporting.tasks import rollups_refresh

    months = getattr(_gathered, "months", set())
    _gathered.months = set()
    fresh = sorted(m for m in months if cache.add(_pending_key(m), 1, PENDING_KEY_SECONDS))
    if fresh:
        # Beat refreshes the rollups anyway: a broker that is down only logs.
        publish_quietly(
            rollups_refresh,
            kwargs={"months": [m.isoformat() for m in fresh]},
            countdown=DEBOUNCE_SECONDS,
        )


def rollups_touch(months: set[datetime.date]) -> None:
    """Queue a refresh of ``months`` once the current transaction commits."""
    if not months:
        return
    if not hasattr(_gathered, "months"):
        _gathered.months = set()
    _gathered.months |= months
    transaction.on_commit(_flush)


def _remember(sender, instance, **kwargs) -> None:
    field, _forward = _date_fields()[sender]
    setattr(instance, _WAS, _month_of(instance.__dict__.get(field)))


def _changed(sender, instance, **kwargs) -> None:
    field, forward = _date_fields()[sender]
    rollups_touch(_affected(instance, field, forward))
    setattr(instance, _WAS, _month_of(instance.__dict__.get(field)))


def _places_changed(sender, *, change: str, place_ids: list[int], **kwargs) -> None:
    """Places moved, merged or deleted: every month's rows carry old place paths."""
    from actions.models import Action
    from reporting.rollups import first_record_month, months_from

    last = month_start(timezone.localdate())
    furthest = Action.objects.order_by("-starts_at").values_list("starts_at", flat=True).first()
    if furthest is not None:
        last = max(last, month_start(furthest))
    rollups_touch(set(months_from(first_record_month(), last)))


def register() -> None:
    from coalition.signals import places_changed

    places_changed.connect(_places_changed, dispatch_uid="reporting.rollups.places_changed")
    for model in _date_fields():
        uid = f"reporting.rollups.{model._meta.label_lower}"
        post_init.connect(_remember, sender=model, dispatch_uid=f"{uid}.init")
        post_save.connect(_changed, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"{uid}.delete")

"""Days go live and close with their windows; closing totals the outcomes once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from actions.models import Action
from convergence import tasks
from convergence.models import DayOfAction, DayStatus, Event
from convergence.services.lifecycle import day_close, day_totals_refresh, days_advance
from tests.factories import GroupFactory, make_action, make_day

pytestmark = pytest.mark.django_db


def held(day, group, **fields) -> Event:
    """An event inside the day's window."""
    fields.setdefault("starts_at", day.starts_at + timedelta(hours=1))
    fields.setdefault("ends_at", day.starts_at + timedelta(hours=3))
    return Event.objects.create(day=day, action=make_action(group, **fields))


@pytest.fixture
def past_day(place):
    """A day whose window closed an hour ago, still marked live."""
    return make_day(places=[place], status="live", days_ahead=-2, hours=47)


def test_an_open_day_goes_live_when_its_window_opens(place):
    day = make_day(places=[place], status="open", days_ahead=0, hours=24)
    DayOfAction.objects.filter(pk=day.pk).update(starts_at=timezone.now() - timedelta(minutes=1))

    result = days_advance()

    day.refresh_from_db()
    assert day.status == DayStatus.LIVE
    assert result.went_live == 1
    assert day.totals_at is None


def test_an_open_day_stays_open_before_its_window(place):
    day = make_day(places=[place], status="open", days_ahead=1)

    days_advance()

    day.refresh_from_db()
    assert day.status == DayStatus.OPEN


@pytest.mark.parametrize("status", ["draft", "closed", "reported"])
def test_days_not_open_or_live_are_left_alone(place, status):
    day = make_day(places=[place], status=status, days_ahead=-2, hours=24)

    days_advance()

    day.refresh_from_db()
    assert day.status == status
    assert day.totals_at is None


@pytest.mark.parametrize("status", ["open", "live"])
def test_a_day_closes_when_its_window_closes(place, status):
    day = make_day(places=[place], status=status, days_ahead=-2, hours=24)

    result = days_advance()

    day.refresh_from_db()
    assert day.status == DayStatus.CLOSED
    assert result.closed == [day.pk]
    assert day.totals_at is not None
    assert day.total_events == 0
    assert day.total_participants == 0


def test_closing_totals_the_events_held(past_day, group):
    other = GroupFactory(name="Valley Walkers", slug="valley-walkers", place=group.place)
    held(
        past_day, group, participants=30, letters_sent=120, signatures_gathered=400,
        media_pieces=2, status="done",
    )  # fmt: skip
    # Nothing reported: its confirmed RSVPs count as participants.
    held(past_day, other, rsvp_count=7)
    # None of these count: the totals go on the public page, so they count
    # public events only.
    held(past_day, other, visibility="network", participants=12, letters_sent=5, status="done")
    held(past_day, group, visibility="group", participants=1000, letters_sent=1000)
    held(past_day, group, status="cancelled", participants=1000)
    held(past_day, group, hidden_at=timezone.now(), participants=1000)
    make_action(group, participants=1000)  # not an event of this day

    assert day_close(day=past_day) is True

    past_day.refresh_from_db()
    assert past_day.status == DayStatus.CLOSED
    assert (
        past_day.total_events,
        past_day.total_participants,
        past_day.total_letters,
        past_day.total_signatures,
        past_day.total_media,
    ) == (2, 30 + 7, 120, 400, 2)


def test_an_event_that_has_not_ended_is_not_counted_when_a_day_is_closed_early(place, group):
    day = make_day(places=[place], status="live", days_ahead=-1, hours=48)
    held(day, group, participants=10, status="done")
    later = timezone.now() + timedelta(hours=2)
    held(day, group, starts_at=later, ends_at=later + timedelta(hours=1), rsvp_count=50)

    day_close(day=day)

    day.refresh_from_db()
    assert (day.total_events, day.total_participants) == (1, 10)


def test_totals_are_computed_once(past_day, group):
    event = held(past_day, group, participants=30, status="done")

    assert day_close(day=past_day) is True
    first = DayOfAction.objects.get(pk=past_day.pk)
    Action.objects.filter(pk=event.action_id).update(participants=999)
    assert day_close(day=past_day) is False
    days_advance()
    days_advance()

    again = DayOfAction.objects.get(pk=past_day.pk)
    assert again.total_participants == 30
    assert again.totals_at == first.totals_at


def test_the_service_updates_the_day_it_was_given(past_day, group):
    held(past_day, group, participants=4, status="done")

    day_close(day=past_day)

    assert past_day.status == DayStatus.CLOSED
    assert past_day.total_participants == 4
    assert past_day.totals_at is not None


def test_a_late_report_recounts_a_closed_day(past_day, group):
    event = held(past_day, group, participants=30, status="done")
    day_close(day=past_day)
    Action.objects.filter(pk=event.action_id).update(participants=45, letters_sent=3)

    assert day_totals_refresh(day=past_day) is True

    past_day.refresh_from_db()
    assert (past_day.total_participants, past_day.total_letters) == (45, 3)


@pytest.mark.parametrize("status", ["open", "live", "reported", "draft"])
def test_only_closed_days_are_recounted(place, group, status):
    day = make_day(places=[place], status=status, days_ahead=-2, hours=24, total_participants=5)
    held(day, group, participants=30, status="done")

    assert day_totals_refresh(day=day) is False

    day.refresh_from_db()
    assert day.total_participants == 5


def test_the_beat_runs_both_tasks_every_five_minutes():
    schedule = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert schedule["convergence.tasks.notices_due"] == 300.0
    assert schedule["convergence.tasks.days_advance"] == 300.0


def test_the_tasks_run_through_celery(past_day, group):
    held(past_day, group, participants=8, status="done")

    tasks.days_advance.delay()
    tasks.notices_due.delay()

    past_day.refresh_from_db()
    assert past_day.status == DayStatus.CLOSED
    assert past_day.total_participants == 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_closing_the_same_day_at_once_close_it_once(place, group):
    import threading

    from django.db import connection

    day = make_day(places=[place], status="live", days_ahead=-2, hours=24)
    held(day, group, participants=9, status="done")
    barrier = threading.Barrier(4)
    results: list[bool] = []

    def close() -> None:
        try:
            barrier.wait()
            results.append(day_close(day=DayOfAction.objects.get(pk=day.pk)))
        finally:
            connection.close()

    threads = [threading.Thread(target=close) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [False, False, False, True]
    day.refresh_from_db()
    assert (day.status, day.total_events, day.total_participants) == ("closed", 1, 9)

"""Rollups: a refresh is right and idempotent, changes queue one refresh per month on commit,
beat and the rebuild command are wired."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from members.models import LadderLevel, LadderStep
from reporting.models import Rollup, Win
from reporting.rollups import month_start, rollups_refresh
from reporting.tasks import rollups_refresh as rollups_refresh_task
from tests.factories import GroupFactory, PersonFactory, make_action, make_place

pytestmark = pytest.mark.django_db

MAR = dt.date(2025, 3, 1)


def rows(metric: str | None = None) -> list[tuple]:
    found = Rollup.objects.order_by("metric", "key", "month", "place_id")
    if metric:
        found = found.filter(metric=metric)
    return list(found.values_list("metric", "key", "month", "place_id", "place_path", "value"))


@pytest.fixture
def riverside(db):
    return make_place("Riverside")


def win(place, day=dt.date(2025, 3, 10), level="full") -> Win:
    return Win.objects.create(title="Won", won_on=day, place=place, level=level)


def test_a_refresh_counts_the_month_and_running_it_twice_changes_nothing(riverside):
    win(riverside)
    win(riverside, dt.date(2025, 3, 20))
    win(riverside, level="partial")

    rollups_refresh(months=[MAR])
    first = rows()
    rollups_refresh(months=[MAR])

    assert rows() == first
    assert rows("wins") == [
        ("wins", "full", MAR, riverside.pk, riverside.path, 2),
        ("wins", "partial", MAR, riverside.pk, riverside.path, 1),
    ]


def test_a_refresh_forgets_what_was_deleted_and_leaves_other_months_alone(riverside):
    kept = win(riverside, dt.date(2025, 2, 10))
    gone = win(riverside)
    rollups_refresh(months=[dt.date(2025, 2, 1), MAR])
    gone.delete()
    kept.delete()

    rollups_refresh(months=[MAR])

    assert [(m, v) for _k, _x, m, *_rest, v in rows("wins")] == [(dt.date(2025, 2, 1), 1)]


def test_the_default_refresh_covers_the_previous_and_the_current_month(riverside):
    today = timezone.localdate()
    current = month_start(today)
    previous = month_start(current - dt.timedelta(days=1))
    for day in (previous, current, month_start(previous - dt.timedelta(days=1))):
        win(riverside, day)

    rollups_refresh()

    assert sorted(m for _k, _x, m, *_rest in rows("wins")) == [previous, current]


def test_saving_a_record_queues_a_refresh_of_its_month_only_on_commit(
    riverside, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        win(riverside)
    assert callbacks and rows("wins") == []

    with django_capture_on_commit_callbacks(execute=True):
        win(riverside)

    assert [(m, v) for _k, _x, m, *_rest, v in rows("wins")] == [(MAR, 2)]


def test_a_burst_of_changes_queues_one_refresh_per_month(
    riverside, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(
        rollups_refresh_task, "apply_async", lambda **kwargs: queued.append(kwargs["kwargs"])
    )
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            win(riverside)
            win(riverside, dt.date(2025, 3, 11))

    assert queued == [{"months": ["2025-03-01"]}]


def test_once_the_refresh_starts_a_new_change_queues_again(
    riverside, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(
        rollups_refresh_task, "apply_async", lambda **kwargs: queued.append(kwargs["kwargs"])
    )
    with django_capture_on_commit_callbacks(execute=True):
        win(riverside)
    rollups_refresh_task(months=queued[0]["months"])
    with django_capture_on_commit_callbacks(execute=True):
        win(riverside)

    assert len(queued) == 2
    assert [v for *_rest, v in rows("wins")] == [1]  # the run counted the first win


def test_moving_an_action_to_another_month_refreshes_both(
    riverside, django_capture_on_commit_callbacks
):
    group = GroupFactory(place=riverside)
    start = timezone.make_aware(dt.datetime(2025, 1, 15, 12))
    with django_capture_on_commit_callbacks(execute=True):
        action = make_action(group, starts_at=start, ends_at=start + dt.timedelta(hours=2))
    assert [m for _k, _x, m, *_rest in rows("actions")] == [dt.date(2025, 1, 1)]

    from actions.models import Action

    action = Action.objects.get(pk=action.pk)
    with django_capture_on_commit_callbacks(execute=True):
        action.starts_at = start + dt.timedelta(days=31)
        action.ends_at = action.starts_at + dt.timedelta(hours=2)
        action.save()

    assert [m for _k, _x, m, *_rest in rows("actions")] == [dt.date(2025, 2, 1)]


def test_a_ladder_step_refreshes_every_month_up_to_now(
    riverside, django_capture_on_commit_callbacks
):
    level = LadderLevel.objects.create(name="leader", rank=1, counts_as_leader=True)
    two_months_ago = month_start(month_start(timezone.localdate()) - dt.timedelta(days=40))

    with django_capture_on_commit_callbacks(execute=True):
        LadderStep.objects.create(person=PersonFactory(), level=level, at=two_months_ago)

    assert len(rows("ladder_level")) == 3  # that month, the next and the current one


def test_beat_refreshes_the_rollups_every_ten_minutes():
    entry = next(
        e for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "reporting.tasks.rollups_refresh"
    )  # fmt: skip

    assert entry["schedule"] == 600.0


def test_the_rebuild_command_counts_every_month_since_the_first_record(riverside):
    win(riverside, dt.date(2024, 6, 1))
    win(riverside)
    Rollup.objects.create(metric="wins", key="full", month=dt.date(2020, 1, 1), value=99)

    call_command("rollups_rebuild", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert [(m, v) for _k, _x, m, *_rest, v in rows("wins")] == [
        (dt.date(2024, 6, 1), 1),
        (MAR, 1),
    ]

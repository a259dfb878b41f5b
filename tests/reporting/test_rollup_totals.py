"""The totals per place subtree the dashboard reads: equal to the rollups summed over
each subtree, following moved places; ties kept by the smallest place holding both
groups; cached answers dropped when the rollups change."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coalition.models import PlaceKind
from coalition.services import place_move
from members.models import RelationalMeeting
from reporting.metrics import dashboard, dashboard_figures
from reporting.models import Rollup, RollupState, RollupTotal, Win
from reporting.rollups import rollups_rebuild, rollups_refresh, rollups_token
from reporting.tasks import rollups_refresh as rollups_refresh_task
from tests.factories import GroupFactory, PersonFactory, make_place

pytestmark = pytest.mark.django_db

MAR = dt.date(2025, 3, 1)
RANGE = {"start": MAR, "end": dt.date(2025, 3, 31)}
BEFORE = (dt.date(2025, 2, 1), dt.date(2025, 2, 28))


@pytest.fixture
def tree(db):
    nation = make_place("Nation", kind=PlaceKind.NATION)
    north = make_place("North", kind=PlaceKind.REGION, parent=nation)
    south = make_place("South", kind=PlaceKind.REGION, parent=nation)
    return {
        "nation": nation,
        "north": north,
        "south": south,
        "alpha": make_place("Alpha", parent=north),
        "beta": make_place("Beta", parent=north),
        "gamma": make_place("Gamma", parent=south),
    }


def win(place, level="full", day=dt.date(2025, 3, 10)) -> Win:
    return Win.objects.create(title="Won", won_on=day, place=place, level=level)


def totals(scope: int, metric: str = "wins") -> dict[str, int]:
    rows = RollupTotal.objects.filter(scope=scope, metric=metric, month=MAR)
    return dict(rows.values_list("key", "value"))


def test_each_place_totals_its_whole_subtree_and_scope_0_the_network(tree):
    win(tree["alpha"])
    win(tree["alpha"], level="partial")
    win(tree["beta"])
    win(tree["gamma"])

    rollups_refresh(months=[MAR])

    assert totals(tree["alpha"].pk) == {"full": 1, "partial": 1}
    assert totals(tree["beta"].pk) == {"full": 1}
    assert totals(tree["north"].pk) == {"full": 2, "partial": 1}
    assert totals(tree["south"].pk) == {"full": 1}
    assert totals(tree["nation"].pk) == {"full": 3, "partial": 1}
    assert totals(0) == {"full": 3, "partial": 1}
    rollups_refresh(months=[MAR])
    assert totals(tree["nation"].pk) == {"full": 3, "partial": 1}, "a second run adds nothing"


def test_the_totals_follow_a_moved_place_once_the_rollups_refresh(tree):
    win(tree["alpha"])
    rollups_refresh(months=[MAR])

    place_move(place=tree["alpha"], parent=tree["south"])
    rollups_refresh(months=[MAR])

    assert totals(tree["north"].pk) == {}
    assert totals(tree["south"].pk) == {"full": 1}
    assert dashboard_figures(place=tree["south"], **RANGE)["wins_total"] == 1
    assert dashboard_figures(place=tree["north"], **RANGE)["wins_total"] == 0


def meet(group_a, group_b) -> None:
    RelationalMeeting.objects.create(
        person_a=PersonFactory(),
        person_b=PersonFactory(),
        group_a=group_a,
        group_b=group_b,
        met_on=dt.date(2025, 3, 12),
    )


def test_a_tie_is_kept_by_the_smallest_place_holding_both_groups(tree):
    a = GroupFactory(place=tree["alpha"], stage="aligned")
    b = GroupFactory(place=tree["beta"], stage="aligned")
    c = GroupFactory(place=tree["gamma"], stage="producing")
    meet(a, b)
    meet(b, c)

    rollups_refresh(months=[MAR])

    held = dict(Rollup.objects.filter(metric="ties").values_list("key", "place_id"))
    assert held == {f"{a.pk}:{b.pk}": tree["north"].pk, f"{b.pk}:{c.pk}": tree["nation"].pk}
    assert dashboard_figures(place=tree["north"], **RANGE)["ties"] == 1
    assert dashboard_figures(place=tree["alpha"], **RANGE)["ties"] == 0
    assert dashboard_figures(place=tree["nation"], **RANGE)["ties"] == 2
    assert dashboard_figures(**RANGE)["ties"] == 2
    assert not RollupTotal.objects.filter(metric="ties").exists(), "pairs are never summed"


def test_a_cached_answer_is_reused_until_the_rollups_change(tree):
    win(tree["alpha"])
    rollups_refresh(months=[MAR])
    token = rollups_token()
    dashboard(place=tree["north"], before=BEFORE, **RANGE)

    with CaptureQueriesContext(connection) as again:
        answer = dashboard(place=tree["north"], before=BEFORE, **RANGE)
    assert answer.figures["wins_total"] == 1
    assert not [q for q in again.captured_queries if "rolluptotal" in q["sql"].lower()]

    win(tree["beta"])
    rollups_refresh(months=[MAR])

    assert rollups_token() != token
    assert dashboard(place=tree["north"], before=BEFORE, **RANGE).figures["wins_total"] == 2


def test_the_first_scheduled_refresh_rebuilds_every_month(tree):
    win(tree["alpha"], day=dt.date(2024, 1, 5))
    RollupState.objects.all().delete()

    rollups_refresh_task.delay()

    assert totals_of(tree["north"].pk, dt.date(2024, 1, 1)) == 1
    assert rollups_token() is not None
    # Once refreshed, the scheduled run covers the last two months only.
    Win.objects.filter(won_on__year=2024).update(level="partial")
    rollups_refresh_task.delay()
    assert totals_of(tree["north"].pk, dt.date(2024, 1, 1), "full") == 1


def totals_of(scope: int, month: dt.date, key: str | None = None) -> int:
    rows = RollupTotal.objects.filter(scope=scope, metric="wins", month=month)
    if key:
        rows = rows.filter(key=key)
    return sum(rows.values_list("value", flat=True))


def test_the_rebuild_empties_the_totals_first(tree):
    win(tree["alpha"])
    RollupTotal.objects.create(scope=tree["north"].pk, month=MAR, metric="stale", value=9)

    rollups_rebuild()

    assert not RollupTotal.objects.filter(metric="stale").exists()
    assert totals(tree["north"].pk) == {"full": 1}
    assert timezone.now() >= RollupState.objects.get().refreshed_at


def test_a_shared_cache_is_warmed_with_the_default_view_after_the_refresh(tree, settings, tmp_path):
    from reporting.forms_dashboard import DashboardFilterForm

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    from django.core.cache import cache

    cache.clear()
    win(tree["alpha"], day=timezone.localdate())
    rollups_refresh_task.delay()
    form = DashboardFilterForm({})
    assert form.is_valid()
    start, end = form.period()

    with CaptureQueriesContext(connection) as reads:
        figures = dashboard_figures(start=start, end=end)
    assert figures["wins_total"] == 1
    assert not [q for q in reads.captured_queries if "rolluptotal" in q["sql"].lower()]
    cache.clear()


def test_a_first_refresh_asked_for_one_month_still_rebuilds_every_month(tree):
    win(tree["alpha"], day=dt.date(2024, 1, 5))
    win(tree["beta"])
    RollupState.objects.all().delete()

    rollups_refresh_task.delay(months=[MAR.isoformat()])

    assert totals_of(tree["north"].pk, dt.date(2024, 1, 1)) == 1
    assert totals(tree["north"].pk) == {"full": 1}

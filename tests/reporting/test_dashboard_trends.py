"""The dashboard's figures, trends, charts and CSVs against a small network whose answers
are worked out by hand, for the whole network and a region, before and after the rollup
job runs again (a refresh, then a rebuild) and after a group moves place and stage.

The period is the first quarter of 2025; the previous period of the same length is the
last quarter of 2024. Places: North > Alpha, and South. Groups A and B in Alpha, S in South.

                         Q4 2024 (before)              Q1 2025 (now)
    wins                 Alpha Nov (full)              Alpha Jan (full), Alpha Feb
                                                       (partial), South Mar (full)
    climate signals      Alpha Oct, South Dec          Alpha Feb (supportive)
    meetings             none                          A–B Jan, A–S Mar
    leaders (at the end) p1 (of A): 1                  p1, p2 (of S): 2
    actions              B's event Nov (5 people)      A's event Jan (10 people),
                                                       A's letters Feb (3 people, 50
                                                       letters), S's event Mar (7)
                                                       (+ B's cancelled event Feb)
    tactic adoptions     A's Jan event, posted Dec     S's Mar event, posted Mar
    groups signed        B (Nov)                       A (Jan), S (Feb)
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone, translation

from actions.models import Action, Tactic
from coalition.models import PlaceKind
from members.models import Group, LadderLevel, LadderStep, RelationalMeeting, StageChange
from reporting.metrics import dashboard_charts, dashboard_figures
from reporting.models import ClimateSignal, Win
from reporting.rollups import months_from, rollups_rebuild, rollups_refresh
from reporting.views.dashboard import month_label, nice_ticks
from tests.conftest import PASSWORD
from tests.factories import GroupFactory, PersonFactory, add_member, make_place

pytestmark = pytest.mark.django_db

RANGE = {"start": "2025-01", "end": "2025-03"}
START, END = dt.date(2025, 1, 1), dt.date(2025, 3, 31)
EVERY_MONTH = months_from(dt.date(2024, 10, 1), dt.date(2025, 3, 1))


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def action(group, day, kind="event", **fields) -> Action:
    return Action.objects.create(
        host_group=group, title=f"{kind} of {group.name}", kind=kind, place=group.place,
        starts_at=at(day), ends_at=at(day, 14), **fields,
    )  # fmt: skip


def stage(group, to_stage, day) -> None:
    StageChange.objects.create(group=group, to_stage=to_stage, reason="test", at=at(day))
    Group.objects.filter(pk=group.pk).update(stage=to_stage)


@pytest.fixture
def network(db):
    north = make_place("North", PlaceKind.REGION)
    alpha = make_place("Alpha", PlaceKind.CITY, north)
    south = make_place("South", PlaceKind.REGION)
    a = GroupFactory(name="A", place=alpha, stage="contacted")
    b = GroupFactory(name="B", place=alpha, stage="contacted")
    s = GroupFactory(name="S", place=south, stage="contacted")

    Win.objects.create(title="Bus lane", won_on=dt.date(2024, 11, 5), place=alpha, level="full")
    Win.objects.create(title="Park", won_on=dt.date(2025, 1, 5), place=alpha, level="full")
    Win.objects.create(title="Bins", won_on=dt.date(2025, 2, 5), place=alpha, level="partial")
    Win.objects.create(title="Clean air", won_on=dt.date(2025, 3, 5), place=south, level="full")
    for day, place, stance in [
        (dt.date(2024, 10, 3), alpha, "opposed"),
        (dt.date(2024, 12, 3), south, "supportive"),
        (dt.date(2025, 2, 3), alpha, "supportive"),
    ]:
        ClimateSignal.objects.create(
            kind="media", source="Daily", said_on=day, stance=stance, place=place
        )
    for one, other, day in [(a, b, dt.date(2025, 1, 10)), (a, s, dt.date(2025, 3, 10))]:
        RelationalMeeting.objects.create(
            person_a=PersonFactory(), person_b=PersonFactory(), group_a=one, group_b=other,
            met_on=day,
        )  # fmt: skip

    supporter = LadderLevel.objects.create(name="supporter", rank=1)
    leader = LadderLevel.objects.create(name="leader", rank=2, counts_as_leader=True)
    p1, p2, p3 = PersonFactory(), PersonFactory(), PersonFactory()
    add_member(a, p1)
    add_member(s, p2)
    LadderStep.objects.create(person=p1, level=leader, at=dt.date(2024, 11, 20))
    LadderStep.objects.create(person=p2, level=leader, at=dt.date(2025, 2, 20))
    # In no group: counts for the whole network only.
    LadderStep.objects.create(person=p3, level=supporter, at=dt.date(2025, 1, 2))

    tactic = Tactic.objects.create(title="Door knock", slug="door-knock", summary="Knock.")
    action(b, dt.date(2024, 11, 10), participants=5)
    action(
        a,
        dt.date(2025, 1, 15),
        participants=10,
        tactic=tactic,
        created_at=at(dt.date(2024, 12, 20)),
    )
    action(a, dt.date(2025, 2, 10), "letters", participants=3, letters_sent=50)
    action(
        s, dt.date(2025, 3, 5), participants=7, tactic=tactic, created_at=at(dt.date(2025, 3, 1))
    )
    action(b, dt.date(2025, 2, 12), status="cancelled", participants=99, tactic=tactic,
           created_at=at(dt.date(2025, 2, 1)))  # fmt: skip

    stage(b, "aligned", dt.date(2024, 11, 2))
    stage(a, "aligned", dt.date(2025, 1, 3))
    stage(s, "aligned", dt.date(2025, 2, 4))
    rollups_rebuild()
    return {"north": north, "alpha": alpha, "south": south, "a": a, "b": b, "s": s,
            "leader": leader, "supporter": supporter}  # fmt: skip


# (figure now, figure before) per trend, in the page's order.
WHOLE = {
    "wins": (3, 1), "climate": (1, 2), "relationships": (2, 0), "leaders": (2, 1),
    "actions": (3, 1), "events": (2, 1), "turnout": (20, 5), "signed": (2, 1), "adoptions": (1, 1),
}  # fmt: skip
NORTH = {
    "wins": (2, 1), "climate": (1, 1), "relationships": (2, 0), "leaders": (1, 1),
    "actions": (2, 1), "events": (1, 1), "turnout": (13, 5), "signed": (1, 1), "adoptions": (0, 1),
}  # fmt: skip


def charts_expected(network, north: bool) -> dict[str, dict[str, list[int]]]:
    """{chart slug: {series key: [Jan, Feb, Mar]}}; series not named are zero every month."""
    leader, supporter = str(network["leader"].pk), str(network["supporter"].pk)
    if not north:
        return {
            "wins": {"full": [1, 0, 1], "partial": [0, 1, 0]},
            "climate": {"supportive": [0, 1, 0]},
            "meetings": {"all": [1, 0, 1], "between": [1, 0, 1]},
            "ladder-levels": {leader: [1, 2, 2], supporter: [1, 1, 1]},
            "new-leaders": {"new_leaders": [0, 1, 0]},
            "actions": {"event": [1, 0, 1], "letters": [0, 1, 0]},
            "initiatives": {"initiatives": [1, 1, 1]},
            "letters": {"letters": [0, 50, 0]},
            "turnout": {"turnout": [10, 3, 7]},
            "tactic-adoptions": {"tactic_adoptions": [0, 0, 1]},
        }
    return {
        "wins": {"full": [1, 0, 0], "partial": [0, 1, 0]},
        "climate": {"supportive": [0, 1, 0]},
        "meetings": {"all": [1, 0, 1], "between": [1, 0, 1]},
        "ladder-levels": {leader: [1, 1, 1]},
        "actions": {"event": [1, 0, 0], "letters": [0, 1, 0]},
        "initiatives": {"initiatives": [1, 1, 0]},
        "letters": {"letters": [0, 50, 0]},
        "turnout": {"turnout": [10, 3, 0]},
    }


def page(client, person, place=None):
    assert client.login(email=person.email, password=PASSWORD)
    params = {**RANGE, **({"place": place.pk} if place else {})}
    response = client.get("/dashboard/", params)
    assert response.status_code == 200
    return response, params


def trend_figures(response) -> dict[str, tuple[int, int]]:
    trends = response.context["trends"]
    return {t.key: (t.now, t.before) for t in trends["headline"] + trends["outputs"]}


def check_everything(client, person, network, place, expected_trends, north: bool) -> None:
    response, params = page(client, person, place)
    assert trend_figures(response) == expected_trends
    expected = charts_expected(network, north)
    charts = dashboard_charts(start=START, end=END, place=place)
    assert len(charts) == 13
    for chart in charts:
        wanted = expected.get(chart.slug, {})
        got = {s.key: [v for _m, v in s.points] for s in chart.series}
        assert {k: v for k, v in got.items() if any(v)} == wanted, chart.slug
        download = client.get(f"/dashboard/charts/{chart.slug}.csv", params)
        rows = list(csv.reader(io.StringIO(download.content.decode())))
        assert [row[0] for row in rows[1:]] == ["2025-01", "2025-02", "2025-03"]
        columns = {s.key: [int(row[1 + j]) for row in rows[1:]] for j, s in enumerate(chart.series)}
        assert columns == got, chart.slug


def test_the_whole_network_matches_the_hand_count(client, steering_member, network):
    check_everything(client, steering_member, network, None, WHOLE, north=False)


def test_a_region_counts_its_subtree_only(client, steering_member, network):
    check_everything(client, steering_member, network, network["north"], NORTH, north=True)


def test_the_figures_are_the_same_after_a_refresh_and_after_a_rebuild(
    client, steering_member, network
):
    rollups_refresh(months=EVERY_MONTH)
    rollups_refresh(months=EVERY_MONTH)
    check_everything(client, steering_member, network, None, WHOLE, north=False)
    check_everything(client, steering_member, network, network["north"], NORTH, north=True)

    rollups_rebuild()
    check_everything(client, steering_member, network, None, WHOLE, north=False)
    check_everything(client, steering_member, network, network["north"], NORTH, north=True)


def test_a_group_moving_place_and_stage_is_counted_once(client, steering_member, network):
    a = network["a"]
    # A moves to South, leaves "aligned" and signs again, then acts (producing).
    Group.objects.filter(pk=a.pk).update(place=network["south"])
    stage(a, "contacted", dt.date(2025, 2, 1))
    stage(a, "aligned", dt.date(2025, 2, 15))
    stage(a, "producing", dt.date(2025, 3, 1))
    rollups_refresh(months=EVERY_MONTH)
    refreshed_whole = trend_figures(page(client, steering_member)[0])
    refreshed_north = trend_figures(page(client, steering_member, network["north"])[0])
    rollups_rebuild()

    # The whole network does not change: nothing is counted twice.
    assert refreshed_whole == WHOLE
    assert trend_figures(page(client, steering_member)[0]) == WHOLE
    # North loses what follows A's place (its meetings, its leader, its signing);
    # wins and actions keep the place where they happened.
    moved = {**NORTH, "relationships": (0, 0), "leaders": (0, 0), "signed": (0, 1)}
    assert refreshed_north == moved
    assert trend_figures(page(client, steering_member, network["north"])[0]) == moved
    south = dashboard_figures(start=START, end=END, place=network["south"])
    assert south["aligned"] == 2 and south["producing"] == 1  # A and S, each once


def test_the_sentences_and_changes_read_plainly(client, steering_member, network):
    response, _params = page(client, steering_member)
    trends = {t.key: t for t in response.context["trends"]["headline"]}
    html = response.content.decode()

    assert trends["wins"].change == "▲ 200 %"
    assert trends["wins"].sentence == "3 wins in the period, 2 more than in the previous period."
    assert trends["climate"].change == "▼ 50 %"
    assert trends["climate"].sentence == (
        "1 climate signal in the period, 1 fewer than in the previous period."
    )
    assert trends["relationships"].change == "new"
    assert trends["leaders"].sentence == (
        "2 leaders at the end of the period, 1 more than at the end of the previous period."
    )
    assert "3 wins in the period, 2 more than in the previous period." in html
    assert "October 2024 to December 2024" in html


def test_the_sentences_are_french_for_french_readers(client, steering_member, network):
    assert client.login(email=steering_member.email, password=PASSWORD)
    response = client.get("/dashboard/", RANGE, headers={"accept-language": "fr"})
    html = response.content.decode()

    assert "3 victoires sur la période, 2 de plus que sur la période précédente." in html
    assert "1 signal politique sur la période, 1 de moins que sur la période précédente." in html


@pytest.mark.parametrize(
    "language, labels",
    [("fr", ["juin", "juil.", "août", "sept."]), ("en", ["June", "July", "Aug.", "Sept."])],
)
def test_months_are_named_with_the_languages_own_abbreviations(language, labels):
    months = [dt.date(2025, m, 1) for m in (6, 7, 8, 9)]
    with translation.override(language):
        assert [month_label(month) for month in months] == labels


@pytest.mark.parametrize(
    "peak, ticks",
    [
        (0, [0, 1]),
        (1, [0, 1]),
        (5, [0, 1, 2, 3, 4, 5]),
        (7, [0, 2, 4, 6, 8]),
        (12, [0, 5, 10, 15]),
        (23, [0, 5, 10, 15, 20, 25]),
        (31, [0, 10, 20, 30, 40]),
        (480, [0, 100, 200, 300, 400, 500]),
    ],
)
def test_gridlines_are_whole_numbers_with_a_label_on_each(peak, ticks):
    assert nice_ticks(peak) == ticks

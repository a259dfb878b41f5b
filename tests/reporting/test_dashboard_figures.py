"""Every figure of the dashboard against a small hand-built network whose answers are known.

The network (first quarter of 2025), places North > Alpha, Beta and South:

    groups  A (Alpha, aligned)  B (Alpha, producing)  C (Beta, aligned)
            D (Beta, producing) E (Beta, aligned)     F (South, producing)
            P (Alpha, contacted: not active)
    ties    A–B, B–C (meetings), A–C (C co-hosts A's action), C–D, F–D (meetings)
            A–E met in December 2024: outside the range, so E has no tie

So the whole network has 6 active groups, 5 of 15 possible ties (density 1/3),
E isolated and C and D as bridges (C holds D and F to A and B; D holds F);
North alone has 5 active groups, 4 of 10 ties (0.4), and only C bridges.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from actions.models import Action, Amplification, SupportRequest, Tactic
from coalition.models import PlaceKind
from members.models import LadderLevel, LadderStep, RelationalMeeting, Skill, StageChange
from reporting.metrics import dashboard_chart, dashboard_charts, dashboard_figures
from reporting.models import ClimateSignal, Win
from reporting.rollups import rollups_rebuild
from tests.factories import GroupFactory, PersonFactory, add_member, make_place

pytestmark = pytest.mark.django_db

JAN, FEB, MAR = dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1)
START, END = JAN, dt.date(2025, 3, 31)


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def action(group, day, kind="event", **fields) -> Action:
    return Action.objects.create(
        host_group=group,
        title=f"{kind} of {group.name}",
        kind=kind,
        place=group.place,
        starts_at=at(day),
        ends_at=at(day, 14),
        **fields,
    )


def meet(group_a, group_b, day) -> RelationalMeeting:
    return RelationalMeeting.objects.create(
        person_a=PersonFactory(), person_b=PersonFactory(), group_a=group_a, group_b=group_b,
        met_on=day,
    )  # fmt: skip


def stage(group, to_stage, day) -> None:
    StageChange.objects.create(group=group, to_stage=to_stage, reason="test", at=at(day))


@pytest.fixture
def network(db):
    north = make_place("North", PlaceKind.REGION)
    alpha = make_place("Alpha", PlaceKind.CITY, north)
    beta = make_place("Beta", PlaceKind.CITY, north)
    south = make_place("South", PlaceKind.REGION)
    g = {
        "A": GroupFactory(name="A", place=alpha, stage="aligned"),
        "B": GroupFactory(name="B", place=alpha, stage="producing"),
        "C": GroupFactory(name="C", place=beta, stage="aligned"),
        "D": GroupFactory(name="D", place=beta, stage="producing"),
        "E": GroupFactory(name="E", place=beta, stage="aligned"),
        "F": GroupFactory(name="F", place=south, stage="producing"),
        "P": GroupFactory(name="P", place=alpha, stage="contacted"),
    }
    # Meetings: Jan A–B and A–A (same group), Feb B–C, Mar C–D and F–D; Dec 2024 A–E.
    meet(g["A"], g["B"], dt.date(2025, 1, 10))
    meet(g["A"], g["A"], dt.date(2025, 1, 20))
    meet(g["B"], g["C"], dt.date(2025, 2, 3))
    meet(g["C"], g["D"], dt.date(2025, 3, 3))
    meet(g["F"], g["D"], dt.date(2025, 3, 4))
    meet(g["A"], g["E"], dt.date(2024, 12, 15))

    tactic = Tactic.objects.create(title="Letter night", slug="letter-night", summary="Letters.")
    # Tactics are adopted when the action is posted: A's in December 2024 (before
    # the range), D's in February for a March action.
    action(
        g["A"], dt.date(2025, 1, 15), "letters", letters_sent=100, rsvp_count=5, tactic=tactic,
        created_at=at(dt.date(2024, 12, 20)),
    )  # fmt: skip
    a_feb = action(g["A"], dt.date(2025, 2, 15), participants=30, rsvp_count=50)
    action(g["B"], dt.date(2025, 2, 16), participants=10)
    d_mar = action(
        g["D"], dt.date(2025, 3, 10), "lobby", participants=4, tactic=tactic,
        created_at=at(dt.date(2025, 2, 20)),
    )  # fmt: skip
    action(g["F"], dt.date(2025, 3, 11), participants=7)
    action(g["C"], dt.date(2025, 3, 12), status="cancelled", participants=99)
    action(g["E"], dt.date(2025, 3, 13), hidden_at=at(dt.date(2025, 3, 14)), participants=99)

    Amplification.objects.create(action=a_feb, group=g["C"], kind="cohost", created_at=at(FEB))
    Amplification.objects.create(
        action=a_feb, group=g["D"], kind="endorse", created_at=at(dt.date(2025, 2, 12))
    )
    Amplification.objects.create(
        action=d_mar, group=g["F"], kind="share", created_at=at(dt.date(2025, 3, 5))
    )
    SupportRequest.objects.create(
        action=a_feb, kind="people", amount=5, is_open=False, met_at=at(dt.date(2025, 2, 20))
    )
    SupportRequest.objects.create(action=d_mar, kind="money", amount=50)

    Win.objects.create(title="Bus lane", won_on=dt.date(2025, 1, 5), place=alpha, level="partial")
    Win.objects.create(
        title="Clean air zone", won_on=dt.date(2025, 3, 5), place=south, level="full"
    )
    Win.objects.create(title="Too early", won_on=dt.date(2024, 12, 5), place=alpha, level="full")
    for day, place, stance in [
        (dt.date(2025, 2, 1), alpha, "supportive"),
        (dt.date(2025, 2, 2), beta, "opposed"),
        (dt.date(2025, 3, 3), south, "supportive"),
    ]:
        ClimateSignal.objects.create(
            kind="media", source="Daily", said_on=day, stance=stance, place=place
        )

    supporter = LadderLevel.objects.create(name="supporter", rank=1)
    leader = LadderLevel.objects.create(name="leader", rank=2, counts_as_leader=True)
    organiser = LadderLevel.objects.create(name="organiser", rank=3, counts_as_leader=True)
    p1, p2, p3, p4 = (PersonFactory() for _ in range(4))
    add_member(g["A"], p1)
    add_member(g["D"], p2)
    add_member(g["F"], p3)
    for person, level, day in [
        (p1, supporter, dt.date(2024, 12, 1)),
        (p1, leader, dt.date(2025, 2, 10)),
        (p2, leader, dt.date(2025, 1, 10)),
        (p2, organiser, dt.date(2025, 3, 10)),
        (p3, leader, dt.date(2025, 3, 20)),
        (p4, supporter, dt.date(2025, 1, 2)),
    ]:
        LadderStep.objects.create(person=person, level=level, at=day)
    speaking = Skill.objects.create(name="Public speaking")
    media = Skill.objects.create(name="Media")
    p1.skills.add(speaking)
    p2.skills.add(speaking)
    p3.skills.add(media)

    stage(g["A"], "contacted", dt.date(2024, 12, 1))
    stage(g["A"], "aligned", dt.date(2025, 1, 5))
    stage(g["B"], "contacted", dt.date(2024, 12, 2))
    stage(g["B"], "aligned", dt.date(2025, 1, 6))
    stage(g["B"], "producing", dt.date(2025, 2, 6))
    stage(g["C"], "aligned", dt.date(2025, 1, 7))
    stage(g["D"], "contacted", dt.date(2025, 2, 1))
    stage(g["D"], "aligned", dt.date(2025, 2, 8))
    stage(g["D"], "producing", dt.date(2025, 3, 8))
    stage(g["E"], "contacted", dt.date(2025, 1, 9))
    stage(g["E"], "aligned", dt.date(2025, 2, 9))
    stage(g["F"], "aligned", dt.date(2024, 12, 9))
    stage(g["F"], "producing", dt.date(2025, 3, 9))
    stage(g["P"], "contacted", dt.date(2025, 2, 10))

    rollups_rebuild()
    return {"north": north, "south": south, "groups": g}


def points(chart, key):
    series = next(s for s in chart.series if s.key == key)
    return [value for _month, value in series.points]


def test_the_tie_graph_of_the_whole_network(network):
    figures = dashboard_figures(start=START, end=END)

    assert figures["active_groups"] == 6
    assert figures["ties"] == 5
    assert figures["possible_ties"] == 15
    assert figures["tie_density"] == pytest.approx(1 / 3)
    assert figures["isolated_groups"] == ["E"]
    assert figures["bridging_groups"] == ["C", "D"]


def test_the_tie_graph_narrowed_to_a_region(network):
    figures = dashboard_figures(start=START, end=END, place=network["north"])

    assert figures["active_groups"] == 5
    assert (figures["ties"], figures["possible_ties"]) == (4, 10)
    assert figures["tie_density"] == pytest.approx(0.4)
    assert figures["isolated_groups"] == ["E"]
    assert figures["bridging_groups"] == ["C"]


def test_a_meeting_before_the_range_makes_no_tie_but_widening_the_range_does(network):
    figures = dashboard_figures(start=dt.date(2024, 12, 1), end=END)

    assert figures["isolated_groups"] == []
    assert figures["ties"] == 6
    # E now hangs off A only, so A becomes a bridge too.
    assert figures["bridging_groups"] == ["A", "C", "D"]


def test_meetings_and_the_share_between_groups(network):
    whole = dashboard_figures(start=START, end=END)
    north = dashboard_figures(start=START, end=END, place=network["north"])
    chart = dashboard_chart(slug="meetings", start=START, end=END)

    assert (whole["meetings_total"], whole["meetings_between_groups"]) == (5, 4)
    assert whole["meetings_between_share"] == pytest.approx(0.8)
    # F–D sits with F (group A's side) in South.
    assert (north["meetings_total"], north["meetings_between_groups"]) == (4, 3)
    assert points(chart, "all") == [2, 1, 2]
    assert points(chart, "between") == [1, 1, 2]


def test_leaders_per_level_over_time_and_new_leaders(network):
    charts = {c.slug: c for c in dashboard_charts(start=START, end=END)}
    levels = {level.name: str(level.pk) for level in LadderLevel.objects.all()}
    figures = dashboard_figures(start=START, end=END)
    north = dashboard_figures(start=START, end=END, place=network["north"])

    assert points(charts["ladder-levels"], levels["supporter"]) == [2, 1, 1]
    assert points(charts["ladder-levels"], levels["leader"]) == [1, 2, 2]
    assert points(charts["ladder-levels"], levels["organiser"]) == [0, 0, 1]
    assert points(charts["new-leaders"], "new_leaders") == [1, 1, 1]
    assert (figures["leaders_now"], figures["new_leaders"]) == (3, 3)
    assert (north["leaders_now"], north["new_leaders"]) == (2, 2)


def test_skills_coverage_is_the_snapshot_of_the_current_month(network):
    today = timezone.localdate()
    figures = dashboard_figures(start=START, end=today)
    north = dashboard_figures(start=START, end=today, place=network["north"])
    past_only = dashboard_figures(start=START, end=END)

    assert figures["skills"] == [("Media", 1), ("Public speaking", 2)]
    assert north["skills"] == [("Media", 0), ("Public speaking", 2)]
    assert past_only["skills"] == [("Media", 0), ("Public speaking", 0)]


def test_outputs(network):
    figures = dashboard_figures(start=START, end=END)
    north = dashboard_figures(start=START, end=END, place=network["north"])

    assert figures["actions_total"] == 5  # the cancelled and the hidden ones left out
    assert figures["letters_sent"] == 100
    assert figures["people_turned_out"] == 5 + 30 + 10 + 4 + 7
    assert figures["tactic_adoptions"] == 1  # A's was adopted in December
    assert figures["support_met"] == 1
    assert (figures["amplification_given"], figures["amplification_received"]) == (3, 3)
    assert north["actions_total"] == 4
    assert north["people_turned_out"] == 49
    # F (South) shared D's action: received in North, not given by it.
    assert (north["amplification_given"], north["amplification_received"]) == (2, 3)


def test_monthly_output_series(network):
    charts = {c.slug: c for c in dashboard_charts(start=START, end=END)}
    north = {c.slug: c for c in dashboard_charts(start=START, end=END, place=network["north"])}

    assert points(charts["actions"], "event") == [0, 2, 1]
    assert points(charts["actions"], "letters") == [1, 0, 0]
    assert points(charts["actions"], "lobby") == [0, 0, 1]
    assert points(charts["initiatives"], "initiatives") == [1, 2, 2]
    assert points(north["initiatives"], "initiatives") == [1, 2, 1]
    assert points(charts["letters"], "letters") == [100, 0, 0]
    assert points(charts["turnout"], "turnout") == [5, 40, 11]
    assert points(charts["amplification-given"], "cohost") == [0, 1, 0]
    assert points(charts["amplification-given"], "endorse") == [0, 1, 0]
    assert points(charts["amplification-received"], "share") == [0, 0, 1]
    assert points(north["amplification-given"], "share") == [0, 0, 0]
    assert points(charts["support-met"], "support_met") == [0, 1, 0]
    # By the month each action was posted from the tactic, not the month it took place.
    assert points(charts["tactic-adoptions"], "tactic_adoptions") == [0, 1, 0]


def test_wins_and_the_political_climate(network):
    charts = {c.slug: c for c in dashboard_charts(start=START, end=END)}
    figures = dashboard_figures(start=START, end=END)
    north = dashboard_figures(start=START, end=END, place=network["north"])

    assert points(charts["wins"], "partial") == [1, 0, 0]
    assert points(charts["wins"], "full") == [0, 0, 1]
    assert points(charts["climate"], "supportive") == [0, 1, 1]
    assert points(charts["climate"], "opposed") == [0, 1, 0]
    assert figures["wins_total"] == 2
    assert [w["title"] for w in figures["wins_latest"]] == ["Clean air zone", "Bus lane"]
    assert (north["wins_total"], north["signals_total"]) == (1, 2)
    assert [w["title"] for w in north["wins_latest"]] == ["Bus lane"]


def test_the_onboarding_funnel(network):
    figures = dashboard_figures(start=START, end=END)

    assert figures["groups_by_stage"] == [
        ("prospect", 0), ("contacted", 1), ("aligned", 3), ("producing", 3), ("lapsed", 0),
    ]  # fmt: skip
    assert (figures["contacted"], figures["aligned"], figures["producing"]) == (7, 6, 3)
    assert figures["connect_to_align"] == pytest.approx(6 / 7)
    assert figures["align_to_produce"] == pytest.approx(0.5)


def test_the_funnel_narrowed_and_as_of_the_end_of_the_range(network):
    north = dashboard_figures(start=START, end=END, place=network["north"])
    january = dashboard_figures(start=JAN, end=dt.date(2025, 1, 31))

    assert (north["contacted"], north["aligned"], north["producing"]) == (6, 5, 2)
    assert north["connect_to_align"] == pytest.approx(5 / 6)
    assert north["align_to_produce"] == pytest.approx(0.4)
    assert (january["contacted"], january["aligned"], january["producing"]) == (5, 4, 0)
    assert january["align_to_produce"] == 0


def test_an_empty_network_has_no_share_to_divide(db):
    figures = dashboard_figures(start=START, end=END)

    assert figures["tie_density"] is None
    assert figures["meetings_between_share"] is None
    assert figures["connect_to_align"] is None
    assert figures["bridging_groups"] == figures["isolated_groups"] == []

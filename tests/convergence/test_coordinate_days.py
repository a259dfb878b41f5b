"""Creating, editing and reporting days of action: every rule, and what bad input gets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from actions.models import ActionStatus
from coalition.errors import RuleBroken
from coalition.models import PlaceKind
from convergence.models import DayOfAction, DayStatus, Event
from convergence.services.days import day_create, day_report, day_update
from members.models import Stage
from members.selectors_outreach import audience_description, audience_groups
from members.services.outreach import outreach_create
from tests.factories import GroupFactory, make_action, make_day, make_place

pytestmark = pytest.mark.django_db


def details(places, **changes) -> dict:
    start = timezone.now() + timedelta(days=10)
    fields = {
        "title": "Clean Air Day",
        "purpose": "Show the council that every neighbourhood wants clean air.",
        "target": "The city council",
        "ask": "Adopt the clean air zone.",
        "starts_at": start,
        "ends_at": start + timedelta(hours=36),
        "places": places,
        "goal_events": 10,
        "goal_participants": 300,
    }
    fields.update(changes)
    return fields


def test_a_coordinator_creates_a_draft_with_an_address_from_its_title(coordinator, place):
    day = day_create(by=coordinator, **details([place]))

    assert day.status == DayStatus.DRAFT
    assert day.slug == "clean-air-day"
    assert list(day.places.all()) == [place]
    assert day.created_by == coordinator
    assert (day.goal_events, day.goal_participants) == (10, 300)


def test_the_same_title_twice_gets_a_second_address(coordinator, place):
    first = day_create(by=coordinator, **details([place]))
    second = day_create(by=coordinator, **details([place]))
    third = day_create(by=coordinator, **details([place]))

    assert (first.slug, second.slug, third.slug) == (
        "clean-air-day",
        "clean-air-day-2",
        "clean-air-day-3",
    )


def test_a_title_that_would_shadow_a_fixed_address_gets_another(coordinator, place):
    day = day_create(by=coordinator, **details([place], title="New"))

    assert day.slug == "new-2"


def test_a_title_without_latin_letters_still_gets_an_address(coordinator, place):
    day = day_create(by=coordinator, **details([place], title="空気の日"))

    assert day.slug == "day-of-action"


def test_control_characters_are_taken_out_of_a_days_words(coordinator, place):
    day = day_create(
        by=coordinator,
        **details([place], title="Clean\x0bAir Day", ask="Adopt\x1b the zone.\nNow."),
    )

    assert (day.title, day.ask) == ("CleanAir Day", "Adopt the zone.\nNow.")


def test_the_steering_committee_creates_days_too(steering_member, place):
    assert day_create(by=steering_member, **details([place])).pk


@pytest.mark.parametrize("person", ["weaver", "group_admin", "outsider"])
def test_nobody_else_creates_days(request, person, place):
    with pytest.raises(RuleBroken):
        day_create(by=request.getfixturevalue(person), **details([place]))
    assert not DayOfAction.objects.exists()


def test_a_window_that_ends_before_it_starts_is_refused(coordinator, place):
    start = timezone.now() + timedelta(days=5)

    with pytest.raises(RuleBroken) as refused:
        day_create(
            by=coordinator, **details([place], starts_at=start, ends_at=start - timedelta(1))
        )

    assert refused.value.message == "The window must end after it starts."
    assert refused.value.field == "ends_at"


def test_a_window_that_ends_when_it_starts_is_refused(coordinator, place):
    start = timezone.now() + timedelta(days=5)

    with pytest.raises(RuleBroken, match="The window must end after it starts"):
        day_create(by=coordinator, **details([place], starts_at=start, ends_at=start))


def test_a_window_without_a_time_zone_is_refused(coordinator, place):
    start = timezone.now().replace(tzinfo=None) + timedelta(days=5)

    with pytest.raises(RuleBroken) as refused:
        day_create(
            by=coordinator, **details([place], starts_at=start, ends_at=start + timedelta(1))
        )
    assert refused.value.field == "starts_at"


def test_a_day_needs_at_least_one_place(coordinator):
    with pytest.raises(RuleBroken) as refused:
        day_create(by=coordinator, **details([]))

    assert refused.value.field == "places"
    assert not DayOfAction.objects.exists()


@pytest.mark.parametrize("goal", ["goal_events", "goal_participants"])
@pytest.mark.parametrize("value", [0, -3, 10_000_001])
def test_goals_are_at_least_one(coordinator, place, goal, value):
    with pytest.raises(RuleBroken) as refused:
        day_create(by=coordinator, **details([place], **{goal: value}))

    assert refused.value.field == goal


def test_goals_are_optional(coordinator, place):
    day = day_create(by=coordinator, **details([place], goal_events=None, goal_participants=None))

    assert day.goal_events is None and day.goal_participants is None


@pytest.mark.parametrize(
    ("field", "limit"), [("title", 160), ("purpose", 4000), ("target", 300), ("ask", 2000)]
)
def test_oversized_text_is_refused_with_its_length(coordinator, place, field, limit):
    with pytest.raises(RuleBroken) as refused:
        day_create(by=coordinator, **details([place], **{field: "x" * (limit + 1)}))

    assert refused.value.field == field
    assert str(limit + 1) in refused.value.message and str(limit) in refused.value.message


@pytest.mark.parametrize("field", ["title", "purpose", "target", "ask"])
def test_blank_text_is_refused(coordinator, place, field):
    with pytest.raises(RuleBroken) as refused:
        day_create(by=coordinator, **details([place], **{field: "   "}))

    assert refused.value.field == field


# --- Editing ----------------------------------------------------------------------


def test_editing_changes_the_details_but_not_the_address(coordinator, place):
    day = day_create(by=coordinator, **details([place]))
    other = make_place("Hillside")

    day_update(day=day, by=coordinator, **details([place, other], title="Clean Air Week"))

    day.refresh_from_db()
    assert day.title == "Clean Air Week"
    assert day.slug == "clean-air-day"
    assert set(day.places.all()) == {place, other}


def test_editing_checks_the_same_rules(coordinator, place):
    day = day_create(by=coordinator, **details([place]))

    with pytest.raises(RuleBroken, match="The window must end after it starts"):
        day_update(
            day=day, by=coordinator, **details([place], ends_at=day.starts_at - timedelta(hours=1))
        )
    with pytest.raises(RuleBroken):
        day_update(day=day, by=coordinator, **details([]))


def _registered(day, group, **fields):
    fields.setdefault("starts_at", day.starts_at + timedelta(hours=3))
    fields.setdefault("ends_at", fields["starts_at"] + timedelta(hours=2))
    action = make_action(group, **fields)
    return Event.objects.create(day=day, action=action)


def test_a_published_window_cannot_move_away_from_its_events(coordinator, place, group):
    day = make_day(places=[place], status=DayStatus.OPEN)
    _registered(day, group)
    later = day.starts_at + timedelta(hours=10)

    with pytest.raises(RuleBroken) as refused:
        day_update(
            day=day, by=coordinator, **details([place], starts_at=later, ends_at=day.ends_at)
        )

    assert "1 registered event would fall outside this window" in refused.value.message
    assert refused.value.field == "starts_at"
    day.refresh_from_db()
    assert day.starts_at < later


def test_a_window_can_grow_or_shrink_around_its_events(coordinator, place, group):
    day = make_day(places=[place], status=DayStatus.OPEN)
    event = _registered(day, group)

    day_update(
        day=day,
        by=coordinator,
        **details(
            [place],
            starts_at=event.action.starts_at,
            ends_at=event.action.ends_at + timedelta(days=3),
        ),
    )

    day.refresh_from_db()
    assert day.starts_at == event.action.starts_at


def test_a_cancelled_event_does_not_hold_the_window(coordinator, place, group):
    day = make_day(places=[place], status=DayStatus.OPEN)
    _registered(day, group, status=ActionStatus.CANCELLED)
    later = day.starts_at + timedelta(hours=10)

    day_update(day=day, by=coordinator, **details([place], starts_at=later, ends_at=day.ends_at))


def test_places_with_events_cannot_be_dropped(coordinator, place, group):
    elsewhere = make_place("Hillside")
    day = make_day(places=[place, elsewhere], status=DayStatus.OPEN)
    _registered(day, group)

    with pytest.raises(RuleBroken) as refused:
        day_update(
            day=day,
            by=coordinator,
            **details([elsewhere], starts_at=day.starts_at, ends_at=day.ends_at),
        )

    assert refused.value.field == "places"
    assert set(day.places.all()) == {place, elsewhere}


def test_a_place_can_be_swapped_for_the_one_around_it(coordinator, group):
    region = make_place("Lakeshore", kind=PlaceKind.REGION)
    city = make_place("Port Maren", parent=region)
    GroupModel = type(group)
    GroupModel.objects.filter(pk=group.pk).update(place=city)
    group.refresh_from_db()
    day = make_day(places=[city], status=DayStatus.OPEN)
    _registered(day, group)

    day_update(
        day=day, by=coordinator, **details([region], starts_at=day.starts_at, ends_at=day.ends_at)
    )

    assert list(day.places.all()) == [region]


# --- Reporting ----------------------------------------------------------------------


def test_the_steering_committee_marks_a_closed_day_reported(steering_member, place):
    day = make_day(places=[place], status=DayStatus.CLOSED)

    day_report(day=day, by=steering_member)

    day.refresh_from_db()
    assert day.status == DayStatus.REPORTED
    assert day.reported_by == steering_member
    assert day.reported_at is not None


@pytest.mark.parametrize("status", [DayStatus.DRAFT, DayStatus.OPEN, DayStatus.LIVE])
def test_only_a_closed_day_can_be_reported(steering_member, place, status):
    day = make_day(places=[place], status=status)

    with pytest.raises(RuleBroken, match="Only a closed day of action can be marked as reported"):
        day_report(day=day, by=steering_member)

    day.refresh_from_db()
    assert day.status == status and day.reported_at is None


def test_a_day_is_reported_once(steering_member, place):
    day = make_day(places=[place], status=DayStatus.CLOSED)
    day_report(day=day, by=steering_member)

    with pytest.raises(RuleBroken, match="already marked as reported"):
        day_report(day=day, by=steering_member)


def test_coordinators_do_not_mark_days_reported(coordinator, place):
    day = make_day(places=[place], status=DayStatus.CLOSED)

    with pytest.raises(RuleBroken):
        day_report(day=day, by=coordinator)
    day.refresh_from_db()
    assert day.status == DayStatus.CLOSED


# --- The outreach audience key "places" ---------------------------------------------


def test_an_outreach_audience_can_name_several_places_with_everything_under_them(weaver):
    region = make_place("Lakeshore", kind=PlaceKind.REGION)
    city = make_place("Port Maren", parent=region)
    district = make_place("Harbourside", kind=PlaceKind.DISTRICT, parent=city)
    other = make_place("Alder Falls", parent=region)
    far = make_place("Corvin")
    inside = [
        GroupFactory(name="In the city", place=city, stage=Stage.ALIGNED),
        GroupFactory(name="In the district", place=district, stage=Stage.ALIGNED),
        GroupFactory(name="In the other city", place=other, stage=Stage.PRODUCING),
    ]
    GroupFactory(name="Far away", place=far, stage=Stage.ALIGNED)
    GroupFactory(name="In the region above", place=region, stage=Stage.ALIGNED)

    message = outreach_create(
        subject="Hello",
        body="Hello {{ group.name }}",
        audience={"places": [city.pk, str(other.pk)], "stages": [Stage.ALIGNED, Stage.PRODUCING]},
        by=weaver,
    )

    assert message.audience["places"] == sorted([city.pk, other.pk])
    assert set(audience_groups(message.audience)) == set(inside)
    assert "Port Maren" in audience_description(message.audience)[-1]


@pytest.mark.parametrize("places", [[999_999], ["not a number"], [None]])
def test_an_outreach_audience_with_unknown_places_is_refused(weaver, places):
    with pytest.raises(RuleBroken) as refused:
        outreach_create(subject="Hello", body="Hello", audience={"places": places}, by=weaver)

    assert refused.value.field == "places"


# --- The demo ---------------------------------------------------------------------


def test_the_demo_has_an_open_clean_air_day_with_a_toolkit_and_two_events(client):
    from django.core.management import call_command

    call_command("seed_demo")
    call_command("seed_demo")  # twice: nothing is added the second time

    day = DayOfAction.objects.get(slug="clean-air-day")
    assert day.status == DayStatus.OPEN
    assert {place.name for place in day.places.all()} == {"Port Maren", "Alder Falls"}
    assert day.goal_events and day.goal_participants
    kinds = {item.kind: item for item in day.toolkit.select_related("current")}
    assert set(kinds) == {"points", "link", "guide"}
    assert kinds["points"].current.number == 2
    events = list(day.events.select_related("action__host_group"))
    assert len(events) == 2
    assert len({event.action.host_group_id for event in events}) == 2
    for event in events:
        assert event.action.capacity
        assert day.starts_at <= event.action.starts_at <= event.action.ends_at <= day.ends_at

    client.login(email="steering@example.org", password="coalition-demo")
    response = client.get(f"/days/{day.slug}/coordinate/")
    assert response.status_code == 200
    assert response.context["lists"].rsvps.paginator.count == 2

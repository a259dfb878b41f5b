"""Groups register local events for a day of action: inside the window and the places, by
people who may post for the group, while the day is open."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from coalition.errors import RuleBroken
from coalition.models import PlaceKind
from convergence.models import DayStatus, Event
from convergence.services.events import event_register
from members.models import Group, Stage
from tests.factories import GroupFactory, add_member, make_day, make_place, publish_statement

pytestmark = pytest.mark.django_db

PEOPLE = [
    None,
    "outsider",
    "group_member",
    "group_admin",
    "weaver",
    "steering_member",
    "coordinator",
]


@pytest.fixture
def signed(group):
    """``group`` has signed the current statement: its members may post and register."""
    version = publish_statement()
    Group.objects.filter(pk=group.pk).update(signed_version=version)
    group.refresh_from_db()
    return group


@pytest.fixture
def day(place):
    return make_day(places=[place], status=DayStatus.OPEN)


def fields(day, place, **changes) -> dict:
    start = day.starts_at + timedelta(hours=2)
    values = {
        "title": "Clean air picnic",
        "description": "Bring a blanket; we bring the air monitors.",
        "kind": "event",
        "place": place,
        "address": "Riverside Park, by the bandstand",
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "visibility": "public",
        "capacity": 40,
    }
    values.update(changes)
    return values


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _form(day, group, place, **changes) -> dict:
    start = day.starts_at + timedelta(hours=2)
    data = {
        "group": str(group.pk),
        "title": "Clean air picnic",
        "description": "Bring a blanket.",
        "kind": "event",
        "tactic": "",
        "place": str(place.pk),
        "address": "Riverside Park",
        "latitude": "48.8566",
        "longitude": "2.3522",
        "starts_at": _local(start),
        "ends_at": _local(start + timedelta(hours=2)),
        "visibility": "public",
        "capacity": "40",
    }
    data.update(changes)
    return data


# --- The service ------------------------------------------------------------------


def test_a_member_of_a_signed_group_registers_an_event(group_member, signed, day, place):
    event = event_register(day=day, group=signed, by=group_member, **fields(day, place))

    assert event.day == day
    assert event.registered_by == group_member
    assert event.action.host_group == signed
    assert event.action.capacity == 40
    assert event.action.created_by == group_member
    assert event.checklist == {}


def test_registering_makes_an_aligned_group_producing(group_member, signed, day, place):
    event_register(day=day, group=signed, by=group_member, **fields(day, place))

    signed.refresh_from_db()
    assert signed.stage == Stage.PRODUCING


def test_an_event_may_be_in_a_place_under_a_covered_place(group_member, signed):
    city = make_place("Port Maren")
    street = make_place("Mill Lane", kind=PlaceKind.NEIGHBOURHOOD, parent=city)
    day = make_day(places=[city], status=DayStatus.OPEN)

    event = event_register(day=day, group=signed, by=group_member, **fields(day, street))

    assert event.action.place == street


def test_an_event_may_fill_the_whole_window(group_member, signed, day, place):
    event = event_register(
        day=day, group=signed, by=group_member,
        **fields(day, place, starts_at=day.starts_at, ends_at=day.ends_at),
    )  # fmt: skip

    assert event.action.starts_at == day.starts_at


@pytest.mark.parametrize(
    ("start_hours", "end_hours", "field"),
    [(-2, 1, "starts_at"), (-5, -3, "starts_at"), (47, 49, "ends_at"), (50, 52, "starts_at")],
)
def test_an_event_outside_the_window_is_refused(
    group_member, signed, day, place, start_hours, end_hours, field
):
    starts = day.starts_at + timedelta(hours=start_hours)
    ends = day.starts_at + timedelta(hours=end_hours)

    with pytest.raises(RuleBroken) as refused:
        event_register(
            day=day, group=signed, by=group_member,
            **fields(day, place, starts_at=starts, ends_at=ends),
        )  # fmt: skip

    assert refused.value.message.startswith("The event must take place between ")
    assert refused.value.field == field
    assert not Action.objects.exists() and not Event.objects.exists()


def test_the_refusal_names_the_window_in_local_time(group_member, signed, day, place, settings):
    from django.utils import formats

    with pytest.raises(RuleBroken) as refused:
        event_register(
            day=day, group=signed, by=group_member,
            **fields(day, place, starts_at=day.ends_at + timedelta(hours=1),
                     ends_at=day.ends_at + timedelta(hours=2)),
        )  # fmt: skip

    start = formats.date_format(timezone.localtime(day.starts_at), "DATETIME_FORMAT")
    end = formats.date_format(timezone.localtime(day.ends_at), "DATETIME_FORMAT")
    assert refused.value.message == f"The event must take place between {start} and {end}."


def test_an_event_outside_the_covered_places_is_refused(group_member, signed, day):
    elsewhere = make_place("Hillside")

    with pytest.raises(RuleBroken) as refused:
        event_register(day=day, group=signed, by=group_member, **fields(day, elsewhere))

    assert refused.value.message == (
        "Hillside is not covered by this day of action; it covers Riverside."
    )
    assert refused.value.field == "place"
    assert not Action.objects.exists()


def test_a_place_above_a_covered_place_is_outside_it(group_member, signed):
    region = make_place("Lakeshore", kind=PlaceKind.REGION)
    city = make_place("Port Maren", parent=region)
    day = make_day(places=[city], status=DayStatus.OPEN)

    with pytest.raises(
        RuleBroken, match="Lakeshore is not covered by this day of action; it covers Port Maren"
    ):
        event_register(day=day, group=signed, by=group_member, **fields(day, region))


@pytest.mark.parametrize("status", [DayStatus.DRAFT, DayStatus.CLOSED, DayStatus.REPORTED])
def test_a_day_that_is_not_open_takes_no_event(group_member, signed, place, status):
    day = make_day(places=[place], status=status)

    with pytest.raises(RuleBroken, match="not open for registration"):
        event_register(day=day, group=signed, by=group_member, **fields(day, place))
    assert not Action.objects.exists()


def test_a_live_day_still_takes_events(group_member, signed, place):
    day = make_day(places=[place], status=DayStatus.LIVE, days_ahead=0)

    assert event_register(day=day, group=signed, by=group_member, **fields(day, place)).pk


def test_a_stale_copy_of_a_day_closed_meanwhile_takes_no_event(group_member, signed, day, place):
    type(day).objects.filter(pk=day.pk).update(status=DayStatus.CLOSED)

    with pytest.raises(RuleBroken, match="not open for registration"):
        event_register(day=day, group=signed, by=group_member, **fields(day, place))


def test_a_group_that_has_not_signed_cannot_register(group_member, group, day, place):
    with pytest.raises(RuleBroken) as refused:
        event_register(day=day, group=group, by=group_member, **fields(day, place))

    assert "sign the unity statement" in refused.value.message
    assert refused.value.field == "group"


@pytest.mark.parametrize("person", ["outsider", "weaver", "coordinator"])
def test_people_outside_the_group_cannot_register_for_it(request, signed, day, place, person):
    with pytest.raises(RuleBroken, match="Only members of a group"):
        event_register(
            day=day, group=signed, by=request.getfixturevalue(person), **fields(day, place)
        )


def test_the_actions_rules_apply_too(group_member, signed, day, place):
    with pytest.raises(RuleBroken, match="latitude"):
        event_register(
            day=day, group=signed, by=group_member, **fields(day, place, latitude=91, longitude=0)
        )
    with pytest.raises(RuleBroken):
        event_register(
            day=day, group=signed, by=group_member,
            **fields(day, place, ends_at=day.starts_at + timedelta(hours=1)),
        )  # fmt: skip
    assert not Event.objects.exists()


# --- The page ----------------------------------------------------------------------


def test_the_register_address():
    assert reverse("convergence:event_register", args=["d"]) == "/days/d/register/"


@pytest.mark.parametrize(
    ("index", "expected", "shows_form"),
    [
        (0, 302, False),
        (1, 200, False),  # the outsider's group has not signed
        (2, 200, True),
        (3, 200, True),
        (4, 200, False),
        (5, 200, False),
        (6, 200, False),
    ],
)
def test_who_gets_the_registration_form(client, request, signed, day, index, expected, shows_form):
    person = PEOPLE[index]
    if person:
        client.force_login(request.getfixturevalue(person))

    response = client.get(reverse("convergence:event_register", args=[day.slug]))

    assert response.status_code == expected
    if person is None:
        assert response["Location"].startswith(reverse("account_login"))
        return
    page = response.content.decode()
    assert ('name="title"' in page) == shows_form
    if not shows_form:
        assert "Events are registered by the members of a group" in page


@pytest.mark.parametrize("person", ["outsider", "weaver", "steering_member"])
def test_posting_without_a_group_that_may_register_is_forbidden(
    client, request, signed, day, place, person
):
    client.force_login(request.getfixturevalue(person))

    response = client.post(
        reverse("convergence:event_register", args=[day.slug]), _form(day, signed, place)
    )

    assert response.status_code == 403
    assert not Event.objects.exists()


@pytest.mark.parametrize("person", PEOPLE[1:])
def test_a_draft_day_is_not_found_except_by_coordinators(client, request, signed, place, person):
    day = make_day(places=[place], status=DayStatus.DRAFT)
    client.force_login(request.getfixturevalue(person))

    response = client.get(reverse("convergence:event_register", args=[day.slug]))

    if person in {"steering_member", "coordinator"}:
        assert response.status_code == 200
        assert "not open for registration" in response.content.decode()
    else:
        assert response.status_code == 404


def test_a_closed_day_says_so(client, group_member, signed, place):
    day = make_day(places=[place], status=DayStatus.CLOSED, days_ahead=-5)
    client.force_login(group_member)
    url = reverse("convergence:event_register", args=[day.slug])

    page = client.get(url)
    posted = client.post(url, _form(day, signed, place))

    assert "This day of action is not open for registration" in page.content.decode()
    assert posted.status_code == 400
    assert not Event.objects.exists()


def test_a_member_registers_through_the_page_and_lands_on_the_host_page(
    client, group_member, signed, day, place
):
    client.force_login(group_member)

    response = client.post(
        reverse("convergence:event_register", args=[day.slug]), _form(day, signed, place)
    )

    event = Event.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("convergence:event_host", args=[day.slug, event.pk])
    assert event.action.title == "Clean air picnic"
    assert str(event.action.latitude) == "48.856600"


def test_the_form_offers_only_the_places_the_day_covers(client, group_member, signed, day):
    elsewhere = make_place("Hillside")
    client.force_login(group_member)
    url = reverse("convergence:event_register", args=[day.slug])

    page = client.get(url).content.decode()
    response = client.post(url, _form(day, signed, elsewhere))

    assert "Hillside" not in page
    assert response.status_code == 400
    assert (
        "Hillside is not covered by this day of action; it covers Riverside."
        in response.content.decode()
    )


def test_an_event_outside_the_window_is_answered_on_the_start_field(
    client, group_member, signed, day, place
):
    client.force_login(group_member)
    early = day.starts_at - timedelta(days=1)

    response = client.post(
        reverse("convergence:event_register", args=[day.slug]),
        _form(
            day, signed, place, starts_at=_local(early), ends_at=_local(early + timedelta(hours=1))
        ),
    )

    assert response.status_code == 400
    assert "The event must take place between" in str(response.context["form"].errors["starts_at"])
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "This field is required."),
        ({"title": "x" * 161}, "Ensure this value has at most 160 characters"),
        ({"description": "x" * 10_001}, "Ensure this value has at most 10000 characters"),
        ({"capacity": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"kind": "riot"}, "Select a valid choice."),
        ({"starts_at": "soon"}, "Enter a valid date/time."),
        ({"latitude": "95", "longitude": "0"}, "Those coordinates are not on Earth"),
    ],
)
def test_bad_input_is_answered_with_the_form(
    client, group_member, signed, day, place, changes, message
):
    client.force_login(group_member)

    response = client.post(
        reverse("convergence:event_register", args=[day.slug]),
        _form(day, signed, place, **changes),
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Event.objects.exists()


def test_a_group_the_person_is_not_in_cannot_be_chosen(client, group_member, signed, day, place):
    other = GroupFactory(name="Another group", place=place, stage=Stage.ALIGNED)
    client.force_login(group_member)

    response = client.post(
        reverse("convergence:event_register", args=[day.slug]), _form(day, other, place)
    )

    assert response.status_code == 400
    assert not Event.objects.exists()


def test_the_form_starts_at_the_window(client, group_member, signed, day):
    client.force_login(group_member)

    page = client.get(reverse("convergence:event_register", args=[day.slug])).content.decode()

    assert f'value="{_local(day.starts_at)}"' in page


# session, person, memberships (the day's visibility and the groups), roles, the
# day, its places, the person's groups, the covered places, the tactics, the coalition
REGISTER_QUERIES = 10


@pytest.mark.parametrize("size", [3, 40])
def test_the_form_takes_a_fixed_number_of_queries(
    client, group_member, signed, day, place, size, django_assert_num_queries
):
    for n in range(size):
        make_place(f"Street {n}", kind=PlaceKind.NEIGHBOURHOOD, parent=place)
        add_member(GroupFactory(name=f"Mine {n}", place=place), group_member, "member")
    client.force_login(group_member)

    with django_assert_num_queries(REGISTER_QUERIES):
        response = client.get(reverse("convergence:event_register", args=[day.slug]))

    assert response.status_code == 200

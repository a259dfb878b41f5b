"""Coordinator pages: who gets in, forms and their bad input, the coordination lists and the
CSV export, in fixed numbers of queries."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.models import ActionStatus, SupportRequest
from coalition.models import PlaceKind
from convergence.models import DayOfAction, DayStatus, Event
from convergence.selectors_coordinate import PER_PAGE
from members.models import Stage
from tests.factories import GroupFactory, make_action, make_day, make_place

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


def _login(client, request, person):
    if person:
        client.force_login(request.getfixturevalue(person))


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _form(place, **changes) -> dict:
    start = timezone.now() + timedelta(days=10)
    data = {
        "title": "Clean Air Day",
        "purpose": "Show the council that every neighbourhood wants clean air.",
        "target": "The city council",
        "ask": "Adopt the clean air zone.",
        "starts_at": _local(start),
        "ends_at": _local(start + timedelta(hours=36)),
        "places": [str(place.pk)],
        "hub_groups": [],
        "goal_events": "10",
        "goal_participants": "",
    }
    data.update(changes)
    return data


def _event(day, group, **fields) -> Event:
    fields.setdefault("starts_at", day.starts_at + timedelta(hours=2))
    fields.setdefault("ends_at", fields["starts_at"] + timedelta(hours=2))
    return Event.objects.create(day=day, action=make_action(group, **fields))


def test_the_coordinator_addresses():
    assert reverse("convergence:day_new") == "/days/new/"
    assert reverse("convergence:day_edit", args=["d"]) == "/days/d/edit/"
    assert reverse("convergence:day_publish", args=["d"]) == "/days/d/publish/"
    assert reverse("convergence:day_report", args=["d"]) == "/days/d/report/"
    assert reverse("convergence:day_coordinate", args=["d"]) == "/days/d/coordinate/"
    assert reverse("convergence:day_events_csv", args=["d"]) == "/days/d/events.csv"


# --- The permission matrix ------------------------------------------------------

COORDINATORS = [302, 403, 403, 403, 403, 200, 200]


@pytest.mark.parametrize(
    ("name", "method", "status", "expected"),
    [
        ("day_new", "get", DayStatus.DRAFT, COORDINATORS),
        ("day_edit", "get", DayStatus.DRAFT, COORDINATORS),
        ("day_edit", "get", DayStatus.OPEN, COORDINATORS),
        ("day_coordinate", "get", DayStatus.OPEN, COORDINATORS),
        ("day_events_csv", "get", DayStatus.OPEN, COORDINATORS),
        ("day_publish", "post", DayStatus.DRAFT, [302, 403, 403, 403, 403, 302, 302]),
        ("day_report", "post", DayStatus.CLOSED, [302, 403, 403, 403, 403, 302, 403]),
    ],
)
@pytest.mark.parametrize("index", range(len(PEOPLE)))
def test_who_may_open_each_coordinator_page(
    client, request, place, group, name, method, status, expected, index
):
    day = make_day(places=[place], status=status)
    person = PEOPLE[index]
    _login(client, request, person)
    url = reverse(f"convergence:{name}", args=[] if name == "day_new" else [day.slug])

    response = getattr(client, method)(url)

    assert response.status_code == expected[index]
    if person is None:
        assert response["Location"].startswith(reverse("account_login"))
    day.refresh_from_db()
    if name == "day_publish":
        assert (day.status == DayStatus.OPEN) == (expected[index] == 302 and person is not None)
    if name == "day_report":
        assert (day.status == DayStatus.REPORTED) == (person == "steering_member")


@pytest.mark.parametrize(
    "name", ["day_edit", "day_coordinate", "day_events_csv", "day_publish", "day_report"]
)
def test_an_unknown_day_is_not_found(client, steering_member, name):
    client.force_login(steering_member)
    url = reverse(f"convergence:{name}", args=["no-such-day"])

    response = client.post(url) if name in {"day_publish", "day_report"} else client.get(url)

    assert response.status_code == 404


@pytest.mark.parametrize("name", ["day_publish", "day_report"])
def test_publishing_and_reporting_take_posts_only(client, steering_member, place, name):
    day = make_day(places=[place], status=DayStatus.DRAFT)
    client.force_login(steering_member)

    assert client.get(reverse(f"convergence:{name}", args=[day.slug])).status_code == 405


# --- Creating and editing -------------------------------------------------------


def test_a_coordinator_creates_a_draft_through_the_page(client, coordinator, place):
    client.force_login(coordinator)

    response = client.post(reverse("convergence:day_new"), _form(place))

    day = DayOfAction.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("convergence:day_edit", args=[day.slug])
    assert day.status == DayStatus.DRAFT
    assert day.goal_events == 10 and day.goal_participants is None
    assert day.created_by == coordinator


def test_a_window_that_ends_before_it_starts_is_answered_on_the_form(client, coordinator, place):
    client.force_login(coordinator)
    start = timezone.now() + timedelta(days=10)

    response = client.post(
        reverse("convergence:day_new"),
        _form(place, starts_at=_local(start), ends_at=_local(start - timedelta(hours=1))),
    )

    assert response.status_code == 400
    assert "The window must end after it starts." in response.content.decode()
    assert not DayOfAction.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"places": []}, "Choose at least one place the day of action covers."),
        ({"places": ["999999"]}, "Choose places from the list."),
        ({"goal_events": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"title": "x" * 161}, "Ensure this value has at most 160 characters"),
        ({"ask": "x" * 2001}, "Ensure this value has at most 2000 characters"),
        ({"starts_at": "tomorrow"}, "Enter a valid date/time."),
        ({"hub_groups": ["999999"]}, "Choose groups from the list."),
        ({"title": ""}, "This field is required."),
    ],
)
def test_bad_input_is_answered_with_the_form(client, coordinator, place, changes, message):
    client.force_login(coordinator)

    response = client.post(reverse("convergence:day_new"), _form(place, **changes))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not DayOfAction.objects.exists()


def test_hub_groups_are_chosen_among_signed_groups(client, coordinator, place, group):
    prospect = GroupFactory(name="A prospect", place=place, stage=Stage.PROSPECT)
    client.force_login(coordinator)

    page = client.get(reverse("convergence:day_new")).content.decode()
    response = client.post(reverse("convergence:day_new"), _form(place, hub_groups=[str(group.pk)]))

    assert group.name in page and prospect.name not in page
    assert list(DayOfAction.objects.get().hub_groups.all()) == [group]
    assert response.status_code == 302


def test_the_edit_form_shows_the_day_and_saves_changes(client, coordinator, place):
    day = make_day(places=[place], status=DayStatus.DRAFT)
    client.force_login(coordinator)
    url = reverse("convergence:day_edit", args=[day.slug])

    page = client.get(url).content.decode()
    response = client.post(url, _form(place, title="Clean Air Week"))

    assert 'value="Clean Air Day"' in page
    assert "Publish and announce" in page
    assert response.status_code == 302
    day.refresh_from_db()
    assert day.title == "Clean Air Week"
    assert day.slug == "clean-air-day"


def test_moving_a_published_window_away_from_its_events_is_answered_on_the_form(
    client, coordinator, place, group
):
    day = make_day(places=[place], status=DayStatus.OPEN)
    _event(day, group)
    client.force_login(coordinator)
    later = day.starts_at + timedelta(days=1)

    response = client.post(
        reverse("convergence:day_edit", args=[day.slug]),
        _form(place, starts_at=_local(later), ends_at=_local(later + timedelta(days=2))),
    )

    assert response.status_code == 400
    assert "registered event would fall outside this window" in response.content.decode()
    day.refresh_from_db()
    assert day.starts_at < later


def test_a_published_day_does_not_offer_to_publish_again(client, coordinator, place):
    day = make_day(places=[place], status=DayStatus.OPEN)
    client.force_login(coordinator)

    page = client.get(reverse("convergence:day_edit", args=[day.slug])).content.decode()

    assert "Publish and announce" not in page


# --- Reporting ------------------------------------------------------------------


@pytest.mark.parametrize("status", [DayStatus.OPEN, DayStatus.LIVE, DayStatus.DRAFT])
def test_reporting_a_day_that_is_not_closed_is_refused_clearly(
    client, steering_member, place, status
):
    day = make_day(places=[place], status=status)
    client.force_login(steering_member)

    response = client.post(reverse("convergence:day_report", args=[day.slug]), follow=True)

    assert "Only a closed day of action can be marked as reported" in response.content.decode()
    day.refresh_from_db()
    assert day.status == status


def test_the_steering_committee_sees_the_report_button_on_a_closed_day(
    client, steering_member, coordinator, place
):
    day = make_day(places=[place], status=DayStatus.CLOSED)
    url = reverse("convergence:day_coordinate", args=[day.slug])

    client.force_login(steering_member)
    assert "Mark as reported" in client.get(url).content.decode()
    client.force_login(coordinator)
    assert "Mark as reported" not in client.get(url).content.decode()


# --- The coordination view ------------------------------------------------------


@pytest.fixture
def network():
    """Region > city (> district > two neighbourhoods) and another city; groups in each."""
    region = make_place("Lakeshore", kind=PlaceKind.REGION)
    city = make_place("Port Maren", parent=region)
    district = make_place("Harbourside", kind=PlaceKind.DISTRICT, parent=city)
    mill = make_place("Mill Quarter", kind=PlaceKind.NEIGHBOURHOOD, parent=district)
    docks = make_place("Dockyards", kind=PlaceKind.NEIGHBOURHOOD, parent=district)
    alder = make_place("Alder Falls", parent=region)
    corvin = make_place("Corvin")
    groups = {
        "mill": GroupFactory(name="Mill Tenants", place=mill, stage=Stage.ALIGNED),
        "docks": GroupFactory(name="Dock Parents", place=docks, stage=Stage.PRODUCING),
        "alder": GroupFactory(name="Alder Cyclists", place=alder, stage=Stage.ALIGNED),
        "prospect": GroupFactory(name="Alder Prospect", place=alder, stage=Stage.PROSPECT),
        "corvin": GroupFactory(name="Corvin Youth", place=corvin, stage=Stage.ALIGNED),
    }
    places = {
        "region": region, "city": city, "district": district, "mill": mill, "docks": docks,
        "alder": alder, "corvin": corvin,
    }  # fmt: skip
    return places, groups


def _coordinate(client, day, **query):
    url = reverse("convergence:day_coordinate", args=[day.slug])
    return client.get(url, query)


def test_places_with_no_event_yet_are_listed(client, coordinator, network):
    places, groups = network
    day = make_day(places=[places["city"], places["alder"]])
    _event(day, groups["mill"])
    client.force_login(coordinator)

    lists = _coordinate(client, day).context["lists"]

    assert [p.name for p in lists.places.object_list] == ["Dockyards", "Alder Falls"]


def test_a_cancelled_event_leaves_its_place_without_an_event(client, coordinator, network):
    places, groups = network
    day = make_day(places=[places["alder"]])
    _event(day, groups["alder"], status=ActionStatus.CANCELLED)
    client.force_login(coordinator)

    lists = _coordinate(client, day).context["lists"]

    assert [p.name for p in lists.places.object_list] == ["Alder Falls"]
    assert [g.name for g in lists.groups.object_list] == ["Alder Cyclists"]


def test_signed_groups_that_have_not_registered_are_listed(client, coordinator, network):
    places, groups = network
    day = make_day(places=[places["city"], places["alder"]])
    _event(day, groups["mill"])
    # Another day's event does not count for this one.
    other = make_day(places=[places["alder"]], slug="another-day")
    _event(other, groups["alder"])
    client.force_login(coordinator)

    lists = _coordinate(client, day).context["lists"]

    assert [g.name for g in lists.groups.object_list] == ["Alder Cyclists", "Dock Parents"]


def test_events_with_open_support_requests_are_listed(client, coordinator, network):
    places, groups = network
    day = make_day(places=[places["city"]])
    asking = _event(day, groups["mill"], title="Asking")
    met = _event(day, groups["docks"], title="Met")
    _event(day, groups["docks"], title="Quiet")
    SupportRequest.objects.create(action=asking.action, kind="people", amount=10)
    SupportRequest.objects.create(action=met.action, kind="money", amount=5, is_open=False)
    client.force_login(coordinator)

    response = _coordinate(client, day)

    assert [e.action.title for e in response.context["lists"].support.object_list] == ["Asking"]
    assert "0 / 10" in response.content.decode()


def test_rsvps_per_event_sort_by_count(client, coordinator, network):
    places, groups = network
    day = make_day(places=[places["city"]])
    for title, count in (("Few", 2), ("Many", 30), ("Some", 9)):
        _event(day, groups["mill"], title=title, rsvp_count=count, capacity=50)
    client.force_login(coordinator)

    def order(**query):
        rows = _coordinate(client, day, **query).context["lists"].rsvps.object_list
        return [(e.action.title, e.action.rsvp_count) for e in rows]

    assert order() == [("Many", 30), ("Some", 9), ("Few", 2)]
    assert order(sort="rsvps") == [("Few", 2), ("Some", 9), ("Many", 30)]
    assert order(sort="title") == [("Few", 2), ("Many", 30), ("Some", 9)]
    assert order(sort="nonsense") == [("Many", 30), ("Some", 9), ("Few", 2)]


def test_every_list_narrows_to_a_place_subtree(client, coordinator, network):
    places, groups = network
    day = make_day(places=[places["city"], places["alder"]])
    mill_event = _event(day, groups["mill"], title="Mill walk", rsvp_count=3)
    _event(day, groups["alder"], title="Alder ride", rsvp_count=5)
    SupportRequest.objects.create(action=mill_event.action, kind="people", amount=4)
    client.force_login(coordinator)

    lists = _coordinate(client, day, place=places["district"].pk).context["lists"]

    assert [p.name for p in lists.places.object_list] == ["Dockyards"]
    assert [g.name for g in lists.groups.object_list] == ["Dock Parents"]
    assert [e.action.title for e in lists.support.object_list] == ["Mill walk"]
    assert [e.action.title for e in lists.rsvps.object_list] == ["Mill walk"]


def test_a_place_outside_the_day_is_not_a_filter(client, coordinator, network):
    places, _groups = network
    day = make_day(places=[places["alder"]])
    client.force_login(coordinator)

    response = _coordinate(client, day, place=places["corvin"].pk)

    assert response.status_code == 200
    assert "Choose a place this day of action covers." in response.content.decode()
    assert [g.name for g in response.context["lists"].groups.object_list] == ["Alder Cyclists"]


@pytest.mark.parametrize("query", [{"place": "abc"}, {"places_page": "x"}, {"rsvps_page": "-3"}])
def test_malformed_filters_do_not_break_the_page(client, coordinator, network, query):
    places, _groups = network
    day = make_day(places=[places["alder"]])
    client.force_login(coordinator)

    assert _coordinate(client, day, **query).status_code == 200


def test_a_group_only_event_is_not_listed_to_a_coordinator_outside_the_group(
    client, coordinator, network
):
    places, groups = network
    day = make_day(places=[places["alder"]])
    _event(day, groups["alder"], title="Members only", visibility="group")
    client.force_login(coordinator)

    response = _coordinate(client, day)

    assert "Members only" not in response.content.decode()
    # It still counts as the group having registered.
    assert list(response.context["lists"].groups.object_list) == []


def test_the_lists_are_paginated(client, coordinator, network):
    places, groups = network
    day = make_day(places=[places["alder"]])
    for n in range(PER_PAGE + 5):
        _event(day, groups["alder"], title=f"Event {n:02}")
    client.force_login(coordinator)

    first = _coordinate(client, day, sort="title")
    second = _coordinate(client, day, sort="title", rsvps_page=2)

    assert len(first.context["lists"].rsvps.object_list) == PER_PAGE
    assert [e.action.title for e in second.context["lists"].rsvps.object_list] == [
        f"Event {n:02}" for n in range(PER_PAGE, PER_PAGE + 5)
    ]
    assert "rsvps_page=2" in first.content.decode()


def test_a_list_past_the_count_limit_says_more_than(client, coordinator, network, monkeypatch):
    monkeypatch.setattr("coalition.paging.COUNT_LIMIT", 3)
    monkeypatch.setattr("convergence.selectors_coordinate.PER_PAGE", 2)
    places, groups = network
    day = make_day(places=[places["alder"]])
    for n in range(5):
        GroupFactory(name=f"Quiet {n}", place=places["alder"], stage=Stage.ALIGNED)
        _event(day, groups["alder"], title=f"Event {n:02}")
    client.force_login(coordinator)

    page = _coordinate(client, day).content.decode()

    # Places and groups are counted up to the limit; the events, which the page
    # reads all to sort them, exactly.
    assert "More than 3 groups" in page
    assert "5 events" in page
    assert "groups_page=2" in page
    assert "rsvps_page=2" in page


def _crowd(day, places, groups, size: int) -> None:
    """``size`` events spread over the day's places, half asking for support, and as many
    groups and places without one."""
    for n in range(size):
        place = make_place(f"Street {day.slug} {n}", kind=PlaceKind.NEIGHBOURHOOD,
                           parent=places["district"])  # fmt: skip
        GroupFactory(name=f"Idle {day.slug} {n}", place=place, stage=Stage.ALIGNED)
        host = GroupFactory(name=f"Host {day.slug} {n}", place=place, stage=Stage.PRODUCING)
        event = _event(day, host, title=f"Event {n}", rsvp_count=n, place=place)
        if n % 2:
            SupportRequest.objects.create(action=event.action, kind="people", amount=3)
            SupportRequest.objects.create(action=event.action, kind="money", amount=3)


# session, person, roles, memberships, the day and its places, the covered
# places (choices), the day's events (read once), then the ids (count and page)
# and the rows of the page of places and of groups, a page of each list of
# events (its rows carry the total), the open support requests of that page,
# and the coalition
COORDINATE_QUERIES = 16


@pytest.mark.parametrize("size", [3, 40])
def test_the_coordination_view_takes_a_fixed_number_of_queries(
    client, coordinator, network, size, django_assert_num_queries
):
    places, groups = network
    day = make_day(places=[places["city"], places["alder"]])
    _crowd(day, places, groups, size)
    client.force_login(coordinator)

    with django_assert_num_queries(COORDINATE_QUERIES):
        response = _coordinate(client, day)

    assert response.status_code == 200
    assert response.context["lists"].rsvps.paginator.count == size


# --- The CSV export -------------------------------------------------------------


def _rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_the_export_has_every_event_with_its_outcomes(client, coordinator, network, settings):
    settings.SITE_URL = "https://coalition.example.org"
    places, groups = network
    day = make_day(places=[places["city"]])
    event = _event(
        day, groups["mill"], title="Mill walk", rsvp_count=12, capacity=40, participants=35,
        letters_sent=20, signatures_gathered=150, media_pieces=2, status=ActionStatus.DONE,
    )  # fmt: skip
    client.force_login(coordinator)

    response = client.get(reverse("convergence:day_events_csv", args=[day.slug]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="clean-air-day-events.csv"'
    header, row = _rows(response)
    assert header == [
        "title", "host group", "place", "starts", "ends", "status", "RSVPs", "capacity",
        "participants", "letters sent", "signatures gathered", "media pieces",
        "address of the page",
    ]  # fmt: skip
    assert row[:3] == ["Mill walk", "Mill Tenants", "Mill Quarter"]
    assert row[3] == timezone.localtime(event.action.starts_at).isoformat()
    assert row[5:] == [
        "done", "12", "40", "35", "20", "150", "2",
        f"https://coalition.example.org/actions/{event.action_id}/",
    ]  # fmt: skip


@pytest.mark.parametrize("dangerous", ['=HYPERLINK("x")', "+1+1", "-2+3", "@SUM(A1)", "\tx"])
def test_export_cells_that_a_spreadsheet_would_run_are_neutralised(
    client, coordinator, network, dangerous
):
    places, _groups = network
    host = GroupFactory(name=dangerous, place=places["mill"], stage=Stage.ALIGNED)
    day = make_day(places=[places["city"]])
    _event(day, host, title=dangerous)
    client.force_login(coordinator)

    [_header, row] = _rows(client.get(reverse("convergence:day_events_csv", args=[day.slug])))

    assert row[0] == "'" + dangerous
    assert row[1] == "'" + dangerous
    assert row[7] == ""  # no capacity: empty, not "None"


def test_the_export_narrows_to_a_place_and_leaves_out_what_the_person_may_not_see(
    client, coordinator, network
):
    places, groups = network
    day = make_day(places=[places["city"], places["alder"]])
    _event(day, groups["mill"], title="Mill walk")
    _event(day, groups["alder"], title="Alder ride")
    _event(day, groups["docks"], title="Group only", visibility="group")
    client.force_login(coordinator)
    url = reverse("convergence:day_events_csv", args=[day.slug])

    everything = [row[0] for row in _rows(client.get(url))[1:]]
    narrowed = [row[0] for row in _rows(client.get(url, {"place": places["alder"].pk}))[1:]]

    assert sorted(everything) == ["Alder ride", "Mill walk"]
    assert narrowed == ["Alder ride"]


# session, person, roles, the day, its places and hub groups, the covered
# places (choices), memberships, the day's events, the rows
CSV_QUERIES = 10


@pytest.mark.parametrize("size", [3, 40])
def test_the_export_takes_a_fixed_number_of_queries(
    client, coordinator, network, size, django_assert_num_queries
):
    places, groups = network
    day = make_day(places=[places["city"], places["alder"]])
    _crowd(day, places, groups, size)
    client.force_login(coordinator)

    with django_assert_num_queries(CSV_QUERIES):
        response = client.get(reverse("convergence:day_events_csv", args=[day.slug]))
        rows = _rows(response)

    assert len(rows) == size + 1


def test_the_place_select_offers_the_days_places_and_those_right_under_them(
    client, coordinator, network, monkeypatch
):
    from convergence import selectors_coordinate

    places, _groups = network
    day = make_day(places=[places["region"]])
    client.force_login(coordinator)

    offered = _coordinate(client, day).context["filters"].fields["place"].choices
    names = [label.strip() for _key, label in offered][1:]
    assert names == ["Lakeshore", "Port Maren", "Alder Falls"]  # not the district below

    # Too many places right under them: the day's own places alone, the rest typed.
    monkeypatch.setattr(selectors_coordinate, "PLACE_CHOICES_MAX", 2)
    offered = _coordinate(client, day).context["filters"].fields["place"].choices
    assert [label.strip() for _key, label in offered][1:] == ["Lakeshore"]
    typed = _coordinate(client, day, place_name="Harbourside")
    assert typed.context["place"] == places["district"]


def test_a_place_past_the_listed_ones_still_narrows(client, coordinator, network, monkeypatch):
    from convergence import selectors_coordinate

    monkeypatch.setattr(selectors_coordinate, "PLACE_CHOICES_MAX", 1)
    places, _groups = network
    day = make_day(places=[places["city"]])
    client.force_login(coordinator)

    response = _coordinate(client, day, place=places["docks"].pk)

    assert response.status_code == 200
    assert response.context["place"] == places["docks"]
    assert [g.name for g in response.context["lists"].groups.object_list] == ["Dock Parents"]


@pytest.mark.parametrize("value", ["²", "١٢", "9" * 19, "9" * 40])
@pytest.mark.parametrize("name", ["day_coordinate", "day_events_csv"])
def test_a_place_id_that_is_no_database_id_is_a_bad_filter_not_an_error(
    client, coordinator, network, name, value
):
    places, _groups = network
    day = make_day(places=[places["alder"]])
    client.force_login(coordinator)

    response = client.get(reverse(f"convergence:{name}", args=[day.slug]), {"place": value})

    assert response.status_code == 200

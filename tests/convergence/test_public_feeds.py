"""A day's GeoJSON markers and its iCalendar file: only what the person (or the public) may see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from actions.selectors_listing import MAP_FEATURE_LIMIT
from coalition.models import PlaceKind
from coalition.services import place_create
from convergence.models import Event
from tests.factories import make_action, make_day, make_place

pytestmark = pytest.mark.django_db

CAST = ["outsider", "group_member", "group_admin", "weaver", "steering_member"]
PEOPLE = [None, *CAST, "coordinator"]


def _event(day, group, **fields):
    """An action of ``group`` registered for ``day``, inside its window."""
    fields.setdefault("starts_at", day.starts_at + timedelta(hours=1))
    fields.setdefault("ends_at", fields["starts_at"] + timedelta(hours=2))
    action = make_action(group, **fields)
    Event.objects.create(day=day, action=action)
    return action


def _paris(day, group, **fields):
    fields.setdefault("latitude", "48.856600")
    fields.setdefault("longitude", "2.352200")
    return _event(day, group, **fields)


def _login(client, request, make_person, person):
    if person == "coordinator":
        client.force_login(make_person("coord@example.net", roles=("coordinator",)))
    elif person:
        client.force_login(request.getfixturevalue(person))


def _geojson(day) -> str:
    return reverse("convergence:day_events_geojson", kwargs={"slug": day.slug})


def _ics(day) -> str:
    return reverse("convergence:day_ical", kwargs={"slug": day.slug})


def _titles(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {feature["properties"]["title"] for feature in response.json()["features"]}


def test_the_feeds_have_stable_addresses(place):
    day = make_day(places=[place])

    assert _geojson(day) == "/days/clean-air-day/events.geojson"
    assert _ics(day) == "/days/clean-air-day/calendar.ics"


# --- GeoJSON --------------------------------------------------------------------


def test_features_carry_the_same_properties_as_the_actions_map(client, place, group):
    day = make_day(places=[place])
    action = _paris(day, group, title="Picnic")

    response = client.get(_geojson(day))

    assert response["Content-Type"] == "application/geo+json"
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    assert collection["truncated"] is False
    [feature] = collection["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [2.3522, 48.8566]}
    assert feature["properties"] == {
        "id": action.pk,
        "title": "Picnic",
        "starts_at": action.starts_at.isoformat(),
        "kind": "event",
        "url": f"/actions/{action.pk}/",
        "origin": "",
    }
    # The same keys as the actions map's features, nothing personal.
    actions_map = client.get(reverse("actions:map_data"), {"bbox": "-180,-90,180,90"}).json()
    assert set(actions_map["features"][0]["properties"]) == set(feature["properties"])


def test_anonymous_visitors_get_only_public_visible_events(client, place, group):
    day = make_day(places=[place])
    _paris(day, group, title="Public")
    _paris(day, group, title="Network", visibility="network")
    _paris(day, group, title="Group", visibility="group")
    _paris(day, group, title="Hidden", hidden_at=timezone.now())
    _paris(day, group, title="Cancelled", status="cancelled")
    other = make_day(places=[place], slug="other-day")
    _paris(other, group, title="Another day's")
    make_action(group, title="No day", latitude="48.8", longitude="2.3")

    assert _titles(client.get(_geojson(day))) == {"Public"}


def test_a_group_member_also_gets_the_events_they_may_see(client, place, group, group_member):
    day = make_day(places=[place])
    _paris(day, group, title="Public")
    _paris(day, group, title="Group", visibility="group")
    client.force_login(group_member)

    assert _titles(client.get(_geojson(day))) == {"Public", "Group"}


def test_an_event_without_coordinates_sits_at_its_place(client, group):
    town = place_create(
        name="Pointed Town", kind=PlaceKind.CITY, latitude="45.764000", longitude="4.835700"
    )
    bare = make_place("Unmapped Town")
    day = make_day(places=[town, bare])
    _event(day, group, title="At the town's point", place=town)
    _event(day, group, title="Nowhere", place=bare)

    features = client.get(_geojson(day)).json()["features"]

    assert [f["properties"]["title"] for f in features] == ["At the town's point"]
    assert features[0]["geometry"]["coordinates"] == [4.8357, 45.764]


def test_a_bbox_narrows_the_markers(client, place, group):
    day = make_day(places=[place])
    _paris(day, group, title="Paris")
    _paris(day, group, title="Lyon", latitude="45.764000", longitude="4.835700")
    _paris(day, group, title="Fiji", latitude="-17.713400", longitude="178.065000")

    assert _titles(client.get(_geojson(day), {"bbox": "2.2,48.8,2.5,48.9"})) == {"Paris"}
    # A box across the 180th meridian.
    assert _titles(client.get(_geojson(day), {"bbox": "170,-30,-170,0"})) == {"Fiji"}
    assert _titles(client.get(_geojson(day))) == {"Paris", "Lyon", "Fiji"}


@pytest.mark.parametrize(
    "bbox",
    ["1,2,3", "a,b,c,d", "0,0,200,10", "0,95,10,96", "0,10,10,0", "nan,0,1,1", "1," * 200],
)
def test_a_malformed_bbox_is_a_400_with_the_reason(client, place, bbox):
    day = make_day(places=[place])

    response = client.get(_geojson(day), {"bbox": bbox})

    assert response.status_code == 400
    body = response.json()
    assert "bbox" in body["error"] and "bbox" in body["fields"]


def test_the_markers_are_capped_at_the_newest_and_say_truncated(client, place, group):
    day = make_day(places=[place])
    start = day.starts_at
    Event.objects.bulk_create(
        Event(
            day=day,
            action=make_action(
                group,
                title=f"Marker {number}",
                starts_at=start + timedelta(minutes=number),
                ends_at=start + timedelta(minutes=number + 60),
                latitude="48.856600",
                longitude="2.352200",
            ),
        )
        for number in range(MAP_FEATURE_LIMIT + 2)
    )

    collection = client.get(_geojson(day)).json()

    assert collection["truncated"] is True
    assert len(collection["features"]) == MAP_FEATURE_LIMIT
    titles = [feature["properties"]["title"] for feature in collection["features"]]
    assert titles[0] == f"Marker {MAP_FEATURE_LIMIT + 1}"
    assert "Marker 0" not in titles and "Marker 1" not in titles


GEO_MATRIX = {
    # anonymous, outsider, member, admin, weaver, steering, coordinator
    "open": [200, 200, 200, 200, 200, 200, 200],
    "draft": [404, 404, 404, 404, 404, 200, 200],
}


@pytest.mark.parametrize("status", list(GEO_MATRIX))
@pytest.mark.parametrize("index", range(len(PEOPLE)), ids=[p or "anonymous" for p in PEOPLE])
def test_who_gets_the_markers_and_the_calendar(
    client, request, make_person, place, group, status, index
):
    day = make_day(places=[place], status=status)
    _paris(day, group)
    _login(client, request, make_person, PEOPLE[index])

    assert client.get(_geojson(day)).status_code == GEO_MATRIX[status][index]
    assert client.get(_ics(day)).status_code == GEO_MATRIX[status][index]


def test_unknown_days_have_no_feeds(client):
    assert client.get("/days/nope/events.geojson").status_code == 404
    assert client.get("/days/nope/calendar.ics").status_code == 404


def test_feeds_answer_only_get_and_head(client, place):
    day = make_day(places=[place])

    assert client.post(_geojson(day)).status_code == 405
    assert client.post(_ics(day)).status_code == 405


@pytest.mark.parametrize("person", [None, "group_member"])
def test_the_markers_cost_the_same_queries_for_5_or_60_events(
    client, request, make_person, place, group, django_assert_num_queries, person
):
    day = make_day(places=[place])
    _login(client, request, make_person, person)
    for _number in range(5):
        _paris(day, group)
    client.get(_geojson(day))
    # The day and the markers; a logged-in person adds the session, the
    # person, roles and memberships.
    expected = 2 if person is None else 6
    with django_assert_num_queries(expected):
        assert client.get(_geojson(day), {"bbox": "-10,40,10,60"}).status_code == 200
    for _number in range(55):
        _paris(day, group)
    with django_assert_num_queries(expected):
        response = client.get(_geojson(day), {"bbox": "-10,40,10,60"})
    assert len(response.json()["features"]) == 60


# --- iCalendar ------------------------------------------------------------------


def _unfold(text: str) -> list[str]:
    assert "\n" not in text.replace("\r\n", ""), "bare LF in the calendar"
    return text.replace("\r\n ", "").split("\r\n")


def _vevents(response) -> list[dict[str, str]]:
    """Each VEVENT's properties as text, parsed by the icalendar library."""
    assert response.status_code == 200
    _unfold(response.content.decode())
    calendar = Calendar.from_ical(response.content)
    return [{key: str(value) for key, value in event.items()} | {"_event": event}
            for event in calendar.events]  # fmt: skip


@pytest.mark.parametrize("person", [None, *CAST, "coordinator"])
def test_the_calendar_holds_only_public_events_whoever_asks(
    client, request, make_person, place, group, person
):
    day = make_day(places=[place])
    _event(day, group, title="Public walk")
    _event(day, group, title="Called off", status="cancelled")
    _event(day, group, title="Network meet", visibility="network")
    _event(day, group, title="Group meet", visibility="group")
    _event(day, group, title="Hidden meet", hidden_at=timezone.now())
    _event(make_day(places=[place], slug="other"), group, title="Other day")
    _login(client, request, make_person, person)

    response = client.get(_ics(day))

    events = _vevents(response)
    assert sorted(event["SUMMARY"] for event in events) == ["Called off", "Public walk"]
    statuses = {event["SUMMARY"]: event["STATUS"] for event in events}
    assert statuses == {"Public walk": "CONFIRMED", "Called off": "CANCELLED"}
    for secret in (b"Network meet", b"Group meet", b"Hidden meet", b"Other day"):
        assert secret not in response.content


def test_the_calendar_is_named_after_the_day_and_links_back_to_each_event(
    client, settings, place, group
):
    settings.SITE_URL = "https://coalition.example.org"
    start = datetime(2031, 6, 14, 8, 30, tzinfo=UTC)
    day = make_day(
        places=[place],
        title="Clean Air Day, 2031",
        starts_at=start,
        ends_at=start + timedelta(days=1),
    )
    action = _event(day, group, title="Picnic", starts_at=start, ends_at=start + timedelta(hours=2))

    response = client.get(_ics(day))

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert 'filename="clean-air-day.ics"' in response["Content-Disposition"]
    assert Calendar.from_ical(response.content).calendar_name == "Clean Air Day, 2031"
    [event] = _vevents(response)
    assert event["URL"] == f"https://coalition.example.org/actions/{action.pk}/"
    assert event["UID"] == f"action-{action.pk}@coalition.example.org"
    assert event["_event"].start == start
    assert event["_event"].end == start + timedelta(hours=2)
    assert "Hosted by Riverside Tenants" in event["DESCRIPTION"]


def test_a_day_without_public_events_gives_an_empty_calendar(client, place):
    day = make_day(places=[place])

    assert _vevents(client.get(_ics(day))) == []


def test_a_control_character_in_the_days_title_does_not_reach_the_calendar(client, place):
    # Written around the day's service (an older row): the calendar still holds.
    # (No NUL: PostgreSQL refuses it outright, and forms refuse it too.)
    day = make_day(places=[place], title="Clean\x0bAir\x01Day")

    body = client.get(_ics(day)).content.decode()

    assert "X-WR-CALNAME:CleanAirDay" in _unfold(body)
    assert Calendar.from_ical(body).calendar_name == "CleanAirDay"
    assert not any(ord(char) < 32 and char not in "\r\n" for char in body)


def test_the_calendar_costs_the_same_queries_for_5_or_60_events(
    client, place, group, django_assert_num_queries
):
    day = make_day(places=[place])
    for _number in range(5):
        _event(day, group)
    with django_assert_num_queries(2):  # the day and its events
        client.get(_ics(day))
    for _number in range(55):
        _event(day, group)
    with django_assert_num_queries(2):
        assert len(_vevents(client.get(_ics(day)))) == 60

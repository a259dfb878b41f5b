"""The Atom feed of public actions and the iCalendar file of one action."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from actions.models import Action
from actions.selectors_listing import FEED_ENTRIES
from tests.factories import make_action

pytestmark = pytest.mark.django_db

FEED = "/actions/feed.atom"
ATOM = "{http://www.w3.org/2005/Atom}"
CAST = ["outsider", "group_member", "group_admin", "weaver", "steering_member"]


def _ics_url(action) -> str:
    return reverse("actions:ical", kwargs={"pk": action.pk})


def _parse(response) -> ET.Element:
    # Our own server's answer in a test, not untrusted input.
    return ET.fromstring(response.content)  # noqa: S314


def _entries(response) -> list[ET.Element]:
    assert response.status_code == 200
    root = _parse(response)
    assert root.tag == f"{ATOM}feed"
    return root.findall(f"{ATOM}entry")


def _entry_titles(response) -> list[str]:
    return [entry.findtext(f"{ATOM}title") for entry in _entries(response)]


def test_feeds_have_stable_addresses(group):
    action = make_action(group)

    assert reverse("actions:feed") == FEED
    assert _ics_url(action) == f"/actions/{action.pk}/calendar.ics"


# --- Atom ---------------------------------------------------------------------


@pytest.mark.parametrize("person", [None, *CAST, "steward"])
def test_the_feed_holds_only_public_actions_that_are_not_hidden_whoever_asks(
    client, request, group, make_person, person
):
    make_action(group, title="Public walk")
    make_action(group, title="Network meeting", visibility="network")
    make_action(group, title="Group planning", visibility="group")
    make_action(group, title="Hidden walk", hidden_at=timezone.now(), hidden_reason="Spam")
    if person == "steward":
        client.force_login(make_person("steward@example.net", roles=("steward",)))
    elif person:
        client.force_login(request.getfixturevalue(person))

    response = client.get(FEED)

    assert _entry_titles(response) == ["Public walk"]
    for secret in ("Network meeting", "Group planning", "Hidden walk"):
        assert secret not in response.content.decode()


def test_each_entry_links_to_its_page_with_absolute_addresses(client, settings, group):
    settings.SITE_URL = "https://coalition.example.org"
    action = make_action(group, title="Clean air picnic", description="Bring <a blanket> & tea.")

    response = client.get(FEED)

    assert response["Content-Type"].startswith("application/atom+xml")
    [entry] = _entries(response)
    page = f"https://coalition.example.org/actions/{action.pk}/"
    assert entry.find(f"{ATOM}link").get("href") == page
    assert entry.findtext(f"{ATOM}id") == page
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "Riverside Tenants"
    assert "Bring &lt;a blanket&gt; &amp; tea." in entry.findtext(f"{ATOM}summary")
    root = _parse(response)
    assert (
        root.find(f"{ATOM}link[@rel='self']").get("href") == "https://coalition.example.org" + FEED
    )


def test_the_feed_holds_the_latest_posted_newest_first(client, group):
    now = timezone.now()
    for number in range(FEED_ENTRIES + 5):
        make_action(group, title=f"Walk {number}", created_at=now - timedelta(minutes=number))

    titles = _entry_titles(client.get(FEED))

    assert len(titles) == FEED_ENTRIES
    assert titles[0] == "Walk 0" and titles[-1] == f"Walk {FEED_ENTRIES - 1}"


def test_the_feed_costs_the_same_queries_for_3_or_40_actions(
    client, group, django_assert_num_queries
):
    for number in range(3):
        make_action(group, title=f"Walk {number}")
    with django_assert_num_queries(2):  # the coalition's name and the actions
        client.get(FEED)
    for number in range(37):
        make_action(group, title=f"More {number}")
    with django_assert_num_queries(2):
        client.get(FEED)


# --- iCalendar ------------------------------------------------------------------


def _calendar(response) -> Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content
    assert b"\n" not in body.replace(b"\r\n", b""), "bare LF in the calendar"
    assert body.endswith(b"\r\n")
    return Calendar.from_ical(body)


def _event(response):
    calendar = _calendar(response)
    assert len(calendar.events) == 1
    return calendar.events[0]


def test_the_calendar_file_is_a_vevent_in_the_actions_zone_with_a_link_back(
    client, settings, group
):
    settings.SITE_URL = "https://coalition.example.org:8443"
    start = datetime(2031, 6, 14, 8, 30, tzinfo=UTC)
    action = make_action(
        group,
        title="Picnic; bring food, and friends",
        description="Line one\nLine two \\ with a backslash",
        address="Riverside Park",
        starts_at=start,
        ends_at=start + timedelta(hours=2, minutes=15),
        latitude="48.856600",
        longitude="2.352200",
        time_zone="Europe/Paris",
    )

    response = client.get(_ics_url(action))

    calendar = _calendar(response)
    assert calendar["VERSION"] == "2.0"
    [event] = calendar.events
    assert str(event["UID"]) == f"action-{action.pk}@coalition.example.org"
    assert event.start == start and event.end == start + timedelta(hours=2, minutes=15)
    assert str(event.start.tzinfo) == "Europe/Paris"
    assert event.start.hour == 10  # 08:30 UTC is 10:30 in Paris in June
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert [str(zone["TZID"]) for zone in calendar.timezones] == ["Europe/Paris"]
    assert str(event["SUMMARY"]) == "Picnic; bring food, and friends"
    assert str(event["LOCATION"]) == "Riverside Park, Riverside"
    assert "Line one\nLine two \\ with a backslash" in str(event["DESCRIPTION"])
    assert "Hosted by Riverside Tenants" in str(event["DESCRIPTION"])
    assert str(event["URL"]) == f"https://coalition.example.org:8443/actions/{action.pk}/"
    assert event["GEO"].latitude == 48.8566 and event["GEO"].longitude == 2.3522
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event["SEQUENCE"] == 0
    assert "DTSTAMP" in event
    # Escaped on the wire, as RFC 5545 wants.
    assert b"Picnic\\; bring food\\, and friends" in response.content


def test_long_lines_are_folded_at_75_octets_without_splitting_characters(client, group):
    action = make_action(group, title="Marche pour l’air pur " * 7, description="é" * 300)

    response = client.get(_ics_url(action))

    for line in response.content.split(b"\r\n"):
        assert len(line) <= 75
        line.decode("utf-8")  # no character cut in two
    event = _event(response)
    assert str(event["SUMMARY"]) == "Marche pour l’air pur " * 7
    assert str(event["DESCRIPTION"]).startswith("Hosted by Riverside Tenants\n\n" + "é" * 300)


def test_a_cancelled_action_says_so(client, group):
    action = make_action(group, status="cancelled")

    assert str(_event(client.get(_ics_url(action)))["STATUS"]) == "CANCELLED"


MATRIX = {
    # anonymous, outsider, member, admin, weaver, steering, steward
    "public": [200, 200, 200, 200, 200, 200, 200],
    "network": [404, 200, 200, 200, 200, 200, 200],
    "group": [404, 404, 200, 200, 404, 404, 200],
    "hidden": [404, 404, 200, 200, 404, 404, 200],
}
PEOPLE = [None, *CAST, "steward"]


@pytest.mark.parametrize("case", list(MATRIX))
@pytest.mark.parametrize("index", range(len(PEOPLE)), ids=[p or "anonymous" for p in PEOPLE])
def test_who_gets_the_calendar_file(client, request, group, make_person, case, index):
    if case == "hidden":
        action = make_action(group, hidden_at=timezone.now(), hidden_reason="Spam")
    else:
        action = make_action(group, visibility=case)
    person = PEOPLE[index]
    if person == "steward":
        client.force_login(make_person("steward@example.net", roles=("steward",)))
    elif person:
        client.force_login(request.getfixturevalue(person))

    response = client.get(_ics_url(action))

    assert response.status_code == MATRIX[case][index]
    if response.status_code == 404:
        assert b"Air quality walk" not in response.content


def test_the_calendar_file_costs_fixed_queries(client, group, django_assert_num_queries):
    action = make_action(group)
    Action.objects.filter(pk=action.pk).update(rsvp_count=3)

    with django_assert_num_queries(1):
        assert client.get(_ics_url(action)).status_code == 200


@pytest.mark.django_db
def test_a_control_character_saved_around_the_service_does_not_break_the_feed(client, group):
    from tests.factories import make_action

    make_action(group, title="Vigil\x0b at the docks", description="Bring\x01 candles")

    response = client.get("/actions/feed.atom")

    assert response.status_code == 200
    assert "Vigil at the docks" in response.content.decode()


@pytest.mark.django_db
def test_a_control_character_in_an_older_row_is_dropped_from_the_calendar_file(client, group):
    from tests.factories import make_action

    action = make_action(group, title="Vigil\x0b at the docks", description="Bring\x01 candles")

    body = client.get(f"/actions/{action.pk}/calendar.ics").content.decode()

    assert "SUMMARY:Vigil at the docks" in body.replace("\r\n ", "")
    assert "\x0b" not in body and "\x01" not in body

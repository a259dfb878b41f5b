"""The Atom feed of public actions and the iCalendar file of one action."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from actions.selectors_listing import FEED_ENTRIES
from actions.views.feeds import ics_escape, ics_fold
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


def _unfold(text: str) -> list[str]:
    assert "\n" not in text.replace("\r\n", ""), "bare LF in the calendar"
    return text.replace("\r\n ", "").split("\r\n")


def _properties(response) -> dict[str, str]:
    lines = _unfold(response.content.decode())
    assert lines[-1] == ""  # ends with CRLF
    return {line.split(":", 1)[0]: line.split(":", 1)[1] for line in lines if ":" in line}


def test_the_calendar_file_is_a_vevent_in_utc_with_a_link_back(client, settings, group):
    settings.SITE_URL = "https://coalition.example.org:8443"
    settings.TIME_ZONE = "Europe/Paris"
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
    )

    response = client.get(_ics_url(action))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    lines = _unfold(response.content.decode())
    assert lines[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"]
    assert lines.count("BEGIN:VEVENT") == 1 and "END:VCALENDAR" in lines
    props = _properties(response)
    assert props["UID"] == f"{action.pk}@coalition.example.org"
    assert props["DTSTART"] == "20310614T083000Z"
    assert props["DTEND"] == "20310614T104500Z"
    assert props["SUMMARY"] == "Picnic\\; bring food\\, and friends"
    assert props["LOCATION"] == "Riverside Park\\, Riverside"
    assert "Line one\\nLine two \\\\ with a backslash" in props["DESCRIPTION"]
    assert "Hosted by Riverside Tenants" in props["DESCRIPTION"]
    assert props["URL"] == f"https://coalition.example.org:8443/actions/{action.pk}/"
    assert props["GEO"] == "48.856600;2.352200"
    assert props["STATUS"] == "CONFIRMED"
    assert "DTSTAMP" in props


def test_long_lines_are_folded_at_75_octets_without_splitting_characters(client, group):
    action = make_action(group, title="Marche pour l’air pur " * 7, description="é" * 300)

    raw = client.get(_ics_url(action)).content

    for line in raw.split(b"\r\n"):
        assert len(line) <= 75
        line.decode("utf-8")  # no character cut in two
    props = _properties(client.get(_ics_url(action)))
    assert props["SUMMARY"] == "Marche pour l’air pur " * 7
    assert props["DESCRIPTION"].startswith("Hosted by Riverside Tenants\\n\\n" + "é" * 300)


def test_escaping_and_folding_helpers():
    assert ics_escape("a;b,c\\d\r\ne\rf\ng") == "a\\;b\\,c\\\\d\\ne\\nf\\ng"
    folded = ics_fold("X" * 200)
    parts = folded.split("\r\n")
    assert [len(part) for part in parts] == [75, 75, 52]
    assert all(part.startswith(" ") for part in parts[1:])
    assert ics_fold("short") == "short"


def test_a_cancelled_action_says_so(client, group):
    action = make_action(group, status="cancelled")

    assert _properties(client.get(_ics_url(action)))["STATUS"] == "CANCELLED"


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

    assert "SUMMARY:Vigil at the docks" in body
    assert "\x0b" not in body and "\x01" not in body

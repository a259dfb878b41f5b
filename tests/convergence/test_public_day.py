"""/days/<slug>/: the day's purpose, live counts against goals, totals, events by place, RSVP."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.models import Action, Participation
from coalition.models import PlaceKind
from convergence.models import Event
from convergence.selectors_public import PLACE_MATCHES_MAX
from convergence.views.public import EVENTS_PER_PAGE
from tests.factories import GroupFactory, make_action, make_day, make_place, publish_privacy_policy

pytestmark = pytest.mark.django_db

CAST = ["outsider", "group_member", "group_admin", "weaver", "steering_member"]


def _event(day, group, **fields):
    """An action of ``group`` registered for ``day``, inside its window."""
    fields.setdefault("starts_at", day.starts_at + timedelta(hours=1))
    fields.setdefault("ends_at", fields["starts_at"] + timedelta(hours=2))
    action = make_action(group, **fields)
    Event.objects.create(day=day, action=action)
    return action


def _url(day, **query) -> str:
    url = reverse("convergence:day", kwargs={"slug": day.slug})
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def _login(client, request, make_person, person):
    if person == "coordinator":
        client.force_login(make_person("coord@example.net", roles=("coordinator",)))
    elif person == "steward":
        client.force_login(make_person("steward@example.net", roles=("steward",)))
    elif person:
        client.force_login(request.getfixturevalue(person))


def _figure(body: str, label: str) -> int:
    match = re.search(rf"<dt>{label}</dt><dd>(\d+)</dd>", body)
    assert match, f"no figure {label!r}"
    return int(match.group(1))


def test_the_page_has_a_stable_address(place):
    day = make_day(places=[place])

    assert _url(day) == "/days/clean-air-day/"


# --- Who sees the page ----------------------------------------------------------

PEOPLE = [None, *CAST, "coordinator"]
MATRIX = {
    # anonymous, outsider, member, admin, weaver, steering, coordinator
    "open": [200, 200, 200, 200, 200, 200, 200],
    "live": [200, 200, 200, 200, 200, 200, 200],
    "closed": [200, 200, 200, 200, 200, 200, 200],
    "reported": [200, 200, 200, 200, 200, 200, 200],
    "draft": [404, 404, 404, 404, 404, 200, 200],
}


@pytest.mark.parametrize("status", list(MATRIX))
@pytest.mark.parametrize("index", range(len(PEOPLE)), ids=[p or "anonymous" for p in PEOPLE])
def test_who_gets_the_page(client, request, make_person, place, status, index):
    day = make_day(places=[place], status=status, title="Clean Air Day")
    _login(client, request, make_person, PEOPLE[index])

    response = client.get(_url(day))

    assert response.status_code == MATRIX[status][index]
    if response.status_code == 404:
        assert b"Clean Air Day" not in response.content
    if status == "draft" and response.status_code == 200:
        assert "This day of action is a draft" in response.content.decode()


@pytest.mark.parametrize("person", [None, "steering_member"])
def test_an_unknown_address_is_404(client, request, make_person, person):
    _login(client, request, make_person, person)

    assert client.get("/days/no-such-day/").status_code == 404


def test_the_page_answers_only_get_and_head(client, place):
    day = make_day(places=[place])

    assert client.post(_url(day)).status_code == 405
    assert client.head(_url(day)).status_code == 200


def test_it_shows_purpose_ask_target_window_and_places(client, settings, place):
    settings.TIME_ZONE = "America/New_York"
    start = datetime(2031, 1, 10, 15, 0, tzinfo=UTC)
    day = make_day(
        places=[place],
        purpose="Every street deserves clean air.",
        ask="Adopt the zone by spring.",
        target="The mayor",
        starts_at=start,
        ends_at=start + timedelta(days=2),
    )
    listed = GroupFactory(name="Listed Hub", listing_consent=True)
    unlisted = GroupFactory(name="Quiet Hub", listing_consent=False)
    day.hub_groups.set([listed, unlisted])

    body = client.get(_url(day)).content.decode()

    for text in ("Every street deserves clean air.", "Adopt the zone by spring.", "The mayor"):
        assert text in body
    assert "Riverside" in body
    assert 'datetime="2031-01-10T10:00:00-05:00"' in body
    assert "America/New_York" in body
    assert "Listed Hub" in body
    assert "Quiet Hub" not in body  # not named in public without the group's consent


# --- Counts and goals -----------------------------------------------------------


def test_counts_hold_only_public_visible_events_that_are_not_cancelled(client, place, group):
    other_place = make_place("Hillside")
    other_group = GroupFactory(name="Hill Folk", place=other_place)
    day = make_day(places=[place, other_place], goal_events=4, goal_participants=50)
    _event(day, group, title="Walk", rsvp_count=10)
    _event(day, group, title="Picnic", rsvp_count=5)
    _event(day, other_group, title="Hill rally", place=other_place, rsvp_count=7)
    _event(day, group, title="Network meet", visibility="network", rsvp_count=100)
    _event(day, group, title="Group meet", visibility="group", rsvp_count=100)
    _event(day, group, title="Hidden meet", hidden_at=timezone.now(), rsvp_count=100)
    _event(day, other_group, title="Called off", status="cancelled", place=other_place)
    make_action(group, title="Not part of the day", rsvp_count=100)

    body = client.get(_url(day)).content.decode()

    assert _figure(body, "Events") == 3
    assert _figure(body, "People coming") == 22
    assert _figure(body, "Groups") == 2
    assert _figure(body, "Places") == 2
    assert '<progress id="goal-events" max="4" value="3">75%</progress>' in body
    assert '<progress id="goal-participants" max="50" value="22">44%</progress>' in body
    assert "Events: 3 of the goal of 4 (75%)" in body


def test_a_goal_passed_fills_the_bar_and_says_how_far(client, place, group):
    day = make_day(places=[place], goal_events=1)
    _event(day, group)
    _event(day, group)

    body = client.get(_url(day)).content.decode()

    assert '<progress id="goal-events" max="1" value="1">200%</progress>' in body
    assert "goal-participants" not in body  # no goal set, no bar


@pytest.mark.parametrize("person", CAST)
def test_the_counts_are_the_same_for_people_who_see_more_events(
    client, request, place, group, person
):
    day = make_day(places=[place])
    _event(day, group, rsvp_count=3)
    _event(day, group, visibility="network", rsvp_count=50)
    _event(day, group, visibility="group", rsvp_count=50)
    client.force_login(request.getfixturevalue(person))

    body = client.get(_url(day)).content.decode()

    assert _figure(body, "Events") == 1
    assert _figure(body, "People coming") == 3


def test_totals_are_shown_once_the_day_has_them(client, place, group):
    day = make_day(
        places=[place],
        status="closed",
        days_ahead=-5,
        totals_at=timezone.now(),
        total_events=12,
        total_participants=340,
        total_letters=95,
        total_signatures=1200,
        total_media=7,
    )

    body = client.get(_url(day)).content.decode()

    assert "What we did together" in body
    assert _figure(body, "Events held") == 12
    assert _figure(body, "Participants") == 340
    assert _figure(body, "Letters sent") == 95
    assert _figure(body, "Signatures gathered") == 1200
    assert _figure(body, "Media pieces") == 7
    assert body.index("What we did together") < body.index("Why we act")


def test_a_reported_day_says_so(client, place):
    day = make_day(
        places=[place], status="reported", days_ahead=-5, totals_at=timezone.now(), total_events=2
    )

    body = client.get(_url(day)).content.decode()

    assert "The steering committee has reported on this day of action." in body


def test_no_totals_before_the_window_closes(client, place):
    day = make_day(places=[place], status="live", days_ahead=0)

    assert "What we did together" not in client.get(_url(day)).content.decode()


# --- The list of events ---------------------------------------------------------


def test_anonymous_visitors_never_see_network_group_or_hidden_events(client, place, group):
    day = make_day(places=[place])
    _event(day, group, title="Open walk")
    _event(day, group, title="Network meet", visibility="network")
    _event(day, group, title="Group meet", visibility="group")
    _event(day, group, title="Hidden meet", hidden_at=timezone.now(), hidden_reason="Spam")

    body = client.get(_url(day)).content.decode()

    assert "Open walk" in body
    for secret in ("Network meet", "Group meet", "Hidden meet", "Spam"):
        assert secret not in body


LISTED = {
    # who: (network event, group event, hidden event)
    "outsider": (True, False, False),
    "group_member": (True, True, True),
    "group_admin": (True, True, True),
    "weaver": (True, False, False),
    "steering_member": (True, False, False),
    "steward": (True, True, True),
}


@pytest.mark.parametrize("person", list(LISTED))
def test_people_in_the_network_see_the_events_the_visibility_rule_shows_them(
    client, request, make_person, place, group, person
):
    day = make_day(places=[place])
    _event(day, group, title="Network meet", visibility="network")
    _event(day, group, title="Group meet", visibility="group")
    _event(day, group, title="Hidden meet", hidden_at=timezone.now())
    _login(client, request, make_person, person)

    body = client.get(_url(day)).content.decode()

    seen = tuple(title in body for title in ("Network meet", "Group meet", "Hidden meet"))
    assert seen == LISTED[person]


def test_events_are_grouped_by_place_in_tree_order_then_by_start(client, place, group):
    east = make_place("East End", kind=PlaceKind.DISTRICT, parent=place)
    west = make_place("West Bank", kind=PlaceKind.DISTRICT, parent=place)
    day = make_day(places=[place])
    start = day.starts_at
    _event(day, group, title="West late", place=west, starts_at=start + timedelta(hours=5))
    _event(day, group, title="West early", place=west, starts_at=start + timedelta(hours=1))
    _event(day, group, title="East only", place=east)
    _event(day, group, title="City wide", place=place)

    body = client.get(_url(day)).content.decode()

    order = ["City wide", "East End", "East only", "West Bank", "West early", "West late"]
    positions = [body.index(text) for text in order]
    assert positions == sorted(positions)
    assert body.count('<h3 id="place-') == 3


def test_events_are_paginated(client, place, group):
    day = make_day(places=[place])
    for number in range(EVENTS_PER_PAGE + 3):
        _event(
            day,
            group,
            title=f"Walk {number:03d}",
            starts_at=day.starts_at + timedelta(minutes=number),
        )

    first = client.get(_url(day)).content.decode()
    second = client.get(_url(day, page=2)).content.decode()
    beyond = client.get(_url(day, page=99))
    junk = client.get(_url(day, page="abc"))

    assert "Walk 000" in first and f"Walk {EVENTS_PER_PAGE - 1:03d}" in first
    assert f"Walk {EVENTS_PER_PAGE:03d}" not in first
    assert f"Walk {EVENTS_PER_PAGE:03d}" in second and "Walk 000" not in second
    assert "Page 1 of 2" in first and 'rel="next"' in first
    assert (
        beyond.status_code == 200 and f"Walk {EVENTS_PER_PAGE + 2:03d}" in beyond.content.decode()
    )
    assert junk.status_code == 200 and "Walk 000" in junk.content.decode()


# --- Search by place name -------------------------------------------------------


def test_search_by_place_name_finds_events_in_that_place_and_under_it(client, group):
    region = make_place("Northshire", kind=PlaceKind.REGION)
    town = make_place("Millbrook", kind=PlaceKind.CITY, parent=region)
    quarter = make_place("Old Mill Quarter", kind=PlaceKind.NEIGHBOURHOOD, parent=town)
    elsewhere = make_place("Southport", kind=PlaceKind.CITY, parent=region)
    day = make_day(places=[region])
    _event(day, group, title="Town hall rally", place=town)
    _event(day, group, title="Quarter picnic", place=quarter)
    _event(day, group, title="Harbour walk", place=elsewhere)

    body = client.get(_url(day, q="millBROOK")).content.decode()

    assert "Town hall rally" in body and "Quarter picnic" in body
    assert "Harbour walk" not in body
    assert "2 events in places named “millBROOK”" in body
    assert 'href="?q=millBROOK&amp;page=' not in body  # one page only
    everything = client.get(_url(day, q="northshire")).content.decode()
    assert all(t in everything for t in ("Town hall rally", "Quarter picnic", "Harbour walk"))


def test_search_for_a_place_that_does_not_exist_says_so(client, place, group):
    day = make_day(places=[place])
    _event(day, group, title="Walk")

    body = client.get(_url(day, q="Atlantis")).content.decode()

    assert "Walk" not in body.split("Events by place")[1]
    assert "No place is named “Atlantis”" in body


def test_search_looks_in_a_bounded_number_of_places_and_says_so(client, group):
    region = make_place("Wide Region", kind=PlaceKind.REGION)
    for number in range(PLACE_MATCHES_MAX + 2):
        make_place(f"Springfield {number}", kind=PlaceKind.CITY, parent=region)
    day = make_day(places=[region])

    body = client.get(_url(day, q="springfield")).content.decode()

    assert f"More than {PLACE_MATCHES_MAX} places match" in body


def test_search_keeps_the_query_across_pages(client, place, group):
    day = make_day(places=[place])
    for number in range(EVENTS_PER_PAGE + 1):
        _event(day, group, title=f"Walk {number:03d}")

    body = client.get(_url(day, q="Riverside")).content.decode()

    assert 'href="?q=Riverside&amp;page=2"' in body


def test_an_overlong_search_is_refused_with_a_message_not_an_error(client, place, group):
    day = make_day(places=[place])
    _event(day, group, title="Walk")

    response = client.get(_url(day, q="x" * 500))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Ensure this value has at most" in body
    assert "Walk" in body  # the search is ignored, the whole list shown


def test_an_empty_search_shows_everything(client, place, group):
    day = make_day(places=[place])
    _event(day, group, title="Walk")

    assert "Walk" in client.get(_url(day, q="")).content.decode()


# --- RSVP from the day's page ---------------------------------------------------


def _rsvp_link(body: str, action: Action) -> str:
    url = reverse("actions:rsvp", args=[action.pk])
    assert f'href="{url}"' in body
    return url


def test_anyone_rsvps_from_the_day_page_without_an_account(client, place, group):
    publish_privacy_policy()
    day = make_day(places=[place])
    action = _event(day, group, title="Walk", capacity=10)

    body = client.get(_url(day)).content.decode()
    url = _rsvp_link(body, action)
    form_page = client.get(url)
    assert form_page.status_code == 200 and 'name="email"' in form_page.content.decode()
    response = client.post(
        url, {"name": "Rosa Visitor", "email": "rosa@example.org", "consent": "on"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("actions:detail", args=[action.pk])
    action.refresh_from_db()
    assert action.rsvp_count == 1
    assert Participation.objects.filter(action=action, email="rosa@example.org").exists()
    assert "You are on the list" in client.get(response["Location"]).content.decode()
    after = client.get(_url(day)).content.decode()
    assert _figure(after, "People coming") == 1
    assert "rosa@example.org" not in after and "Rosa Visitor" not in after


def test_the_page_renders_no_form_per_event_but_a_link_to_each_events_form(client, place, group):
    day = make_day(places=[place])
    first = _event(day, group, title="One")
    second = _event(day, group, title="Two")

    body = client.get(_url(day)).content.decode()

    assert 'name="email"' not in body and 'name="consent"' not in body
    _rsvp_link(body, first)
    _rsvp_link(body, second)
    assert "RSVP: I am coming to “One”" in body


def test_a_logged_in_person_finds_the_form_filled_in(client, place, group, group_member):
    day = make_day(places=[place])
    action = _event(day, group)
    client.force_login(group_member)

    url = _rsvp_link(client.get(_url(day)).content.decode(), action)

    assert 'value="member@example.net"' in client.get(url).content.decode()


def test_cancelled_events_are_listed_as_cancelled_without_a_form(client, place, group):
    day = make_day(places=[place])
    action = _event(day, group, title="Called off walk", status="cancelled")

    body = client.get(_url(day)).content.decode()

    assert "Called off walk" in body
    assert "This event has been cancelled." in body
    assert reverse("actions:rsvp", args=[action.pk]) not in body


def test_full_events_say_full_without_a_form(client, place, group):
    day = make_day(places=[place])
    action = _event(day, group, title="Small walk", capacity=2, rsvp_count=2)

    body = client.get(_url(day)).content.decode()

    assert "This action is full." in body
    assert reverse("actions:rsvp", args=[action.pk]) not in body


def test_rsvp_to_a_full_event_posted_anyway_is_refused(client, place, group):
    publish_privacy_policy()
    day = make_day(places=[place])
    action = _event(day, group, capacity=1, rsvp_count=1)

    response = client.post(
        reverse("actions:rsvp", args=[action.pk]),
        {"name": "Late Comer", "email": "late@example.org", "consent": "on"},
    )

    assert response.status_code == 400
    assert "This action is full." in response.content.decode()
    action.refresh_from_db()
    assert action.rsvp_count == 1


# --- Map on the page, and fixed queries -----------------------------------------


def test_the_page_carries_the_map_without_inline_script_or_style(client, settings, place, group):
    settings.MAP_TILE_URL = ""
    day = make_day(places=[place])
    _event(day, group)

    body = client.get(_url(day)).content.decode()

    assert 'id="day-map"' in body
    assert (
        f'data-geojson-url="{reverse("convergence:day_events_geojson", args=[day.slug])}"' in body
    )
    assert 'data-tile-url=""' in body
    assert "vendor/leaflet/leaflet.js" in body and "js/day-map.js" in body
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body) is None
    assert " style=" not in body


def _many_events(day, group, places, count):
    for number in range(count):
        _event(
            day,
            group,
            title=f"Event {number}",
            place=places[number % len(places)],
            rsvp_count=number % 4,
            capacity=10 if number % 2 else None,
            status="cancelled" if number % 7 == 0 else "planned",
        )


@pytest.mark.parametrize("person", [None, "group_member", "coordinator"])
@pytest.mark.parametrize("query", [{}, {"q": "Riverside"}])
def test_the_page_costs_the_same_queries_for_5_or_60_events(
    client, request, make_person, place, group, django_assert_num_queries, person, query
):
    districts = [
        make_place(f"District {n}", kind=PlaceKind.DISTRICT, parent=place) for n in range(4)
    ]
    day = make_day(places=[place], goal_events=10, goal_participants=100)
    day.hub_groups.set([GroupFactory(listing_consent=True), GroupFactory(listing_consent=True)])
    _login(client, request, make_person, person)
    _many_events(day, group, [place, *districts], 5)
    client.get(_url(day, **query))
    # The coalition's name; the day, its places, its hub groups; the counts;
    # the matching places when searching; the page's count and rows. A
    # logged-in person adds the session, the person, roles and memberships.
    expected = 7 + (1 if query else 0) + (0 if person is None else 4)
    with django_assert_num_queries(expected):
        assert client.get(_url(day, **query)).status_code == 200
    _many_events(day, group, [place, *districts], 55)
    with django_assert_num_queries(expected):
        response = client.get(_url(day, **query))
    assert response.status_code == 200
    assert response.content.decode().count('class="card action-card day-event"') == 50


def test_the_page_costs_the_same_queries_for_5_or_5000_events(
    client, place, group, django_assert_num_queries
):
    """The issue's own sizes: the rows are inserted in bulk, the page read as usual."""
    from datetime import timedelta

    from actions.models import Action
    from convergence.models import Event

    day = make_day(places=[place], goal_events=10, goal_participants=100)
    _many_events(day, group, [place], 5)
    client.get(_url(day))
    with django_assert_num_queries(7):
        assert client.get(_url(day)).status_code == 200

    start = day.starts_at + timedelta(hours=1)
    actions = Action.objects.bulk_create(
        Action(host_group=group, title=f"Bulk event {n}", kind="event", place=place,
               starts_at=start, ends_at=start + timedelta(hours=1), visibility="public")
        for n in range(4995)
    )  # fmt: skip
    Event.objects.bulk_create(Event(day=day, action=action) for action in actions)
    assert Event.objects.filter(day=day).count() == 5000

    with django_assert_num_queries(7):
        response = client.get(_url(day))
    assert response.status_code == 200

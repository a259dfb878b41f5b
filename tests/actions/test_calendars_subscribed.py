"""Subscribed calendars of the network, a place, a group and a day, read back with icalendar."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from actions.models import Action, Amplification, AmplificationKind
from actions.selectors_calendar import actions_for_place_calendar
from actions.selectors_listing import CALENDAR_ENTRIES, actions_for_calendar
from actions.services.posting import action_update
from coalition.models import PlaceKind
from convergence.models import Event
from tests.factories import GroupFactory, make_action, make_day, make_place, publish_statement

pytestmark = pytest.mark.django_db

NETWORK = "/actions/calendar.ics"


def _events(response) -> dict[str, object]:
    """Each VEVENT by its summary, after checking the file is a calendar."""
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    return {str(event["SUMMARY"]): event for event in calendar.events}


def _group_calendar(group) -> str:
    return reverse("actions:group_calendar", kwargs={"slug": group.slug})


def test_the_feeds_have_stable_addresses(group, place):
    assert reverse("actions:calendar") == NETWORK
    assert _group_calendar(group) == f"/groups/{group.slug}/calendar.ics"
    assert reverse("actions:place_calendar", kwargs={"pk": place.pk}) == (
        f"/places/{place.pk}/calendar.ics"
    )


def test_the_network_feed_round_trips_an_actions_fields(client, settings, group):
    settings.SITE_URL = "https://coalition.example.org"
    start = timezone.now().replace(microsecond=0) + timedelta(days=10)
    action = make_action(
        group,
        title="Lantern walk, by the river",
        address="Quay 4",
        starts_at=start,
        ends_at=start + timedelta(hours=1, minutes=30),
        time_zone="America/Montreal",
    )

    event = _events(client.get(NETWORK))["Lantern walk, by the river"]

    assert str(event["UID"]) == f"action-{action.pk}@coalition.example.org"
    assert str(event["URL"]) == f"https://coalition.example.org/actions/{action.pk}/"
    assert str(event["LOCATION"]) == "Quay 4, Riverside"
    assert event.start == start and event.end == start + timedelta(hours=1, minutes=30)
    assert str(event.start.tzinfo) == "America/Montreal"
    assert event.start.hour == start.astimezone(ZoneInfo("America/Montreal")).hour
    assert event["SEQUENCE"] == 0 and str(event["STATUS"]) == "CONFIRMED"


def test_a_feed_names_the_zones_it_uses_once_each(client, group):
    for name in ("Europe/Paris", "Europe/Paris", "Asia/Tokyo"):
        make_action(group, title=f"In {name}", time_zone=name)

    calendar = Calendar.from_ical(client.get(NETWORK).content)

    assert sorted(str(zone["TZID"]) for zone in calendar.timezones) == [
        "Asia/Tokyo",
        "Europe/Paris",
    ]


def test_a_changed_then_cancelled_action_keeps_its_uid_with_a_higher_sequence(
    client, group, group_admin
):
    action = make_action(group, title="Repair café", by=group_admin)
    first = _events(client.get(NETWORK))["Repair café"]

    action_update(action=action, by=group_admin, starts_at=action.starts_at + timedelta(hours=1))
    moved = _events(client.get(NETWORK))["Repair café"]
    action_update(action=action, by=group_admin, status="cancelled")
    cancelled = _events(client.get(NETWORK))["Repair café"]

    assert str(first["UID"]) == str(moved["UID"]) == str(cancelled["UID"])
    assert first["SEQUENCE"] < moved["SEQUENCE"] < cancelled["SEQUENCE"]
    # Calendars count in whole seconds.
    assert moved.start == (action.starts_at + timedelta(hours=1)).replace(microsecond=0)
    assert str(cancelled["STATUS"]) == "CANCELLED"


def test_a_change_no_calendar_shows_leaves_the_sequence(group, group_admin):
    action = make_action(group, by=group_admin)

    action_update(action=action, by=group_admin, capacity=40)

    action.refresh_from_db()
    assert action.sequence == 0


def test_public_feeds_hold_only_what_anonymous_visitors_may_see(client, group, group_member):
    make_action(group, title="Open meeting")
    make_action(group, title="Network meet", visibility="network")
    make_action(group, title="Group meet", visibility="group")
    make_action(group, title="Hidden meet", hidden_at=timezone.now())
    client.force_login(group_member)

    for url in (NETWORK, _group_calendar(_listed(group)), f"/places/{group.place_id}/calendar.ics"):
        response = client.get(url)
        assert list(_events(response)) == ["Open meeting"], url
        # Who comes is never in a calendar.
        assert group_member.email.encode() not in response.content


def test_the_feed_keeps_a_month_back_and_a_year_ahead(client, group):
    make_action(group, title="Last week", days_ahead=-7)
    make_action(group, title="Cancelled last week", days_ahead=-7, status="cancelled")
    make_action(group, title="Two months ago", days_ahead=-60)
    make_action(group, title="Next year", days_ahead=300)
    make_action(group, title="In two years", days_ahead=730)

    assert sorted(_events(client.get(NETWORK))) == [
        "Cancelled last week",
        "Last week",
        "Next year",
    ]


def test_an_action_still_going_from_before_the_window_comes_first(client, group, place):
    now = timezone.now()
    make_action(group, title="Tomorrow", days_ahead=1)
    make_action(
        group, title="Season-long vigil", starts_at=now - timedelta(days=90),
        ends_at=now + timedelta(days=10),
    )  # fmt: skip
    make_action(
        group, title="Ended vigil", starts_at=now - timedelta(days=90),
        ends_at=now - timedelta(days=40),
    )  # fmt: skip
    make_action(group, title="Private", days_ahead=2, visibility="group")

    assert list(_events(client.get(NETWORK))) == ["Season-long vigil", "Tomorrow"]
    for where in (None, place):
        assert actions_for_place_calendar(place=where) == actions_for_calendar(place=where)


def test_the_same_entries_give_the_same_file_and_a_change_a_new_one(client, group, group_admin):
    action = make_action(group, title="Repair café", by=group_admin)
    first, again = client.get(NETWORK).content, client.get(NETWORK).content
    Action.objects.filter(pk=action.pk).update(title="Repair café and soup")  # no new sequence

    assert first == again
    assert "Repair café and soup" in _events(client.get(NETWORK))


def test_a_place_feed_holds_the_place_and_everything_under_it(client, group, place):
    harbour = make_place("Harbourside", PlaceKind.NEIGHBOURHOOD, parent=place)
    elsewhere = make_place("Elsewhere")
    make_action(group, title="In the city")
    make_action(group, title="By the harbour", place=harbour)
    make_action(group, title="Far away", place=elsewhere)

    by_path = _events(client.get(f"/places/{place.pk}/calendar.ics"))
    by_query = _events(client.get(NETWORK, {"place": place.pk}))
    below = _events(client.get(f"/places/{harbour.pk}/calendar.ics"))

    assert sorted(by_path) == sorted(by_query) == ["By the harbour", "In the city"]
    assert list(below) == ["By the harbour"]


def test_an_unknown_or_unreadable_place_is_refused(client):
    assert client.get("/places/999999/calendar.ics").status_code == 404
    assert client.get(NETWORK, {"place": "999999"}).status_code == 404
    assert client.get(NETWORK, {"place": "harbour"}).status_code == 400
    assert client.get(NETWORK, {"place": "²"}).status_code == 400


def test_a_group_feed_holds_what_it_hosts_and_co_hosts(client, group, place):
    listed = _listed(group)
    other = GroupFactory(name="Harbour Union", slug="harbour-union", place=place)
    make_action(group, title="Ours")
    theirs = make_action(other, title="Theirs, with us")
    make_action(other, title="Only theirs")
    Amplification.objects.create(action=theirs, group=group, kind=AmplificationKind.COHOST)

    assert sorted(_events(client.get(_group_calendar(listed)))) == ["Ours", "Theirs, with us"]


def test_a_group_the_public_cannot_see_has_no_feed_even_for_its_members(
    client, group, group_member
):
    client.force_login(group_member)  # the group has not signed the statement

    assert client.get(_group_calendar(group)).status_code == 404


def test_the_days_feed_is_a_calendar_of_its_public_events(client, place, group):
    day = make_day(places=[place])
    Event.objects.create(day=day, action=make_action(group, title="Clean air picnic"))
    make_action(group, title="Not on the day")

    response = client.get(reverse("convergence:day_ical", kwargs={"slug": day.slug}))

    assert list(_events(response)) == ["Clean air picnic"]


@pytest.mark.parametrize("url", [NETWORK, "place", "group"])
def test_a_feed_costs_the_same_queries_for_3_or_30_actions(
    client, group, django_assert_num_queries, django_assert_max_num_queries, url
):
    listed = _listed(group)
    url = {
        "place": f"/places/{group.place_id}/calendar.ics",
        "group": _group_calendar(listed),
    }.get(url, url)
    for _number in range(3):
        make_action(group)
    # The place or group, the coalition's name, the entries' values for the cache
    # key, and on a miss the actions themselves (each in two parts for a place or
    # the network: those still going from before the window, those starting in it).
    with django_assert_max_num_queries(6) as small:
        client.get(url)
    for _number in range(27):
        make_action(group)
    with django_assert_num_queries(len(small.captured_queries)):
        assert len(Calendar.from_ical(client.get(url).content).events) == 30
    # The same entries again: the file comes from the cache, and no action is built.
    with django_assert_num_queries(
        len(small.captured_queries) - (1 if url == _group_calendar(listed) else 2)
    ):
        assert len(Calendar.from_ical(client.get(url).content).events) == 30


def test_a_feed_holds_at_most_its_limit_soonest_first(client, group, settings):
    start = timezone.now() + timedelta(days=1)
    Action.objects.bulk_create(
        Action(
            host_group=group, title=f"Walk {number:04}", kind="event", place=group.place,
            starts_at=start + timedelta(hours=number), ends_at=start + timedelta(hours=number + 1),
        )
        for number in range(CALENDAR_ENTRIES + 5)
    )  # fmt: skip

    titles = list(_events(client.get(NETWORK)))

    assert len(titles) == CALENDAR_ENTRIES
    assert titles[0] == "Walk 0000" and titles[-1] == f"Walk {CALENDAR_ENTRIES - 1:04}"


def test_the_pages_offer_to_subscribe_beside_the_download(client, settings, group, place):
    settings.SITE_URL = "https://coalition.example.org"
    listed = _listed(group)
    page = client.get("/actions/").content.decode()
    place_page = client.get("/actions/", {"place": place.pk}).content.decode()
    group_page = client.get(f"/groups/{listed.slug}/").content.decode()

    assert 'href="webcal://coalition.example.org/actions/calendar.ics"' in page
    assert 'href="/actions/calendar.ics"' in page
    assert f'href="webcal://coalition.example.org/places/{place.pk}/calendar.ics"' in place_page
    assert f'href="webcal://coalition.example.org/groups/{listed.slug}/calendar.ics"' in group_page


# --- helpers ---------------------------------------------------------------------


def _listed(group):
    """The group, signed and listed, so its page and calendar are public."""
    group.signed_version = publish_statement()
    group.listing_consent = True
    group.save()
    return group

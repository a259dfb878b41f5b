"""/days/: current and upcoming days of action, then recent ones; drafts only for coordinators."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from convergence.models import Event
from convergence.selectors_public import RECENT_DAYS_SHOWN
from tests.factories import make_action, make_day

pytestmark = pytest.mark.django_db

DAYS = "/days/"
CAST = ["outsider", "group_member", "group_admin", "weaver", "steering_member"]


def _event(day, group, **fields):
    """An action of ``group`` registered for ``day``, inside its window."""
    fields.setdefault("starts_at", day.starts_at + timedelta(hours=1))
    fields.setdefault("ends_at", fields["starts_at"] + timedelta(hours=2))
    action = make_action(group, **fields)
    Event.objects.create(day=day, action=action)
    return action


def _login(client, request, make_person, person):
    if person == "coordinator":
        client.force_login(make_person("coord@example.net", roles=("coordinator",)))
    elif person:
        client.force_login(request.getfixturevalue(person))


def test_the_list_has_a_stable_address():
    assert reverse("convergence:days") == DAYS


@pytest.mark.parametrize("person", [None, *CAST, "coordinator"])
def test_everyone_sees_published_days(client, request, make_person, place, person):
    make_day(places=[place], title="Clean Air Day", slug="clean-air-day")
    _login(client, request, make_person, person)

    response = client.get(DAYS)

    assert response.status_code == 200
    assert "Clean Air Day" in response.content.decode()


DRAFT_SEEN = {
    None: False,
    "outsider": False,
    "group_member": False,
    "group_admin": False,
    "weaver": False,
    "steering_member": True,
    "coordinator": True,
}


@pytest.mark.parametrize("person", list(DRAFT_SEEN))
def test_drafts_are_listed_only_for_coordinators_and_marked(
    client, request, make_person, place, person
):
    make_day(places=[place], title="Secret Plan Day", slug="secret-plan", status="draft")
    _login(client, request, make_person, person)

    body = client.get(DAYS).content.decode()

    assert ("Secret Plan Day" in body) is DRAFT_SEEN[person]
    if DRAFT_SEEN[person]:
        assert "Drafts" in body and "draft</span>" in body


def test_live_and_open_come_first_by_start_then_recently_closed(client, place):
    make_day(places=[place], title="Later Open", slug="later", days_ahead=30, status="open")
    make_day(places=[place], title="Sooner Open", slug="sooner", days_ahead=5, status="open")
    make_day(places=[place], title="Now Live", slug="now", days_ahead=-1, status="live")
    make_day(places=[place], title="Old Closed", slug="old", days_ahead=-60, status="closed")
    make_day(places=[place], title="Fresh Report", slug="fresh", days_ahead=-20, status="reported")

    body = client.get(DAYS).content.decode()

    order = ["Now Live", "Sooner Open", "Later Open", "Fresh Report", "Old Closed"]
    positions = [body.index(title) for title in order]
    assert positions == sorted(positions)
    assert body.index("Recently") < body.index("Fresh Report")


def test_only_the_latest_closed_days_are_kept(client, place):
    for number in range(RECENT_DAYS_SHOWN + 2):
        make_day(
            places=[place],
            title=f"Past day {number:02d}",
            slug=f"past-{number}",
            days_ahead=-10 - number,
            status="closed",
        )

    body = client.get(DAYS).content.decode()

    assert f"Past day {RECENT_DAYS_SHOWN - 1:02d}" in body
    assert f"Past day {RECENT_DAYS_SHOWN:02d}" not in body


def test_each_day_shows_its_window_places_and_the_events_that_count(client, settings, place, group):
    settings.TIME_ZONE = "Europe/Paris"
    start = datetime(2031, 6, 14, 8, 0, tzinfo=UTC)
    day = make_day(places=[place], starts_at=start, ends_at=start + timedelta(days=1))
    _event(day, group, title="Public one")
    _event(day, group, title="Public two")
    _event(day, group, title="Network", visibility="network")
    _event(day, group, title="Group", visibility="group")
    _event(day, group, title="Hidden", hidden_at=timezone.now())
    _event(day, group, title="Cancelled", status="cancelled")

    body = client.get(DAYS).content.decode()

    assert "2 events registered" in body
    assert "Riverside" in body
    # 08:00 UTC is 10:00 in Paris in June; the zone is named.
    assert "10:00" in body or "10 a.m." in body
    assert "Europe/Paris" in body
    assert 'datetime="2031-06-14T10:00:00+02:00"' in body


def test_a_day_with_totals_says_how_many_events_were_held(client, place):
    make_day(
        places=[place], status="reported", days_ahead=-30, totals_at=timezone.now(), total_events=9
    )

    assert "9 events held" in client.get(DAYS).content.decode()


def test_an_empty_list_says_so(client):
    assert "No day of action is planned yet." in client.get(DAYS).content.decode()


@pytest.mark.parametrize("person", [None, "coordinator"])
def test_the_list_costs_the_same_queries_for_3_or_30_days(
    client, request, make_person, place, group, django_assert_num_queries, person
):
    _login(client, request, make_person, person)

    def add(count: int, offset: int) -> None:
        for number in range(offset, offset + count):
            for status in ("open", "closed", "draft"):
                day = make_day(
                    places=[place],
                    title=f"Day {status} {number}",
                    slug=f"day-{status}-{number}",
                    days_ahead=(5 + number) if status != "closed" else -(5 + number),
                    status=status,
                )
                _event(day, group)

    add(1, 0)
    client.get(DAYS)  # warm the session
    # Anonymous: the coalition's name, current days, recent days, the places
    # and the events of all of them. A coordinator adds the session, the
    # person, the roles and the drafts.
    expected = 5 if person is None else 9
    with django_assert_num_queries(expected):
        assert client.get(DAYS).status_code == 200
    add(10, 1)
    with django_assert_num_queries(expected):
        assert client.get(DAYS).status_code == 200


def test_the_list_answers_only_get_and_head(client):
    assert client.post(DAYS).status_code == 405

"""Coordinators write to one audience of a day of action: it reaches that audience only, once."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from convergence.models import Event
from convergence.services.speaking import coordinator_message_send
from members.models import Stage
from notifications.models import Broadcast
from tests.factories import GroupFactory, add_member, make_action, make_day, make_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_person):
    city = make_place("Portside")
    north = make_place("North End", kind=1, parent=city)
    south = make_place("South End", kind=1, parent=city)
    day = make_day(places=[city])
    registered = GroupFactory(name="Hosts", slug="hosts", place=north, stage=Stage.ALIGNED)
    add_member(registered, make_person("host@example.net"), "admin")
    poster = make_person("poster@example.net")
    add_member(registered, poster, "member")
    action = make_action(registered, by=poster, place=north, days_ahead=15)
    Event.objects.create(day=day, action=action)
    neighbour = GroupFactory(name="Neighbours", slug="neighbours", place=north, stage=Stage.ALIGNED)
    add_member(neighbour, make_person("neighbour@example.net"), "contact")
    lonely = GroupFactory(name="Southerners", slug="southerners", place=south, stage=Stage.ALIGNED)
    add_member(lonely, make_person("south@example.net"), "admin")
    add_member(lonely, make_person("south-member@example.net"), "member")
    prospect = GroupFactory(name="Maybe", slug="maybe", place=south, stage=Stage.PROSPECT)
    add_member(prospect, make_person("maybe@example.net"), "admin")
    return day


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        ("hosts", ["host@example.net", "poster@example.net"]),
        ("places_without_event", ["south@example.net"]),
        ("not_registered", ["neighbour@example.net", "south@example.net"]),
    ],
)
def test_a_message_reaches_the_chosen_audience_only_once(
    world, coordinator, audience, expected, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        coordinator_message_send(
            day=world, by=coordinator, audience=audience, subject="Next steps", body="Read this."
        )
    from notifications.tasks import broadcast_send

    broadcast_send(broadcast_id=Broadcast.objects.get().pk)

    assert recipients() == expected
    assert {message.subject for message in mail.outbox} == {"Next steps"}


def test_the_page_sends_for_a_coordinator(
    client, world, coordinator, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    url = reverse("convergence:day_message", args=[world.slug])
    assert client.get(url + "?audience=hosts").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"audience": "hosts", "subject": "Hi", "body": "Hello."})

    assert response.status_code == 302
    assert recipients() == ["host@example.net", "poster@example.net"]


def test_an_unknown_audience_is_a_400_with_a_message(client, world, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("convergence:day_message", args=[world.slug]),
        {"audience": "everyone", "subject": "Hi", "body": "Hello."},
    )

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert Broadcast.objects.count() == 0


def test_someone_who_does_not_coordinate_gets_403_and_nothing_is_sent(
    client, world, make_person, django_capture_on_commit_callbacks
):
    client.force_login(make_person("host2@example.net"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("convergence:day_message", args=[world.slug]),
            {"audience": "hosts", "subject": "Hi", "body": "Hello."},
        )

    assert response.status_code == 403
    assert mail.outbox == [] and Broadcast.objects.count() == 0


def test_the_page_costs_the_same_queries_at_two_sizes(client, world, coordinator, place):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(coordinator)
    url = reverse("convergence:day_message", args=[world.slug])
    counts = []
    for size in (1, 20):
        for number in range(size):
            GroupFactory(name=f"G{size}-{number}", slug=f"g{size}-{number}", place=place)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_coordinator_message_has_a_one_click_unsubscribe_for_its_kind(
    world, coordinator, django_capture_on_commit_callbacks
):
    from notifications.broadcasts import address_unsubscribe_target

    with django_capture_on_commit_callbacks(execute=True):
        coordinator_message_send(
            day=world, by=coordinator, audience="hosts", subject="Next steps", body="Read this."
        )

    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        token = message.extra_headers["List-Unsubscribe"].strip("<>/").rsplit("/", 1)[-1]
        assert address_unsubscribe_target(token) == (message.to[0], "coordinator_message")

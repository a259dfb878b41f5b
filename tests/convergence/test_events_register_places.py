"""Registering an event by typing its place: partial names work, and a place the day does not
cover is refused with the places it does cover (issue #15)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from coalition.models import PlaceKind
from convergence.models import DayStatus, Event
from members.models import Group
from tests.factories import make_day, make_place, publish_statement

pytestmark = pytest.mark.django_db


@pytest.fixture
def places():
    region = make_place("Lakeshore", PlaceKind.REGION)
    port = make_place("Port Maren", PlaceKind.CITY, region)
    harbour = make_place("Harbourside", PlaceKind.NEIGHBOURHOOD, make_place("Docks", 2, region))
    corvin = make_place("Corvin", PlaceKind.CITY, region)
    return {"port": port, "harbour": harbour, "corvin": corvin}


@pytest.fixture
def day(places):
    return make_day(places=[places["port"], places["harbour"]], status=DayStatus.OPEN)


@pytest.fixture
def signed(group):
    Group.objects.filter(pk=group.pk).update(signed_version=publish_statement())
    group.refresh_from_db()
    return group


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _post(client, day, group, **place):
    start = day.starts_at + timedelta(hours=2)
    data = {
        "group": str(group.pk),
        "title": "Harbour clean-up",
        "kind": "event",
        "place": "",
        "starts_at": _local(start),
        "ends_at": _local(start + timedelta(hours=2)),
        "visibility": "public",
        **place,
    }
    return client.post(reverse("convergence:event_register", args=[day.slug]), data)


def test_a_typed_place_the_day_does_not_cover_is_refused_naming_what_it_covers(
    client, group_member, signed, day
):
    client.force_login(group_member)

    response = _post(client, day, signed, place_name="corvin")

    assert response.status_code == 400
    assert response.context["form"].errors["place"] == [
        "Corvin is not covered by this day of action; it covers Port Maren and Harbourside."
    ]
    assert not Event.objects.exists()


def test_a_chosen_place_outside_the_day_is_refused_the_same_way(
    client, group_member, signed, day, places
):
    client.force_login(group_member)

    response = _post(client, day, signed, place=str(places["corvin"].pk))

    assert response.status_code == 400
    assert response.context["form"].errors["place"] == [
        "Corvin is not covered by this day of action; it covers Port Maren and Harbourside."
    ]


def test_part_of_a_covered_place_name_registers_there(client, group_member, signed, day, places):
    client.force_login(group_member)

    response = _post(client, day, signed, place_name="HARBOUR")

    assert response.status_code == 302
    assert Event.objects.get().action.place == places["harbour"]


def test_a_name_no_place_has_is_still_said_to_be_unknown(client, group_member, signed, day):
    client.force_login(group_member)

    response = _post(client, day, signed, place_name="Atlantis")

    assert "No place is called “Atlantis”" in response.context["form"].errors["place"][0]

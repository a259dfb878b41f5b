"""Stewards set where a place is: its centre and, optionally, its area (issue #15)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from coalition.errors import RuleBroken
from coalition.models import Place
from coalition.services import place_locate
from tests.factories import make_place

pytestmark = pytest.mark.django_db


def test_a_steward_sets_a_places_centre_and_area(client, steward):
    place = make_place("Port Maren")
    client.force_login(steward)

    response = client.post(
        f"/network/places/{place.pk}/",
        {
            "form": "locate", "latitude": "47.218371", "longitude": "-1.553621",
            "min_latitude": "47.15", "max_latitude": "47.30",
            "min_longitude": "-1.65", "max_longitude": "-1.45",
        },
    )  # fmt: skip

    assert response.status_code == 302
    place.refresh_from_db()
    assert place.latitude == Decimal("47.218371") and place.has_area
    assert place.max_longitude == Decimal("-1.45")


def test_half_a_box_is_refused(steward):
    place = make_place("Port Maren")

    with pytest.raises(RuleBroken, match="all four edges"):
        place_locate(place=place, min_latitude=Decimal("47"), by=steward)


def test_a_south_edge_north_of_the_north_edge_is_refused(steward):
    place = make_place("Port Maren")

    with pytest.raises(RuleBroken, match="south edge"):
        place_locate(
            place=place, min_latitude=Decimal("48"), max_latitude=Decimal("47"),
            min_longitude=Decimal("-2"), max_longitude=Decimal("-1"), by=steward,
        )  # fmt: skip


def test_a_latitude_off_the_earth_is_answered_on_its_field(client, steward):
    place = make_place("Port Maren")
    client.force_login(steward)

    response = client.post(
        f"/network/places/{place.pk}/", {"form": "locate", "latitude": "95", "longitude": "1"}
    )

    assert response.status_code == 400
    assert "Give degrees between -90 and 90." in response.content.decode()
    assert Place.objects.get(pk=place.pk).latitude is None

"""/days/<slug>/ searched by place name without accents, and "within N km" of a place or of
the visitor's position (issue #15). Distances worked out by hand as in
tests/actions/test_listing_near.py: one degree of latitude is 111.195 km, one
degree of longitude at 47° N is 75.835 km.

| event | latitude | longitude | distance from 47 N, 1.5 W |
| --- | --- | --- | --- |
| Quay picnic | 47.0000 | -1.5000 | 0 km |
| Lighthouse walk | 47.0800 | -1.5000 | 8.90 km |
| Corner rally | 47.0700 | -1.3800 | 11.97 km (inside the 10 km box, outside the circle) |
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from coalition.models import Place, PlaceKind
from convergence.models import DayStatus, Event
from tests.factories import GroupFactory, make_action, make_day, make_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    region = make_place("Lakeshore", PlaceKind.REGION)
    saint = make_place("Saint-Étienne-sur-Mer", PlaceKind.CITY, region)
    Place.objects.filter(pk=saint.pk).update(latitude=Decimal("47"), longitude=Decimal("-1.5"))
    day = make_day(places=[region], status=DayStatus.OPEN)
    group = GroupFactory(place=region)
    points = {
        "Quay picnic": ("47.0000", "-1.5000", saint),
        "Lighthouse walk": ("47.0800", "-1.5000", region),
        "Corner rally": ("47.0700", "-1.3800", region),
    }
    for title, (lat, lon, place) in points.items():
        action = make_action(
            group,
            title=title,
            place=place,
            latitude=Decimal(lat),
            longitude=Decimal(lon),
            starts_at=day.starts_at,
            ends_at=day.starts_at + (day.ends_at - day.starts_at) / 2,
        )
        Event.objects.create(day=day, action=action)
    return day


def _titles(client, day, **query) -> set[str]:
    response = client.get(f"/days/{day.slug}/", query)
    assert response.status_code == 200
    return {event.title for event in response.context["page"].object_list}


def test_a_place_name_is_found_without_its_accents(client, day):
    assert _titles(client, day, q="etienne") == {"Quay picnic"}


def test_within_ten_km_of_a_named_place_is_exactly_the_circle(client, day):
    assert _titles(client, day, q="saint etienne", within=10) == {
        "Quay picnic",
        "Lighthouse walk",
    }


def test_within_ten_km_of_the_visitors_position(client, day):
    assert _titles(client, day, within=10, lat="47", lon="-1.5") == {
        "Quay picnic",
        "Lighthouse walk",
    }


def test_a_distance_without_a_centre_is_explained(client, day):
    response = client.get(f"/days/{day.slug}/", {"q": "lakeshore", "within": 10})

    assert "Type the name of a place with a centre point" in response.content.decode()

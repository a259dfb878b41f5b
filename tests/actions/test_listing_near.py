"""/actions/ "within N km" of a place or of the visitor's position: exactly the actions inside
the circle, on a fixture whose distances are worked out by hand (issue #15).

Port Maren's centre is 47.0000 N, 1.5000 W. One degree of latitude is
2π × 6371.0088 km / 360 = 111.195 km; one degree of longitude at 47° N is
111.195 × cos 47° = 111.195 × 0.68200 = 75.835 km.

| action | latitude | longitude | north–south | east–west | distance |
| --- | --- | --- | --- | --- | --- |
| Centre | 47.0000 | -1.5000 | 0 | 0 | 0 km |
| North  | 47.0800 | -1.5000 | 0.08 × 111.195 = 8.896 | 0 | 8.90 km |
| East   | 47.0000 | -1.3700 | 0 | 0.13 × 75.835 = 9.859 | 9.86 km |
| South-west | 46.9500 | -1.5500 | 5.560 | 3.792 | √(30.91 + 14.38) = 6.73 km |
| Corner | 47.0700 | -1.3800 | 7.784 | 0.12 × 75.80 = 9.096 | √(60.59 + 82.74) = 11.97 km |
| Far north | 47.1000 | -1.5000 | 11.120 | 0 | 11.12 km |

Within 10 km: Centre, North, East, South-west. "Corner" lies inside the
10 km box (±0.0899° of latitude, ±0.132° of longitude) but outside the
circle: only the exact check leaves it out. Within 5 km: Centre only.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from coalition.geo import haversine_km
from coalition.models import Place, PlaceKind
from tests.factories import GroupFactory, make_action, make_place

pytestmark = pytest.mark.django_db

POINTS = {
    "Centre": ("47.0000", "-1.5000"),
    "North": ("47.0800", "-1.5000"),
    "East": ("47.0000", "-1.3700"),
    "South-west": ("46.9500", "-1.5500"),
    "Corner": ("47.0700", "-1.3800"),
    "Far north": ("47.1000", "-1.5000"),
}


@pytest.fixture
def port():
    region = make_place("Lakeshore", PlaceKind.REGION)
    port = make_place("Port Maren", PlaceKind.CITY, region)
    Place.objects.filter(pk=port.pk).update(latitude=Decimal("47"), longitude=Decimal("-1.5"))
    # Actions sit in another place: "near" is by distance, not by the tree.
    elsewhere = make_place("Corvin", PlaceKind.CITY, region)
    group = GroupFactory(place=elsewhere)
    for title, (lat, lon) in POINTS.items():
        make_action(group, title=title, latitude=Decimal(lat), longitude=Decimal(lon))
    make_action(group, title="Nowhere in particular")
    port.refresh_from_db()
    return port


def _titles(client, **query) -> set[str]:
    response = client.get("/actions/", query)
    assert response.status_code == 200, response.context["form"].errors
    return {action.title for action in response.context["page"].object_list}


def test_the_hand_computed_distances_hold():
    distances = {
        title: haversine_km(47.0, -1.5, float(lat), float(lon))
        for title, (lat, lon) in POINTS.items()
    }
    assert distances["North"] == pytest.approx(8.90, abs=0.01)
    assert distances["East"] == pytest.approx(9.86, abs=0.01)
    assert distances["South-west"] == pytest.approx(6.73, abs=0.01)
    assert distances["Corner"] == pytest.approx(11.97, abs=0.01)


def test_within_ten_km_of_the_visitors_position_finds_exactly_the_circle(client, port):
    assert _titles(client, within=10, lat="47", lon="-1.5") == {
        "Centre", "North", "East", "South-west",
    }  # fmt: skip


def test_within_five_km_finds_only_the_centre(client, port):
    assert _titles(client, within=5, lat="47", lon="-1.5") == {"Centre"}


def test_within_ten_km_of_a_place_measures_from_its_centre(client, port):
    assert _titles(client, within=10, place=port.pk) == {"Centre", "North", "East", "South-west"}


def test_within_km_of_a_typed_place_name(client, port):
    assert _titles(client, within=10, place_name="maren") == {
        "Centre", "North", "East", "South-west",
    }  # fmt: skip


def test_a_distance_needs_a_place_or_a_position(client, port):
    response = client.get("/actions/", {"within": 10})

    assert response.status_code == 400
    assert "Choose a place, or use your position" in response.context["form"].errors["within"][0]


def test_a_place_without_a_centre_says_so(client, port):
    response = client.get("/actions/", {"within": 10, "place": port.parent_id})

    assert response.status_code == 400
    assert "Lakeshore has no centre point" in response.context["form"].errors["within"][0]


def test_the_map_data_keeps_the_distance(client, port):
    response = client.get(
        "/actions/map/data.geojson", {"bbox": "-10,40,10,60", "within": 10, "place": port.pk}
    )

    titles = {feature["properties"]["title"] for feature in response.json()["features"]}
    assert titles == {"Centre", "North", "East", "South-west"}


def test_the_list_links_keep_the_position(client, port):
    response = client.get("/actions/", {"within": 10, "lat": "47", "lon": "-1.5"})

    assert "within=10&amp;lat=47.0&amp;lon=-1.5" in response.content.decode()


def test_a_near_search_costs_the_same_queries_as_any_list(
    client, port, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        client.get("/actions/", {"within": 10, "lat": "47", "lon": "-1.5"})

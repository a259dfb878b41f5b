"""The map's background, framing and focus (issue #15): OpenStreetMap's tiles by default with
their attribution, allowed by the Content-Security-Policy and nothing else new; a filtered
place framed; "See it on the map" opening the action. No tile is ever fetched here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from coalition.models import Place, PlaceKind
from tests.factories import make_action, make_place

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _directives(env: dict[str, str]) -> dict:
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps([settings.CONTENT_SECURITY_POLICY['DIRECTIVES'], "
        "settings.MAP_TILE_URL, settings.MAP_TILE_ATTRIBUTION]))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MAP_TILE", "GEOCODER"))}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "coalition.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_by_default_the_tiles_are_openstreetmaps_with_their_attribution():
    directives, url, attribution = _directives({})

    assert url == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert "© " in attribution and "OpenStreetMap</a> contributors" in attribution
    assert 'href="https://www.openstreetmap.org/copyright"' in attribution
    assert directives["img-src"] == ["'self'", "data:", "https://tile.openstreetmap.org"]


def test_the_csp_allows_the_tile_host_and_nothing_else_new():
    directives, _, _ = _directives({})
    without_tiles, _, _ = _directives({"MAP_TILE_URL": ""})

    assert without_tiles["img-src"] == ["'self'", "data:"]
    assert {k: v for k, v in directives.items() if k != "img-src"} == {
        k: v for k, v in without_tiles.items() if k != "img-src"
    }
    assert directives["connect-src"] == ["'self'"]  # the geocoder is asked by the server


def test_a_tile_server_of_ones_own_replaces_openstreetmap():
    directives, url, attribution = _directives(
        {"MAP_TILE_URL": "https://maps.example.org/{z}/{x}/{y}.png", "MAP_TILE_ATTRIBUTION": "Ours"}
    )

    assert url == "https://maps.example.org/{z}/{x}/{y}.png" and attribution == "Ours"
    assert directives["img-src"] == ["'self'", "data:", "https://maps.example.org"]


def test_the_response_header_carries_the_tile_host(client):
    header = client.get("/actions/map/")["Content-Security-Policy"]
    tiles = django_settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"]

    assert f"img-src {' '.join(tiles)}" in header


def test_the_rendered_map_carries_the_tiles_and_their_attribution(client, settings):
    settings.MAP_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = settings.OSM_ATTRIBUTION

    body = client.get("/actions/map/").content.decode()

    assert 'data-tile-url="https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in body
    assert "https://www.openstreetmap.org/copyright" in body
    assert "vendor/leaflet.markercluster/leaflet.markercluster.js" in body


def test_see_it_on_the_map_opens_the_map_on_that_action(client, group, django_assert_num_queries):
    action = make_action(group, latitude=Decimal("47.2184"), longitude=Decimal("-1.5536"))

    detail = client.get(f"/actions/{action.pk}/").content.decode()
    body = client.get(f"/actions/map/?focus={action.pk}").content.decode()

    assert f"/actions/map/?focus={action.pk}&amp;bbox=" in detail
    assert f'data-focus-id="{action.pk}"' in body
    assert 'data-focus-lat="47.218400" data-focus-lon="-1.553600"' in body


def test_a_hidden_action_is_never_a_focus(client, group):
    action = make_action(group, visibility="group", latitude=Decimal("47"), longitude=Decimal("1"))

    assert "data-focus-id" not in client.get(f"/actions/map/?focus={action.pk}").content.decode()


def test_filtering_by_a_place_frames_its_box_or_the_area_around_its_centre(client):
    region = make_place("Lakeshore", PlaceKind.REGION)
    city = make_place("Port Maren", PlaceKind.CITY, region)
    Place.objects.filter(pk=region.pk).update(
        min_latitude=Decimal("46.5"), max_latitude=Decimal("47.5"),
        min_longitude=Decimal("-2.5"), max_longitude=Decimal("-1"),
    )  # fmt: skip
    Place.objects.filter(pk=city.pk).update(latitude=Decimal("47"), longitude=Decimal("-1.5"))

    boxed = client.get("/actions/map/", {"place": region.pk}).content.decode()
    centred = client.get("/actions/map/", {"place_name": "maren"}).content.decode()

    assert 'data-place-area="-2.500000,46.500000,-1.000000,47.500000"' in boxed
    # 10 km around 47 N, 1.5 W: ±0.0899° of latitude (10 / 111.195); of longitude
    # ±0.1321°, measured at the box's northern edge (47.09° N), where a degree is shortest.
    assert 'data-place-area="-1.632088,46.910068,-1.367912,47.089932"' in centred

"""/actions/map/ and its GeoJSON: bounded, capped, filtered to what the person sees, one query."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.models import Action, Tactic
from actions.selectors_listing import MAP_FEATURE_LIMIT
from coalition.models import PlaceKind, WorkingGroup
from tests.factories import GroupFactory, make_action, make_place

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PAGE = "/actions/map/"
DATA = "/actions/map/data.geojson"
WORLD = "-180,-90,180,90"
PARIS_BOX = "2.2,48.8,2.5,48.9"
CAST = ["outsider", "group_member", "group_admin", "weaver", "steering_member"]


def _paris(group, **fields):
    fields.setdefault("latitude", "48.856600")
    fields.setdefault("longitude", "2.352200")
    return make_action(group, **fields)


def _features(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["features"]


def _titles(response) -> set[str]:
    return {feature["properties"]["title"] for feature in _features(response)}


def test_the_map_and_its_data_have_stable_addresses():
    assert reverse("actions:map") == PAGE
    assert reverse("actions:map_data") == DATA


# --- The page -----------------------------------------------------------------


@pytest.mark.parametrize("person", [None, *CAST])
def test_everyone_opens_the_map(client, request, group, person):
    _paris(group, title="Clean air picnic")
    if person:
        client.force_login(request.getfixturevalue(person))

    response = client.get(PAGE)

    assert response.status_code == 200
    assert "Clean air picnic" in response.content.decode()


def test_without_javascript_the_page_lists_the_actions_of_the_area(client, group):
    _paris(group, title="In Paris")
    make_action(group, title="In Lyon", latitude="45.764000", longitude="4.835700")
    make_action(group, title="Nowhere on the map")

    everywhere = client.get(PAGE).content.decode()
    paris = client.get(PAGE, {"bbox": PARIS_BOX}).content.decode()

    assert "In Paris" in everywhere and "In Lyon" in everywhere
    assert "Nowhere on the map" not in everywhere
    assert "In Paris" in paris and "In Lyon" not in paris


def test_the_page_has_no_inline_script_or_style_and_loads_vendored_leaflet(client, group):
    _paris(group)

    response = client.get(PAGE)
    body = response.content.decode()

    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert " style=" not in body
    assert "<style" not in body
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", body, flags=re.S)
    assert scripts, "the map needs its scripts"
    assert all('src="' in attributes and not content.strip() for attributes, content in scripts)
    assert "/static/vendor/leaflet/leaflet.js" in body
    assert "/static/vendor/leaflet/leaflet.css" in body
    assert "/static/js/actions-map.js" in body


def test_the_vendored_files_are_there_with_their_licence():
    leaflet = ROOT / "static" / "vendor" / "leaflet"
    for name in ("leaflet.js", "leaflet.css", "LICENSE", "images/marker-icon.png"):
        assert (leaflet / name).is_file(), name
    assert "Leaflet | 1.9.4" in (ROOT / "static" / "vendor" / "README.md").read_text()
    source = (ROOT / "static" / "js" / "actions-map.js").read_text().splitlines()
    code = "\n".join(line for line in source if not line.strip().startswith("//"))
    assert "innerHTML" not in code and ".style" not in code


def test_with_no_tiles_set_the_map_has_no_tile_layer(client, settings):
    settings.MAP_TILE_URL = ""

    body = client.get(PAGE).content.decode()

    assert 'data-tile-url=""' in body


def test_the_tile_url_setting_reaches_the_script(client, settings):
    settings.MAP_TILE_URL = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "© Example tiles"

    body = client.get(PAGE).content.decode()

    assert 'data-tile-url="https://{s}.tiles.example.org/{z}/{x}/{y}.png"' in body
    assert "© Example tiles" in body


def _settings_with(env: dict[str, str]) -> subprocess.CompletedProcess:
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "coalition.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_tile_host_is_allowed_for_images_and_a_bad_url_stops_the_app():
    good = _settings_with({"MAP_TILE_URL": "https://{s}.tiles.example.org/{z}/{x}/{y}.png"})
    bad = _settings_with({"MAP_TILE_URL": "tiles.example.org/tile.png"})

    assert good.returncode == 0, good.stderr
    assert "https://*.tiles.example.org" in json.loads(good.stdout.strip().splitlines()[-1])
    assert bad.returncode != 0
    assert "MAP_TILE_URL" in bad.stderr


def test_the_page_costs_the_same_queries_for_3_or_40_actions(
    client, group, django_assert_num_queries
):
    def add(count: int) -> None:
        for number in range(count):
            _paris(group, title=f"Walk {number}", days_ahead=number - 5)

    # Coalition name, filters' choices (3), the count (bounded) and the page.
    add(3)
    with django_assert_num_queries(6):
        client.get(PAGE, {"bbox": PARIS_BOX})
    add(37)
    with django_assert_num_queries(6):
        client.get(PAGE, {"bbox": PARIS_BOX})


def test_past_the_count_limit_the_page_list_stops_counting(client, group, monkeypatch):
    monkeypatch.setattr("coalition.paging.COUNT_LIMIT", 31)
    for number in range(35):
        _paris(group, title=f"Walk {number}", days_ahead=number - 5)

    page = client.get(PAGE, {"bbox": PARIS_BOX})

    assert page.context["page"].paginator.capped
    assert "Page 1 of" not in page.content.decode()
    assert 'rel="next"' in page.content.decode()


def test_a_bad_area_on_the_page_is_a_form_error(client):
    response = client.get(PAGE, {"bbox": "up,down,left,right"})

    assert response.status_code == 400
    assert "bbox" in response.context["form"].errors


# --- The GeoJSON --------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"bbox": ""},
        {"bbox": "1,2,3"},
        {"bbox": "1,2,3,4,5"},
        {"bbox": "west,south,east,north"},
        {"bbox": "NaN,0,1,1"},
        {"bbox": "-inf,0,1,1"},
        {"bbox": "-181,0,1,1"},
        {"bbox": "0,-91,1,1"},
        {"bbox": "0,10,1,5"},
        {"bbox": "1" * 5000},
        {"bbox": WORLD, "kind": "picnic"},
        {"bbox": WORLD, "date_from": "yesterday"},
        {"bbox": WORLD, "place": "Riverside"},
    ],
)
def test_a_missing_or_malformed_area_is_a_400_with_a_clear_json_error(client, params):
    response = client.get(DATA, params)

    assert response.status_code == 400
    answer = response.json()
    assert answer["error"]
    if "bbox" in answer["fields"]:
        assert "west,south,east,north" in answer["error"]


def test_features_carry_only_what_a_marker_needs(client, group, group_member):
    action = _paris(group, title="Clean air picnic", by=group_member, description="Secret plan")

    response = client.get(DATA, {"bbox": PARIS_BOX})

    assert response["Content-Type"] == "application/geo+json"
    answer = response.json()
    assert answer["type"] == "FeatureCollection"
    assert answer["truncated"] is False
    [feature] = answer["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [2.3522, 48.8566]}
    assert set(feature["properties"]) == {"id", "title", "starts_at", "kind", "url", "origin"}
    assert feature["properties"]["url"] == reverse("actions:detail", kwargs={"pk": action.pk})
    assert feature["properties"]["starts_at"] == action.starts_at.isoformat()
    text = response.content.decode()
    for personal in ("member@example.net", "Mo Member", "Secret plan"):
        assert personal not in text


def test_only_actions_inside_the_box_are_returned(client, group):
    _paris(group, title="In Paris")
    make_action(group, title="In Lyon", latitude="45.764000", longitude="4.835700")
    make_action(group, title="No coordinates")

    assert _titles(client.get(DATA, {"bbox": PARIS_BOX})) == {"In Paris"}
    assert _titles(client.get(DATA, {"bbox": WORLD})) == {"In Paris", "In Lyon"}


def test_a_box_across_the_180th_meridian(client, group):
    make_action(group, title="Fiji", latitude="-17.713400", longitude="178.065000")
    make_action(group, title="Samoa", latitude="-13.759000", longitude="-172.104600")
    _paris(group, title="Paris")

    assert _titles(client.get(DATA, {"bbox": "170,-30,-170,0"})) == {"Fiji", "Samoa"}


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        (None, {"Public"}),
        ("outsider", {"Public", "Network"}),
        ("weaver", {"Public", "Network"}),
        ("steering_member", {"Public", "Network"}),
        ("group_member", {"Public", "Network", "Group", "Hidden"}),
        ("group_admin", {"Public", "Network", "Group", "Hidden"}),
        ("steward", {"Public", "Network", "Group", "Hidden"}),
    ],
)
def test_the_map_shows_what_the_visibility_rule_allows(
    client, request, group, make_person, person, expected
):
    _paris(group, title="Public")
    _paris(group, title="Network", visibility="network")
    _paris(group, title="Group", visibility="group")
    _paris(group, title="Hidden", hidden_at=timezone.now(), hidden_reason="Spam")
    if person == "steward":
        client.force_login(make_person("steward@example.net", roles=("steward",)))
    elif person:
        client.force_login(request.getfixturevalue(person))

    assert _titles(client.get(DATA, {"bbox": WORLD})) == expected
    page = client.get(PAGE).content.decode()
    for title in {"Network", "Group", "Hidden"} - expected:
        assert f">{title}</a>" not in page


def test_the_list_filters_apply_to_the_map(client, group, place):
    district = make_place("Old Town", kind=PlaceKind.DISTRICT, parent=place)
    tactic = Tactic.objects.create(title="Clean air walk", slug="clean-air-walk", summary="Walk.")
    transport = WorkingGroup.objects.create(name="Transport", slug="transport")
    cyclists = GroupFactory(name="Cyclists", place=place)
    cyclists.working_groups.add(transport)
    _paris(group, title="In the district", place=district)
    _paris(group, title="Petition", kind="petition")
    _paris(group, title="From the playbook", tactic=tactic)
    _paris(cyclists, title="Bike ride")
    _paris(group, title="Next month", days_ahead=40)
    day = (timezone.localdate() + timedelta(days=40)).isoformat()

    def titles(**params):
        return _titles(client.get(DATA, {"bbox": WORLD, **params}))

    assert titles(place=district.pk) == {"In the district"}
    assert titles(place=999999) == set()
    assert titles(kind="petition") == {"Petition"}
    assert titles(tactic="clean-air-walk") == {"From the playbook"}
    assert titles(working_group="transport") == {"Bike ride"}
    assert titles(date_from=day, date_to=day) == {"Next month"}


def _bulk(group, count: int, *, start=0) -> None:
    now = timezone.now()
    Action.objects.bulk_create(
        Action(
            host_group=group,
            title=f"Action {number}",
            kind="event",
            place=group.place,
            starts_at=now + timedelta(hours=number),
            ends_at=now + timedelta(hours=number + 1),
            visibility=("public", "network")[number % 2],
            latitude=48 + (number % 100) / 1000,
            longitude=2 + (number % 50) / 1000,
        )
        for number in range(start, start + count)
    )


def test_past_the_limit_the_newest_are_sent_and_the_answer_says_truncated(client, group):
    _bulk(group, 1300)

    answer = client.get(DATA, {"bbox": WORLD}).json()

    assert len(answer["features"]) == MAP_FEATURE_LIMIT == 500
    assert answer["truncated"] is True
    starts = [feature["properties"]["starts_at"] for feature in answer["features"]]
    assert starts == sorted(starts, reverse=True)
    assert answer["features"][0]["properties"]["title"] == "Action 1298"


@pytest.mark.parametrize("person", [None, "group_member"])
def test_the_data_costs_one_query_for_3_or_600_actions(
    client, request, group, person, django_assert_num_queries
):
    if person:
        client.force_login(request.getfixturevalue(person))
    # One query; a logged-in person adds session, user, memberships and roles.
    expected = 1 if person is None else 5

    _bulk(group, 3)
    with django_assert_num_queries(expected):
        small = client.get(DATA, {"bbox": WORLD, "kind": "event", "place": group.place_id})
    _bulk(group, 597, start=3)
    with django_assert_num_queries(expected):
        large = client.get(DATA, {"bbox": WORLD, "kind": "event", "place": group.place_id})

    assert len(_features(small)) < len(_features(large)) <= MAP_FEATURE_LIMIT

"""Places are found as typed: prefix, middle of a word, any case, any accents (issue #15)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coalition.models import Place, PlaceKind
from coalition.place_pick import place_named, resolve_name
from coalition.selectors import place_suggestions
from coalition.services import place_rename
from tests.factories import make_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    world = make_place("World", PlaceKind.GLOBAL)
    region = make_place("Lakeshore", PlaceKind.REGION, world)
    port = make_place("Port Maren", PlaceKind.CITY, region)
    harbour = make_place("Harbourside", PlaceKind.NEIGHBOURHOOD, port)
    etienne = make_place("Saint-Étienne", PlaceKind.CITY, region)
    mill_a = make_place("Old Mill", PlaceKind.NEIGHBOURHOOD, port)
    mill_b = make_place("Old Mill", PlaceKind.NEIGHBOURHOOD, etienne)
    return {
        "port": port, "harbour": harbour, "etienne": etienne, "mill_a": mill_a, "mill_b": mill_b,
    }  # fmt: skip


def _names(query: str) -> list[str]:
    return [found["name"] for found in place_suggestions(query)]


def test_a_place_is_found_by_the_start_of_its_name(tree):
    assert _names("Harb") == ["Harbourside"]


def test_a_place_is_found_by_the_middle_of_a_word(tree):
    assert _names("bours") == ["Harbourside"]


def test_case_and_accents_do_not_matter(tree):
    assert _names("ETIENNE") == ["Saint-Étienne"]
    assert _names("saint-étienne") == ["Saint-Étienne"]
    assert _names("HÁRBOUR") == ["Harbourside"]


def test_each_suggestion_names_the_places_it_sits_in(tree):
    (found,) = place_suggestions("harbour")
    assert found["label"] == "Harbourside — Port Maren, Lakeshore, World"
    assert found["inside"] == ["Port Maren", "Lakeshore", "World"]


def test_a_renamed_place_is_found_by_its_new_name(tree):
    place_rename(place=tree["harbour"], name="Quai Élise")

    assert _names("elise") == ["Quai Élise"]
    assert _names("harbour") == []


def test_whole_names_come_before_longer_ones(tree):
    make_place("Port", PlaceKind.DISTRICT, tree["port"])

    assert _names("port")[:2] == ["Port", "Port Maren"]


def test_suggestions_are_bounded_to_ten(tree):
    for n in range(15):
        make_place(f"Quay {n}", PlaceKind.NEIGHBOURHOOD, tree["port"])

    assert len(place_suggestions("quay")) == 10


def test_the_suggestions_endpoint_answers_json_in_two_queries(
    client, tree, django_assert_num_queries
):
    for n in range(15):
        make_place(f"Quay {n}", PlaceKind.NEIGHBOURHOOD, tree["port"])

    with django_assert_num_queries(2):
        response = client.get(reverse("place_suggest"), {"q": "quay"})

    assert response.status_code == 200
    places = response.json()["places"]
    assert len(places) == 10
    assert set(places[0]) == {"id", "name", "inside", "label", "kind"}


def test_the_suggestions_endpoint_asks_nothing_of_the_database_for_an_empty_query(
    client, tree, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get(reverse("place_suggest"), {"q": "   "})

    assert response.json() == {"places": []}


def test_a_partial_name_only_one_place_has_picks_it(tree):
    assert place_named("bourside") == tree["harbour"]
    assert place_named("st etienne") is None  # "st" is not in "saint"
    assert place_named("saint etienne") == tree["etienne"]


def test_a_partial_name_several_places_have_is_answered_with_them(tree):
    places = list(Place.objects.all())
    for place in places:
        place.parent_name = place.parent.name if place.parent else None

    place, error = resolve_name("mill", places)

    assert place is None
    assert error == (
        "2 places match “mill” (Old Mill in Port Maren, Old Mill in Saint-Étienne): "
        "type more of the name or choose one from the list."
    )


def test_without_javascript_the_action_filter_takes_a_typed_part_of_a_name(client, tree):
    response = client.get("/actions/", {"place_name": "harbour"})

    assert response.status_code == 200
    assert f'<option value="{tree["harbour"].pk}" selected' in response.content.decode()


def test_the_place_box_carries_what_the_type_ahead_needs(client, tree):
    html = client.get("/actions/").content.decode()

    assert 'data-suggest-url="/places/suggest.json"' in html
    assert 'data-select-id="id_place"' in html
    assert "js/place-combobox.js" in html

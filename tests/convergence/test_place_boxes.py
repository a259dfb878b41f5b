"""The day form's places covered and the coordination filter take a typed place too, with
the type-ahead's box and the same server-side resolution (issue #15)."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from coalition.models import PlaceKind
from coalition.selectors import places_for_choice
from convergence.forms_coordinate import CoordinationFilterForm, DayForm
from tests.factories import make_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    region = make_place("Lakeshore", PlaceKind.REGION)
    port = make_place("Port Maren", PlaceKind.CITY, region)
    harbour = make_place("Harbourside", PlaceKind.NEIGHBOURHOOD, port)
    corvin = make_place("Corvin", PlaceKind.CITY, region)
    return {"region": region, "port": port, "harbour": harbour, "corvin": corvin}


def _day_data(**extra) -> QueryDict:
    data = QueryDict(mutable=True)
    data.update({
        "title": "Clean air day", "purpose": "Air.", "target": "Council", "ask": "Act.",
        "starts_at": "2030-05-01T09:00", "ends_at": "2030-05-02T18:00",
    })  # fmt: skip
    for key, value in extra.items():
        if isinstance(value, list):
            data.setlist(key, value)
        else:
            data[key] = value
    return data


def test_a_typed_place_joins_the_places_covered(tree):
    form = DayForm(
        _day_data(places=[str(tree["port"].pk)], places_name="CORV"),
        places=places_for_choice(),
        hub_groups=[],
    )

    assert form.is_valid(), form.errors
    assert form.details()["places"] == [tree["port"], tree["corvin"]]


def test_a_typed_place_alone_is_enough(tree):
    form = DayForm(_day_data(places_name="harbour"), places=places_for_choice(), hub_groups=[])

    assert form.is_valid(), form.errors
    assert form.details()["places"] == [tree["harbour"]]


def test_a_typed_name_no_place_has_is_the_fields_error(tree):
    form = DayForm(_day_data(places_name="Atlantis"), places=places_for_choice(), hub_groups=[])

    assert not form.is_valid()
    assert form.errors["places"] == [
        "No place is called “Atlantis”. Check the spelling or choose from the list."
    ]


def test_the_day_form_renders_the_type_ahead_box(tree):
    html = str(DayForm(places=places_for_choice(), hub_groups=[])["places"])

    assert 'name="places_name"' in html and 'data-select-id="id_places"' in html
    assert "multiple" in html


def test_the_coordination_filter_takes_a_typed_part_of_a_covered_place(tree):
    covered = [tree["port"], tree["harbour"]]
    form = CoordinationFilterForm(
        {"place_name": "bourside"}, places=covered, covered=["Port Maren"]
    )

    assert form.chosen()[0] == tree["harbour"]


def test_the_coordination_filter_says_which_places_the_day_covers(tree):
    form = CoordinationFilterForm(
        {"place_name": "corvin"}, places=[tree["port"], tree["harbour"]], covered=["Port Maren"]
    )

    assert form.chosen()[0] is None
    assert form.errors["place"] == [
        "Corvin is not covered by this day of action; it covers Port Maren."
    ]

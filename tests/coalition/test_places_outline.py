"""A pasted indented list of places creates the whole tree at once."""

import pytest

from coalition.errors import RuleBroken
from coalition.models import Place, PlaceKind
from coalition.services import places_create_from_outline

pytestmark = pytest.mark.django_db

OUTLINE = """
Northland
    Lakeshore (region)
        Port Maren (city)
            Harbourside
            Old Town
    Hill Country (region)
\t\tCorvin (city)
"""


def test_indentation_nests_places_and_brackets_give_kinds():
    created = places_create_from_outline(text=OUTLINE)
    assert [p.name for p in created] == [
        "Northland", "Lakeshore", "Port Maren", "Harbourside", "Old Town", "Hill Country", "Corvin",
    ]  # fmt: skip
    tree = {p.name: (p.parent.name if p.parent else None, p.kind) for p in Place.objects.all()}
    assert tree["Northland"] == (None, PlaceKind.NATION)
    assert tree["Lakeshore"] == ("Northland", PlaceKind.REGION)
    assert tree["Harbourside"] == ("Port Maren", PlaceKind.DISTRICT)
    assert tree["Old Town"] == ("Port Maren", PlaceKind.DISTRICT)
    # A tab is four spaces: two tabs put Corvin under Hill Country.
    assert tree["Corvin"] == ("Hill Country", PlaceKind.CITY)
    harbourside = Place.objects.get(name="Harbourside")
    assert harbourside.path.startswith(Place.objects.get(name="Northland").path)


def test_pasting_the_same_list_twice_creates_nothing():
    places_create_from_outline(text=OUTLINE)
    assert places_create_from_outline(text=OUTLINE) == []
    assert Place.objects.count() == 7


def test_a_broken_line_refuses_the_whole_list_and_names_the_line():
    with pytest.raises(RuleBroken, match="Line 3"):
        places_create_from_outline(text="Northland\n  Lakeshore (region)\n  Nowhere (galaxy)\n")
    assert not Place.objects.exists()


def test_a_place_larger_than_its_parent_is_refused_with_the_line():
    with pytest.raises(RuleBroken, match="Line 2: A nation cannot sit inside a city"):
        places_create_from_outline(text="Port Maren (city)\n  Northland (nation)\n")
    assert not Place.objects.exists()


def test_french_kind_words_are_understood():
    places_create_from_outline(text="France (pays)\n  Bretagne (région)\n    Nantes (ville)\n")
    assert Place.objects.get(name="Nantes").kind == PlaceKind.CITY


def test_an_empty_outline_is_refused():
    with pytest.raises(RuleBroken, match="at least one place"):
        places_create_from_outline(text="  \n\n")

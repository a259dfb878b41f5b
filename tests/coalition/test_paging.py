"""page_counted_with_rows: a page and its total in one query, as Paginator.get_page pages."""

from __future__ import annotations

import pytest
from django.core.paginator import Paginator

from coalition.models import Place
from coalition.paging import BoundedPaginator, page_counted_with_rows, page_of_ids
from tests.factories import make_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(db):
    for number in range(7):
        make_place(f"Street {number}")
    return Place.objects.order_by("name")


@pytest.mark.parametrize("number", [1, 2, 3, "2", "nonsense", None, 0, -4, 99])
def test_it_gives_what_get_page_gives(places, number):
    mine = page_counted_with_rows(places, 3, number)
    django = Paginator(places, 3).get_page(number)

    assert [place.name for place in mine] == [place.name for place in django]
    assert (mine.number, mine.paginator.count, mine.paginator.num_pages) == (
        django.number,
        django.paginator.count,
        django.paginator.num_pages,
    )
    assert (mine.has_next(), mine.has_previous()) == (django.has_next(), django.has_previous())


def test_a_page_and_its_total_cost_one_query(places, django_assert_num_queries):
    with django_assert_num_queries(1):
        page = page_counted_with_rows(places, 3, 2)
        assert page.paginator.count == 7
        assert len(page.object_list) == 3


def test_an_empty_list_is_one_empty_page(db, django_assert_num_queries):
    with django_assert_num_queries(1):
        page = page_counted_with_rows(Place.objects.filter(name="nowhere"), 3, 1)
    assert (list(page), page.paginator.count, page.number) == ([], 0, 1)


def _by_ids(ids):
    return Place.objects.filter(pk__in=ids)


@pytest.mark.parametrize("number", [1, 2, 3, "2", "nonsense", None, 0, -4, 99])
@pytest.mark.parametrize("limit", [4, 1000])
def test_a_page_of_ids_gives_what_the_bounded_paginator_gives(places, number, limit):
    mine = page_of_ids(places, 3, number, _by_ids, count_limit=limit)
    bounded = BoundedPaginator(places, 3, count_limit=limit).get_page(number)

    assert [place.name for place in mine] == [place.name for place in bounded]
    assert (mine.number, mine.paginator.count, mine.paginator.capped) == (
        bounded.number,
        bounded.paginator.count,
        bounded.paginator.capped,
    )
    assert (mine.has_next(), mine.has_previous()) == (bounded.has_next(), bounded.has_previous())


def test_a_page_of_ids_runs_the_filter_once(places, django_assert_num_queries):
    with django_assert_num_queries(2):
        page = page_of_ids(places, 3, 2, _by_ids, count_limit=5)
        # Numbered pages reach as far as the count: the fifth row.
        assert [place.name for place in page] == ["Street 3", "Street 4"]
    assert (page.paginator.count, page.paginator.capped) == (5, True)

"""The PostgreSQL query for ladder levels gives exactly the rows of the month-by-month
queries it replaces (used by the rollups and by seed_scale), on the awkward cases."""

from __future__ import annotations

import datetime as dt

import pytest

from members.models import LadderLevel, LadderStep
from reporting.rollups import (
    Span,
    _ladder_levels,
    _ladder_levels_by_month,
    _ladder_levels_sql,
    months_from,
)
from tests.factories import GroupFactory, PersonFactory, add_member, make_place

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_one_query_gives_the_rows_of_one_query_per_month():
    north, south = make_place("North"), make_place("South")
    first, second = GroupFactory(place=north), GroupFactory(place=south)
    low, mid, high = (
        LadderLevel.objects.create(name=f"Level {rank}", rank=rank, counts_as_leader=rank > 1)
        for rank in (101, 102, 103)
    )
    two_groups, no_group, same_month, early = PersonFactory.create_batch(4)
    add_member(first, two_groups)  # the first membership decides the place
    add_member(second, two_groups)
    add_member(second, same_month)
    add_member(first, early)
    for person, level, day in [
        (two_groups, low, dt.date(2025, 2, 3)),
        (two_groups, high, dt.date(2025, 5, 20)),
        (no_group, mid, dt.date(2025, 3, 31)),
        # Two steps in one month: only the later counts, from that month on.
        (same_month, low, dt.date(2025, 4, 2)),
        (same_month, high, dt.date(2025, 4, 28)),
        (same_month, mid, dt.date(2025, 4, 28)),  # same day: the later row wins
        # Before the span, and a step after its end that must not count.
        (early, mid, dt.date(2024, 11, 9)),
        (early, low, dt.date(2025, 9, 1)),
    ]:
        LadderStep.objects.create(person=person, level=level, at=day)
    span = Span(months_from(dt.date(2025, 1, 1), dt.date(2025, 7, 1)))

    def ordered(rows) -> list[tuple]:
        return sorted(rows, key=lambda row: (row[1], row[2], row[3] or 0))

    by_month = ordered(_ladder_levels_by_month(span))
    assert ordered(_ladder_levels_sql(span)) == by_month
    assert ordered(_ladder_levels(span)) == by_month
    assert ("ladder_level", str(mid.pk), dt.date(2025, 4, 1), south.pk, 1) in by_month
    assert ("ladder_level", str(mid.pk), dt.date(2025, 7, 1), None, 1) in by_month
    assert not [row for row in by_month if row[2] > dt.date(2025, 7, 1)]

"""The tie graph between groups, meetings per month, and the demo seed."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from coalition.models import PlaceKind
from members.models import LadderLevel, LadderStep, RelationalMeeting, Skill, Training
from members.selectors_relationships import group_ties, meeting_counts_by_month
from tests.factories import GroupFactory, PersonFactory, make_place

pytestmark = pytest.mark.django_db


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def meet(group_a, group_b, *, on=None):
    """A meeting recorded as it stands in the table (groups as they were at the time)."""
    return RelationalMeeting.objects.create(
        person_a=PersonFactory(), person_b=PersonFactory(), group_a=group_a, group_b=group_b,
        met_on=on or days_ago(1),
    )  # fmt: skip


@pytest.fixture
def city(db):
    return make_place("Port Maren", PlaceKind.CITY)


@pytest.fixture
def groups(city):
    north = make_place("North Quay", PlaceKind.DISTRICT, parent=city)
    elsewhere = make_place("Alder Falls", PlaceKind.CITY)
    return {
        "tenants": GroupFactory(name="Tenants", place=north),
        "nurses": GroupFactory(name="Nurses", place=city),
        "farmers": GroupFactory(name="Farmers", place=elsewhere),
        "cyclists": GroupFactory(name="Cyclists", place=elsewhere),
    }


class TestGroupTies:
    def test_a_tie_counts_meetings_both_ways_under_one_ordered_pair(self, groups):
        tenants, nurses = groups["tenants"], groups["nurses"]
        meet(tenants, nurses)
        meet(nurses, tenants)
        meet(tenants, nurses)

        low, high = sorted([tenants.pk, nurses.pk])
        assert group_ties() == {(low, high): 3}

    def test_meetings_inside_one_group_or_without_groups_are_no_ties(self, groups):
        tenants = groups["tenants"]
        meet(tenants, tenants)
        meet(tenants, None)
        meet(None, None)

        assert group_ties() == {}

    def test_several_pairs(self, groups):
        tenants, nurses, farmers = groups["tenants"], groups["nurses"], groups["farmers"]
        meet(farmers, tenants)
        meet(nurses, farmers)
        meet(nurses, farmers)

        def pair(x, y):
            return (min(x.pk, y.pk), max(x.pk, y.pk))

        assert group_ties() == {pair(farmers, tenants): 1, pair(nurses, farmers): 2}

    def test_a_place_keeps_the_ties_touching_it_or_anywhere_under_it(self, groups, city):
        tenants, nurses = groups["tenants"], groups["nurses"]
        farmers, cyclists = groups["farmers"], groups["cyclists"]
        meet(tenants, nurses)  # inside the city
        meet(farmers, tenants)  # reaching out of it
        meet(farmers, cyclists)  # elsewhere entirely

        ties = group_ties(place=city)

        assert set(ties) == {
            tuple(sorted([tenants.pk, nurses.pk])),
            tuple(sorted([farmers.pk, tenants.pk])),
        }

    def test_since_drops_older_meetings(self, groups):
        tenants, nurses = groups["tenants"], groups["nurses"]
        meet(tenants, nurses, on=days_ago(200))
        meet(tenants, nurses, on=days_ago(10))

        assert list(group_ties(since=days_ago(30)).values()) == [1]

    @pytest.mark.parametrize("size", [3, 40])
    def test_it_is_one_query_whatever_the_size(self, groups, city, size, django_assert_num_queries):
        listed = list(groups.values())
        for index in range(size):
            meet(listed[index % 4], listed[(index + 1) % 4])

        with django_assert_num_queries(1):
            ties = group_ties(place=city, since=days_ago(5))
        assert sum(ties.values()) <= size


class TestMeetingsByMonth:
    def test_meetings_are_counted_per_month_oldest_first(self, groups):
        tenants, nurses = groups["tenants"], groups["nurses"]
        meet(tenants, nurses, on=datetime.date(2024, 1, 5))
        meet(tenants, None, on=datetime.date(2024, 1, 30))
        meet(None, None, on=datetime.date(2024, 3, 1))

        assert meeting_counts_by_month() == [
            (datetime.date(2024, 1, 1), 2),
            (datetime.date(2024, 3, 1), 1),
        ]

    def test_a_place_keeps_the_meetings_where_either_group_is(self, groups, city):
        meet(groups["farmers"], groups["tenants"], on=datetime.date(2024, 2, 2))
        meet(groups["farmers"], groups["cyclists"], on=datetime.date(2024, 2, 3))
        meet(None, None, on=datetime.date(2024, 2, 4))

        assert meeting_counts_by_month(place=city) == [(datetime.date(2024, 2, 1), 1)]


class TestDemoSeed:
    def test_it_builds_a_ladder_skills_trainings_and_meetings_once(self, db):
        from coalition.demo import seed as seed_frame
        from members.demo_relationships import seed

        seed_frame()
        seed()
        counts = [
            model.objects.count()
            for model in (LadderLevel, LadderStep, Skill, Training, RelationalMeeting)
        ]
        seed()

        assert all(counts)
        assert [
            model.objects.count()
            for model in (LadderLevel, LadderStep, Skill, Training, RelationalMeeting)
        ] == counts

    def test_the_demo_people_join_signed_groups_and_make_ties(self, db, groups):
        from coalition.demo import seed as seed_frame
        from members.demo_relationships import seed
        from members.models import Stage

        for group in groups.values():
            group.stage = Stage.ALIGNED
            group.save()
        seed_frame()

        seed()

        assert group_ties()

"""Where the network is thin: empty places, groups without ties, groups that lapsed lately."""

from datetime import date, timedelta

import pytest
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from coalition.models import PlaceKind
from members import ties
from members.models import Group, RelationalMeeting, Stage
from members.services.groups import group_set_stage
from members.services.ties import group_ties_refresh
from tests.factories import GroupFactory, PersonFactory, make_place

pytestmark = pytest.mark.django_db

THIN = reverse("members:weave_thin")


@pytest.fixture
def places(db):
    region = make_place("Lowlands", PlaceKind.REGION)
    city = make_place("Portville", PlaceKind.CITY, region)
    harbour = make_place("Harbour", PlaceKind.NEIGHBOURHOOD, city)
    docks = make_place("Docks", PlaceKind.NEIGHBOURHOOD, city)
    hilltown = make_place("Hilltown", PlaceKind.CITY, region)
    return {
        "region": region,
        "city": city,
        "harbour": harbour,
        "docks": docks,
        "hilltown": hilltown,
    }


def names(page) -> list[str]:
    return [item.name for item in page.object_list]


def meet(group_a, group_b):
    return RelationalMeeting.objects.create(
        person_a=PersonFactory(), person_b=PersonFactory(), group_a=group_a, group_b=group_b,
        met_on=date(2025, 3, 1),
    )  # fmt: skip


def test_places_with_no_aligned_group_in_their_subtree(client, weaver, places):
    GroupFactory(name="Harbour Tenants", place=places["harbour"], stage=Stage.ALIGNED)
    GroupFactory(name="Hill Prospects", place=places["hilltown"], stage=Stage.PROSPECT)
    GroupFactory(name="Hill Lapsed", place=places["hilltown"], stage=Stage.LAPSED)
    client.force_login(weaver)

    response = client.get(THIN)

    # Portville and Lowlands hold an aligned group further down; Docks and Hilltown do not.
    assert names(response.context["places_page"]) == ["Docks", "Hilltown"]
    # Each with the place it sits in.
    assert "<td>Portville</td>" in response.content.decode()
    assert "<td>Lowlands</td>" in response.content.decode()


def test_a_producing_group_counts_as_being_there(client, weaver, places):
    GroupFactory(place=places["docks"], stage=Stage.PRODUCING)
    GroupFactory(place=places["harbour"], stage=Stage.ALIGNED)
    client.force_login(weaver)

    assert names(client.get(THIN).context["places_page"]) == ["Hilltown"]


def test_the_place_filter_narrows_every_list(client, weaver, places):
    harbour = GroupFactory(name="Harbour Tenants", place=places["harbour"], stage=Stage.ALIGNED)
    GroupFactory(name="Hill Clinic", place=places["hilltown"], stage=Stage.ALIGNED)
    lapsed = GroupFactory(name="Hill Lapsed", place=places["hilltown"], stage=Stage.CONTACTED)
    group_set_stage(group=lapsed, stage=Stage.LAPSED, by=weaver, reason="Stopped answering")
    client.force_login(weaver)

    response = client.get(THIN, {"place": places["city"].pk})

    assert names(response.context["places_page"]) == ["Docks"]
    assert names(response.context["untied_page"]) == [harbour.name]
    assert names(response.context["lapsed_page"]) == []


def test_aligned_groups_with_no_ties_to_another_group(client, weaver, places):
    met_one = GroupFactory(name="Met One", place=places["harbour"], stage=Stage.ALIGNED)
    met_two = GroupFactory(name="Met Two", place=places["docks"], stage=Stage.PRODUCING)
    alone = GroupFactory(name="Alone", place=places["docks"], stage=Stage.ALIGNED)
    inward = GroupFactory(name="Inward", place=places["docks"], stage=Stage.ALIGNED)
    half = GroupFactory(name="Half Known", place=places["docks"], stage=Stage.PRODUCING)
    prospect = GroupFactory(name="Prospect", place=places["docks"], stage=Stage.PROSPECT)
    meet(met_one, met_two)
    meet(inward, inward)  # two people of the same group: not a tie between groups
    meet(half, None)  # the other person spoke for no group
    meet(prospect, met_one)
    client.force_login(weaver)

    response = client.get(THIN)

    assert names(response.context["untied_page"]) == ["Alone", "Half Known", "Inward"]
    page = response.content.decode()
    assert reverse("members:weave_group", kwargs={"slug": alone.slug}) in page


def test_a_tie_on_either_side_of_the_meeting_counts(client, weaver, places):
    first = GroupFactory(name="First", place=places["docks"], stage=Stage.ALIGNED)
    second = GroupFactory(name="Second", place=places["docks"], stage=Stage.ALIGNED)
    meet(first, second)
    client.force_login(weaver)

    assert names(client.get(THIN).context["untied_page"]) == []


def test_other_apps_add_kinds_of_tie_through_the_registry(client, weaver, places, monkeypatch):
    monkeypatch.setattr(ties, "_sources", list(ties._sources))
    cohost = GroupFactory(name="Co-host", place=places["docks"], stage=Stage.ALIGNED)
    GroupFactory(name="Alone", place=places["docks"], stage=Stage.ALIGNED)

    # As actions will do for co-hosted actions: any Exists over Group rows.
    def cohosting_ties() -> Q:
        return Q(Exists(Group.objects.filter(pk=OuterRef("pk"), name="Co-host")))

    ties.tie_source_register(cohosting_ties)
    ties.tie_source_register(cohosting_ties)
    # The registering app refreshes the groups its rows tie (here: all of them).
    group_ties_refresh()
    client.force_login(weaver)

    assert names(client.get(THIN).context["untied_page"]) == ["Alone"]
    assert cohost.pk not in set(
        Group.objects.exclude(ties.tied_groups_q()).values_list("pk", flat=True)
    )


def test_groups_lapsed_in_the_last_ninety_days(client, weaver, places):
    recent = GroupFactory(name="Recently Lapsed", place=places["docks"], stage=Stage.CONTACTED)
    group_set_stage(
        group=recent, stage=Stage.LAPSED, by=weaver, reason="Their organiser moved away"
    )
    old = GroupFactory(name="Long Gone", place=places["docks"], stage=Stage.CONTACTED)
    group_set_stage(group=old, stage=Stage.LAPSED, by=weaver, reason="Gone")
    Group.objects.filter(pk=old.pk).update(stage_changed_at=timezone.now() - timedelta(days=91))
    back = GroupFactory(name="Came Back", place=places["docks"], stage=Stage.CONTACTED)
    group_set_stage(group=back, stage=Stage.LAPSED, by=weaver, reason="Quiet")
    group_set_stage(group=back, stage=Stage.CONTACTED, by=weaver, reason="Called again")
    client.force_login(weaver)

    response = client.get(THIN)

    assert names(response.context["lapsed_page"]) == ["Recently Lapsed"]
    assert "Their organiser moved away" in response.content.decode()


def test_long_lists_are_paginated(client, weaver, places):
    for number in range(30):
        make_place(f"Street {number:02}", PlaceKind.NEIGHBOURHOOD, places["hilltown"])
    client.force_login(weaver)

    first = client.get(THIN, {"place": places["hilltown"].pk})
    second = client.get(THIN, {"place": places["hilltown"].pk, "places_page": 2})

    assert first.context["places_page"].paginator.count == 31
    assert len(first.context["places_page"].object_list) == 25
    assert names(second.context["places_page"])[-1] == "Street 29"
    assert f"place={places['hilltown'].pk}&amp;places_page=2" in first.content.decode()


def test_a_bad_place_shows_everywhere_and_an_error(client, weaver, places):
    client.force_login(weaver)

    response = client.get(THIN, {"place": "nowhere"})

    assert response.status_code == 200
    assert response.context["form"].errors["place"]
    assert response.context["place"] is None


@pytest.mark.parametrize("size", [5, 60])
def test_the_thin_page_uses_a_fixed_number_of_queries(
    client, weaver, places, size, django_assert_num_queries
):
    for number in range(size):
        street = make_place(f"Street {number:02}", PlaceKind.NEIGHBOURHOOD, places["hilltown"])
        group = GroupFactory(place=street, stage=Stage.ALIGNED if number % 2 else Stage.LAPSED)
        if number % 3 == 0:
            meet(group, GroupFactory(place=street, stage=Stage.ALIGNED))
    client.force_login(weaver)
    client.get(THIN)

    # session, person, roles, coalition; places for the filter; count and page of
    # each of the three lists
    with django_assert_num_queries(11):
        client.get(THIN, {"place": places["region"].pk})

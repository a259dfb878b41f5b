"""PlaceCover stays exact: each way a group starts or stops covering a place shows."""

import pytest
from django.urls import reverse

from coalition.models import PlaceKind
from coalition.services import place_merge, place_relocate
from members.models import Group, PlaceCover, Stage
from members.services.groups import group_mark_aligned, group_set_stage
from members.services.place_cover import place_cover_rebuild
from tests.factories import GroupFactory, make_place

pytestmark = pytest.mark.django_db

THIN = reverse("members:weave_thin")


@pytest.fixture
def places(db):
    region = make_place("Lowlands", PlaceKind.REGION)
    city = make_place("Portville", PlaceKind.CITY, region)
    docks = make_place("Docks", PlaceKind.NEIGHBOURHOOD, city)
    hilltown = make_place("Hilltown", PlaceKind.CITY, region)
    return {"region": region, "city": city, "docks": docks, "hilltown": hilltown}


def thin_names(client) -> list[str]:
    return [place.name for place in client.get(THIN).context["places_page"].object_list]


def counts() -> dict[int, int]:
    return dict(
        PlaceCover.objects.filter(strong_groups__gt=0).values_list("place_id", "strong_groups")
    )


def rebuilt() -> dict[int, int]:
    place_cover_rebuild()
    return counts()


def test_a_group_that_lapses_leaves_its_places_thin(client, weaver, places):
    group = GroupFactory(place=places["docks"], stage=Stage.CONTACTED)
    group_mark_aligned(group=group, by=weaver, reason="Signed")
    client.force_login(weaver)
    assert thin_names(client) == ["Hilltown"]

    group_set_stage(group=group, stage=Stage.LAPSED, by=weaver, reason="Stopped answering")

    assert thin_names(client) == ["Lowlands", "Portville", "Docks", "Hilltown"]
    assert counts() == {}


def test_a_strong_group_moving_place_moves_the_cover(client, weaver, places):
    group = GroupFactory(place=places["docks"], stage=Stage.PRODUCING)
    GroupFactory(place=places["docks"], stage=Stage.ALIGNED)
    client.force_login(weaver)

    group.place = places["hilltown"]
    group.save()

    assert thin_names(client) == []
    assert counts() == {places["region"].pk: 2, places["city"].pk: 1, places["docks"].pk: 1,
                        places["hilltown"].pk: 1}  # fmt: skip
    assert counts() == rebuilt()


def test_saving_other_fields_or_a_stale_copy_keeps_the_counts(weaver, places):
    group = GroupFactory(place=places["docks"], stage=Stage.ALIGNED)
    stale = Group.objects.get(pk=group.pk)
    group_set_stage(group=group, stage=Stage.LAPSED, by=weaver, reason="Gone")

    stale.name = "Renamed"
    stale.save(update_fields=["name"])
    group.refresh_from_db()
    group.description = "Still lapsed"
    group.save()

    assert counts() == {} == rebuilt()


def test_a_deleted_strong_group_no_longer_covers(client, weaver, places):
    GroupFactory(place=places["docks"], stage=Stage.ALIGNED).delete()
    client.force_login(weaver)

    assert "Docks" in thin_names(client)
    assert counts() == {}


def test_moving_a_place_moves_what_it_covers(
    client, weaver, places, django_capture_on_commit_callbacks
):
    GroupFactory(place=places["docks"], stage=Stage.ALIGNED)
    client.force_login(weaver)

    with django_capture_on_commit_callbacks(execute=True):
        place_relocate(place=places["docks"], parent=places["hilltown"])

    assert thin_names(client) == ["Portville"]
    assert counts() == rebuilt()


def test_merging_places_keeps_the_counts_exact(
    client, weaver, places, django_capture_on_commit_callbacks
):
    GroupFactory(place=places["docks"], stage=Stage.ALIGNED)
    client.force_login(weaver)

    with django_capture_on_commit_callbacks(execute=True):
        place_merge(absorbed=places["city"], kept=places["hilltown"])

    assert thin_names(client) == []
    assert counts() == {places["region"].pk: 1, places["hilltown"].pk: 1, places["docks"].pk: 1}

"""Stewards and the steering committee keep the network's places in the app; the old roles
page now leads to the people page (tests/coalition/test_people_page.py)."""

import pytest

from coalition.models import Place, PlaceKind

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("outsider", 403),
        ("group_admin", 403),
        ("weaver", 403),
        ("steering_member", 200),
        ("steward", 200),
    ],
)
def test_only_stewards_and_the_steering_committee_keep_places(client, request, who, status):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))

    assert client.get("/network/places/").status_code == status
    # An empty form is refused as bad input by those who may post, and by
    # permission by everyone else.
    assert client.post("/network/places/", {}).status_code == (400 if status == 200 else status)


def test_the_old_roles_page_sends_stewards_to_the_people_page(client, steward):
    client.force_login(steward)

    response = client.get("/network/roles/")

    assert response.status_code == 301
    assert response["Location"] == "/network/people/"


def test_the_steering_committee_no_longer_opens_the_roles_page(client, steering_member):
    client.force_login(steering_member)

    assert client.get("/network/roles/").status_code == 403


def test_a_steward_adds_places_in_the_tree(client, steward):
    client.force_login(steward)

    client.post("/network/places/", {"name": "Northland", "kind": PlaceKind.NATION})
    nation = Place.objects.get(name="Northland")
    client.post(
        "/network/places/", {"name": "Port Maren", "kind": PlaceKind.CITY, "parent": nation.pk}
    )

    assert Place.objects.get(name="Port Maren").path.startswith(nation.path)


def test_a_place_larger_than_its_parent_is_refused(client, steward, place):
    client.force_login(steward)

    response = client.post(
        "/network/places/", {"name": "Huge", "kind": PlaceKind.NATION, "parent": place.pk}
    )

    assert response.status_code == 400
    assert "cannot sit inside" in response.content.decode()


@pytest.mark.parametrize("parent", ["²", "9" * 30, "abc"])
def test_a_place_inside_a_parent_that_cannot_exist_is_a_form_error(client, steward, parent):
    client.force_login(steward)

    response = client.post(
        "/network/places/", {"name": "Nowhere", "kind": PlaceKind.CITY, "parent": parent}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["parent"]

"""Stewards keep the network's roles and places in the app."""

import pytest

from coalition.models import NetworkRole, Place, PlaceKind

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/network/roles/", "/network/places/"])
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
def test_only_stewards_and_the_steering_committee_get_in(client, request, url, who, status):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))

    assert client.get(url).status_code == status
    # An empty form is refused as bad input by those who may post, and by
    # permission by everyone else.
    assert client.post(url, {}).status_code == (400 if status == 200 else status)


def test_a_steward_gives_and_removes_a_role(client, steward, outsider):
    client.force_login(steward)

    client.post("/network/roles/", {"email": "OUTSIDER@example.net", "role": "weaver"})
    grant = NetworkRole.objects.get(person=outsider)
    assert grant.role == "weaver" and grant.granted_by == steward

    client.post("/network/roles/", {"revoke": grant.pk})
    assert not NetworkRole.objects.filter(person=outsider).exists()


def test_an_unknown_address_is_a_clear_error(client, steward):
    client.force_login(steward)

    response = client.post("/network/roles/", {"email": "nobody@example.net", "role": "weaver"})

    assert response.status_code == 400
    assert "No account with that address" in response.content.decode()


def test_a_steward_cannot_remove_their_own_stewardship(client, steward):
    client.force_login(steward)
    own = NetworkRole.objects.get(person=steward)

    client.post("/network/roles/", {"revoke": own.pk})

    assert NetworkRole.objects.filter(pk=own.pk).exists()


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


@pytest.mark.parametrize("revoke", ["abc", "²", "9" * 30, "-1", "1.5"])
def test_removing_a_role_that_cannot_exist_is_a_400_and_removes_nothing(
    client, steward, outsider, revoke
):
    NetworkRole.objects.create(person=outsider, role="weaver")
    client.force_login(steward)

    response = client.post("/network/roles/", {"revoke": revoke})

    assert response.status_code == 400
    assert NetworkRole.objects.filter(person=outsider).exists()


@pytest.mark.parametrize("parent", ["²", "9" * 30, "abc"])
def test_a_place_inside_a_parent_that_cannot_exist_is_a_form_error(client, steward, parent):
    client.force_login(steward)

    response = client.post(
        "/network/places/", {"name": "Nowhere", "kind": PlaceKind.CITY, "parent": parent}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["parent"]

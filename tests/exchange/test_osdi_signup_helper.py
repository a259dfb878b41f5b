"""The OSDI person signup helper: creates or updates by email, adds tags, and never tells
someone who could not see a person whether their address was already known."""

from __future__ import annotations

import pytest

from exchange.models import PersonAddress, Tag, Tagging
from members.models import User
from tests.factories import GroupFactory, PersonFactory, add_member

pytestmark = pytest.mark.django_db

URL = "/api/osdi/v1/people/person_signup_helper"


def _body(email: str, **person) -> dict:
    return {
        "person": {
            "given_name": person.get("given_name", "Grace"),
            "family_name": person.get("family_name", "Hopper"),
            "email_addresses": [{"address": email}],
            "phone_numbers": [{"number": "+1 555 0100"}],
            "postal_addresses": [{"postal_code": "10001", "locality": "New York", "country": "us"}],
        },
        "add_tags": person.get("tags", ["volunteer", "Volunteer ", "speaker"]),
    }


def _tags(person) -> set[str]:
    return set(Tagging.objects.filter(person=person).values_list("tag__name", flat=True))


def test_it_creates_a_person_with_address_and_tags(osdi_post, weaver):
    response = osdi_post(weaver, URL, _body("Grace@Example.net"))

    assert response.status_code == 200
    person = User.objects.get(email="grace@example.net")
    assert person.name == "Grace Hopper" and person.phone == "+1 555 0100"
    assert not person.has_usable_password()
    address = PersonAddress.objects.get(person=person)
    assert (address.postal_code, address.locality, address.country) == ("10001", "New York", "US")
    assert _tags(person) == {"volunteer", "speaker"}
    doc = response.json()
    assert doc["identifiers"] == [f"coalition:{person.pk}"]
    assert doc["given_name"] == "Grace"


def test_it_updates_an_existing_person_by_email_and_adds_tags(osdi_post, weaver):
    known = PersonFactory(email="grace@example.net", name="G. H.")
    Tagging.objects.create(person=known, tag=Tag.objects.create(name="donor"))

    response = osdi_post(weaver, URL, _body("GRACE@example.net", tags=["speaker"]))

    assert response.status_code == 200
    assert User.objects.filter(email__iexact="grace@example.net").count() == 1
    known.refresh_from_db()
    assert known.name == "Grace Hopper"
    assert _tags(known) == {"donor", "speaker"}
    assert response.json()["identifiers"] == [f"coalition:{known.pk}"]


def test_tags_are_one_per_name_ignoring_case(osdi_post, weaver):
    Tag.objects.create(name="Volunteer")

    osdi_post(weaver, URL, _body("a@example.net", tags=["volunteer"]))
    osdi_post(weaver, URL, _body("b@example.net", tags=["VOLUNTEER"]))

    assert list(Tag.objects.values_list("name", flat=True)) == ["Volunteer"]
    assert Tagging.objects.count() == 2


def test_no_oracle_for_someone_who_cannot_see_the_person(osdi_post, group_admin, place):
    """A group admin signing up a stranger who exists and a brand-new address gets the same
    answer; the stranger's details are not overwritten."""
    stranger = PersonFactory(email="known@example.net", name="Kim Known")
    add_member(GroupFactory(name="Other", slug="other", place=place), stranger)

    known = osdi_post(group_admin, URL, _body("known@example.net", given_name="Evil"))
    new = osdi_post(group_admin, URL, _body("new@example.net", given_name="Evil"))

    assert known.status_code == new.status_code == 200
    known_body, new_body = known.json(), new.json()
    for body in (known_body, new_body):
        body["email_addresses"] = None
        assert "identifiers" not in body and "self" not in body["_links"]
    assert known_body == new_body
    stranger.refresh_from_db()
    assert stranger.name == "Kim Known"
    assert _tags(stranger) == {"volunteer", "speaker"}


def test_a_group_admin_updates_their_own_member(osdi_post, group_admin, group_member):
    response = osdi_post(group_admin, URL, _body("member@example.net", given_name="Maureen"))

    assert response.json()["identifiers"] == [f"coalition:{group_member.pk}"]
    group_member.refresh_from_db()
    assert group_member.name == "Maureen Hopper"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"person": {"email_addresses": [{"address": "not-an-email"}]}}, "email"),
        ({"person": {"email_addresses": []}}, "person.email_addresses"),
        ({"person": {"given_name": "No email"}}, "person.email_addresses"),
        (
            {
                "person": {"email_addresses": [{"address": "x@example.net"}]},
                "add_tags": ["t" * 101],
            },
            "add_tags.0",
        ),
        ([1, 2], "non_field_errors"),
    ],
)
def test_bad_input_is_a_400_with_a_clear_message(osdi_post, weaver, body, field):
    response = osdi_post(weaver, URL, body)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"]
    if field != "non_field_errors":
        assert any(name.startswith(field) for name in error.get("fields", {})), error
    assert User.objects.count() == 1


def test_people_without_the_right_cannot_sign_anyone_up(osdi_post, group_member, coordinator):
    for person in (group_member, coordinator, None):
        response = osdi_post(person, URL, _body("someone@example.net"))
        assert response.status_code in {401, 403}
    assert not User.objects.filter(email="someone@example.net").exists()


def test_a_personal_api_token_works(client, weaver):
    import json

    from api.services.tokens import token_create

    _token, key = token_create(person=weaver, name="OSDI sync")

    response = client.post(
        URL, json.dumps(_body("token@example.net")), content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )  # fmt: skip
    people = client.get("/api/osdi/v1/people", HTTP_AUTHORIZATION=f"Bearer {key}")

    assert response.status_code == 200
    assert people.status_code == 200 and people.json()["total_records"] == 2


def test_the_postal_address_is_in_my_data_and_goes_with_erasure(weaver):
    from privacy import registry

    PersonAddress.objects.create(person=weaver, postal_code="N1 9GU", country="GB")
    (provider,) = [p for p in registry.providers() if p.name == "postal_address"]

    assert provider.export(weaver) == [{"postal_code": "N1 9GU", "locality": "", "country": "GB"}]
    assert provider.erase(weaver) == 1
    assert not PersonAddress.objects.exists()

"""The OSDI person signup helper writes only what the caller owns: their group's supporter
record for the address, never another person's account, and the same answer either way."""

from __future__ import annotations

import json

import pytest

from exchange.models import PersonAddress, Supporter, Tagging
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
            "phone_numbers": [{"number": person.get("phone", "+1 555 0100")}],
            "postal_addresses": [{"postal_code": "10001", "locality": "New York", "country": "us"}],
        },
        "add_tags": person.get("tags", ["volunteer", "Volunteer ", "speaker"]),
    }


def _account_tags(person) -> set[str]:
    return set(Tagging.objects.filter(person=person).values_list("tag__name", flat=True))


def test_an_unknown_address_becomes_a_supporter_of_the_group_not_an_account(
    osdi_post, group_admin, group
):
    response = osdi_post(group_admin, URL, _body("Grace@Example.net"))

    assert response.status_code == 200, response.content
    assert not User.objects.filter(email__iexact="grace@example.net").exists()
    supporter = Supporter.objects.get()
    assert supporter.group == group and supporter.email == "grace@example.net"
    assert (supporter.given_name, supporter.family_name) == ("Grace", "Hopper")
    assert (supporter.phone, supporter.postal_code, supporter.country) == (
        "+1 555 0100",
        "10001",
        "US",
    )
    assert set(supporter.tags.values_list("name", flat=True)) == {"volunteer", "speaker"}
    doc = response.json()
    assert doc["identifiers"] == [f"coalition-supporter:{supporter.pk}"]
    assert doc["custom_fields"]["group"] == group.slug


def test_an_existing_account_is_never_rewritten_by_a_group_admin(
    osdi_post, group_admin, group_member
):
    """Not even the group's own member: the account is theirs; the group keeps its record."""
    before = (group_member.name, group_member.phone)

    response = osdi_post(group_admin, URL, _body("member@example.net", given_name="Evil"))

    assert response.status_code == 200
    group_member.refresh_from_db()
    assert (group_member.name, group_member.phone) == before
    assert not PersonAddress.objects.filter(person=group_member).exists()
    assert _account_tags(group_member) == set()
    assert Supporter.objects.get(email="member@example.net").given_name == "Evil"


def test_a_staff_account_cannot_be_tagged_through_the_helper(osdi_post, group_admin):
    staff = PersonFactory(email="staff@example.net", name="Sam Staff", is_staff=True)

    osdi_post(group_admin, URL, _body("staff@example.net", tags=["troublemaker"]))

    assert _account_tags(staff) == set()
    staff.refresh_from_db()
    assert staff.name == "Sam Staff"


def test_the_answer_is_the_same_whether_the_address_has_an_account(osdi_post, group_admin, place):
    stranger = PersonFactory(email="known@example.net", name="Kim Known")
    add_member(GroupFactory(name="Other", slug="other", place=place), stranger)

    known = osdi_post(group_admin, URL, _body("known@example.net", given_name="Evil"))
    new = osdi_post(group_admin, URL, _body("new@example.net", given_name="Evil"))

    assert known.status_code == new.status_code == 200
    known_body, new_body = known.json(), new.json()
    assert set(known_body) == set(new_body)
    for body in (known_body, new_body):
        for volatile in ("identifiers", "email_addresses", "created_date", "modified_date"):
            body.pop(volatile)
    assert known_body == new_body
    stranger.refresh_from_db()
    assert stranger.name == "Kim Known"
    assert _account_tags(stranger) == set()


def test_a_person_updates_their_own_account_partially(osdi_post, group_admin):
    group_admin.name, group_admin.phone = "Ada Admin", "+44 20 7946 0000"
    group_admin.save()
    body = {
        "person": {"given_name": "Adaline", "email_addresses": [{"address": group_admin.email}]}
    }

    response = osdi_post(group_admin, URL, body)

    assert response.status_code == 200
    group_admin.refresh_from_db()
    assert group_admin.name == "Adaline Admin"
    assert group_admin.phone == "+44 20 7946 0000"


def test_sending_only_the_given_name_keeps_the_rest_of_the_record(osdi_post, group_admin):
    osdi_post(group_admin, URL, _body("grace@example.net"))
    body = {
        "person": {"given_name": "Gracie", "email_addresses": [{"address": "grace@example.net"}]}
    }

    osdi_post(group_admin, URL, body)

    supporter = Supporter.objects.get()
    assert (supporter.given_name, supporter.family_name) == ("Gracie", "Hopper")
    assert supporter.phone == "+1 555 0100" and supporter.locality == "New York"


def test_each_group_keeps_its_own_record_of_an_address(osdi_post, group_admin, outsider):
    osdi_post(group_admin, URL, _body("grace@example.net", given_name="Grace"))
    osdi_post(outsider, URL, _body("grace@example.net", given_name="Amazing"))

    names = dict(Supporter.objects.values_list("group__slug", "given_name"))
    assert names == {"riverside-tenants": "Grace", "hillside-parents": "Amazing"}


def test_a_caller_with_several_groups_names_one(osdi_post, client, group_admin, place):
    other = GroupFactory(name="Second", slug="second", place=place)
    add_member(other, group_admin, "contact")

    unnamed = osdi_post(group_admin, URL, _body("grace@example.net"))
    foreign = client.post(
        URL + "?group=hillside", json.dumps(_body("grace@example.net")),
        content_type="application/json",
    )  # fmt: skip
    named = client.post(
        URL + "?group=second", json.dumps(_body("grace@example.net")),
        content_type="application/json",
    )  # fmt: skip

    assert unnamed.status_code == 400 and unnamed.json()["error"]["fields"]["group"]
    assert foreign.status_code == 400
    assert named.status_code == 200
    assert Supporter.objects.get().group == other


def test_a_weaver_without_a_group_is_told_supporters_belong_to_a_group(osdi_post, weaver):
    response = osdi_post(weaver, URL, _body("grace@example.net"))

    assert response.status_code == 400
    assert "group" in response.json()["error"]["message"]
    assert not Supporter.objects.exists()
    assert not User.objects.filter(email="grace@example.net").exists()


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
def test_bad_input_is_a_400_with_a_clear_message(osdi_post, group_admin, body, field):
    response = osdi_post(group_admin, URL, body)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"]
    if field != "non_field_errors":
        assert any(name.startswith(field) for name in error.get("fields", {})), error
    assert not Supporter.objects.exists()


def test_people_without_the_right_cannot_sign_anyone_up(osdi_post, group_member, coordinator):
    for person in (group_member, coordinator, None):
        response = osdi_post(person, URL, _body("someone@example.net"))
        assert response.status_code in {401, 403}
    assert not Supporter.objects.exists()


def test_a_personal_api_token_works(client, group_admin):
    from api.services.tokens import token_create

    _token, key = token_create(person=group_admin, name="OSDI sync")

    response = client.post(
        URL, json.dumps(_body("token@example.net")), content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )  # fmt: skip

    assert response.status_code == 200
    assert Supporter.objects.filter(email="token@example.net").exists()


def test_the_postal_address_is_in_my_data_and_goes_with_erasure(weaver):
    from privacy import registry

    PersonAddress.objects.create(person=weaver, postal_code="N1 9GU", country="GB")
    (provider,) = [p for p in registry.providers() if p.name == "postal_address"]

    assert provider.export(weaver) == [{"postal_code": "N1 9GU", "locality": "", "country": "GB"}]
    assert provider.erase(weaver) == 1
    assert not PersonAddress.objects.exists()


def test_supporter_records_under_my_address_are_in_my_data_and_go_with_erasure(
    osdi_post, group_admin, weaver
):
    osdi_post(group_admin, URL, _body(weaver.email))
    from privacy import registry

    (provider,) = [p for p in registry.providers() if p.name == "supporter_records"]

    assert [row["group__name"] for row in provider.export(weaver)] == ["Riverside Tenants"]
    assert provider.erase(weaver) >= 1
    assert not Supporter.objects.exists()

"""The OSDI documents have the shapes of the OSDI examples, page correctly, and cost a fixed
number of queries whatever the number of records."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from actions.models import Participation
from exchange.models import PersonAddress, Tag, Tagging
from tests.factories import PersonFactory, add_member, make_action

pytestmark = pytest.mark.django_db

AEP = "/api/osdi/v1/"
COLLECTION_KEYS = {"total_pages", "per_page", "page", "total_records", "_links", "_embedded"}


def _curie_ok(links: dict) -> None:
    (curie,) = links["curies"]
    assert curie["name"] == "osdi" and curie["templated"] is True and "{rel}" in curie["href"]


def test_the_entry_point_is_hal_json_with_every_osdi_link(osdi_get):
    response = osdi_get(None, AEP)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/hal+json")
    body = response.json()
    assert {"motd", "max_pagesize", "vendor_name", "product_name", "osdi_version"} <= set(body)
    links = body["_links"]
    for rel in (
        "self", "osdi:people", "osdi:events", "osdi:attendances", "osdi:tags",
        "osdi:taggings", "osdi:person_signup_helper",
    ):  # fmt: skip
        assert links[rel]["href"].startswith("http://testserver/api/osdi/v1/"), rel
    _curie_ok(links)
    assert links["osdi:person_signup_helper"]["href"].endswith("/people/person_signup_helper")


def test_people_collection_has_the_osdi_envelope_and_person_fields(osdi_get, weaver, group):
    ada = PersonFactory(email="ada@example.net", name="Ada Lovelace", phone="+44 20 7946 0000")
    PersonAddress.objects.create(person=ada, postal_code="N1 9GU", locality="London", country="GB")
    Tagging.objects.create(person=ada, tag=Tag.objects.create(name="volunteer"))

    body = osdi_get(weaver, AEP + "people", per_page=100).json()

    assert set(body) >= COLLECTION_KEYS
    assert body["page"] == 1 and body["per_page"] == 100 and body["total_records"] == 2
    people = body["_embedded"]["osdi:people"]
    assert body["_links"]["osdi:people"] == [person["_links"]["self"] for person in people]
    _curie_ok(body["_links"])
    doc = next(person for person in people if person["given_name"] == "Ada")
    assert doc["identifiers"] == [f"coalition:{ada.pk}"]
    assert doc["family_name"] == "Lovelace"
    assert doc["email_addresses"] == [
        {"address": "ada@example.net", "primary": True, "status": "subscribed"}
    ]
    assert doc["phone_numbers"][0]["number"] == "+44 20 7946 0000"
    assert doc["postal_addresses"] == [
        {"primary": True, "postal_code": "N1 9GU", "locality": "London", "country": "GB"}
    ]
    assert doc["created_date"].endswith("Z") and doc["modified_date"].endswith("Z")
    assert doc["custom_fields"] == {"tags": ["volunteer"]}
    assert doc["_links"]["self"]["href"].endswith(f"/api/osdi/v1/people/{ada.pk}")
    one = osdi_get(weaver, doc["_links"]["self"]["href"]).json()
    assert one == doc


def test_pages_link_to_next_and_prev(osdi_get, weaver):
    PersonFactory.create_batch(4)  # five people with the weaver

    first = osdi_get(weaver, AEP + "people", per_page=2).json()
    second = osdi_get(weaver, first["_links"]["next"]["href"]).json()
    last = osdi_get(weaver, second["_links"]["next"]["href"]).json()
    by_number = osdi_get(weaver, AEP + "people", per_page=2, page=2).json()

    assert first["total_pages"] == 3 and first["total_records"] == 5
    assert "prev" not in first["_links"]
    # next carries the last record's position: the next page starts there, skipping nothing.
    assert "?page=2&per_page=2&after=" in first["_links"]["next"]["href"]
    assert second["_links"]["prev"]["href"].endswith("?page=1&per_page=2")
    assert "?page=3&per_page=2&after=" in second["_links"]["next"]["href"]
    assert "next" not in last["_links"] and len(last["_embedded"]["osdi:people"]) == 1
    assert by_number["_embedded"] == second["_embedded"]
    seen = [
        p["identifiers"][0]
        for page in (first, second, last)
        for p in page["_embedded"]["osdi:people"]
    ]
    assert len(set(seen)) == 5


@pytest.mark.parametrize("query", [{"page": "0"}, {"page": "x"}, {"per_page": "101"}])
def test_bad_paging_is_a_400_in_the_api_error_shape(osdi_get, weaver, query):
    response = osdi_get(weaver, AEP + "people", **query)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == 400 and error["fields"]
    assert "whole number" in error["message"]


def test_event_document_has_osdi_fields(osdi_get, group, group_admin):
    action = make_action(
        group, by=group_admin, title="Clean air walk", capacity=30, address="1 High St",
        latitude=51.5, longitude=-0.1, description="Walk with us.",
    )  # fmt: skip

    body = osdi_get(None, AEP + "events").json()

    (doc,) = body["_embedded"]["osdi:events"]
    assert doc["identifiers"] == [f"coalition:{action.pk}"]
    assert doc["title"] == doc["name"] == "Clean air walk"
    assert doc["description"] == "Walk with us."
    assert doc["status"] == "confirmed" and doc["capacity"] == 30 and doc["total_accepted"] == 0
    assert doc["start_date"].endswith("Z") and doc["end_date"].endswith("Z")
    assert doc["browser_url"].endswith(f"/actions/{action.pk}/")
    assert doc["location"]["venue"] == "1 High St"
    assert doc["location"]["address_lines"] == ["1 High St"]
    assert doc["location"]["locality"] == "Riverside"
    assert doc["location"]["location"] == {"latitude": 51.5, "longitude": -0.1}
    assert doc["_links"]["osdi:attendances"]["href"].endswith(
        f"/api/osdi/v1/events/{action.pk}/attendances"
    )


def test_attendance_document_links_event_and_person(osdi_get, group, group_admin, group_member):
    action = make_action(group, by=group_admin)
    account = Participation.objects.create(
        action=action, name="Mo Member", email="member@example.net", person=group_member
    )
    Participation.objects.create(
        action=action, name="Rita Rsvp", email="rita@example.net", status="cancelled"
    )

    body = osdi_get(group_admin, AEP + f"events/{action.pk}/attendances").json()

    assert set(body) >= COLLECTION_KEYS and body["total_records"] == 2
    by_name = {
        a["_embedded"]["osdi:person"]["given_name"]: a
        for a in body["_embedded"]["osdi:attendances"]
    }
    mo, rita = by_name["Mo"], by_name["Rita"]
    assert mo["status"] == "accepted" and rita["status"] == "declined"
    assert mo["identifiers"] == [f"coalition:{account.pk}"]
    assert mo["_links"]["osdi:event"]["href"].endswith(f"/api/osdi/v1/events/{action.pk}")
    assert mo["_links"]["osdi:person"]["href"].endswith(f"/api/osdi/v1/people/{group_member.pk}")
    assert "osdi:person" not in rita["_links"]  # no account: the person travels embedded
    assert rita["_embedded"]["osdi:person"]["email_addresses"][0]["address"] == "rita@example.net"


def test_tags_and_taggings_link_each_other(osdi_get, weaver, group_member):
    tag = Tag.objects.create(name="Volunteer")
    tagging = Tagging.objects.create(tag=tag, person=group_member)

    tags = osdi_get(weaver, AEP + "tags").json()
    taggings = osdi_get(weaver, AEP + f"tags/{tag.pk}/taggings").json()

    (tag_doc,) = tags["_embedded"]["osdi:tags"]
    assert tag_doc["name"] == "Volunteer" and tag_doc["identifiers"] == [f"coalition:{tag.pk}"]
    (tagging_doc,) = taggings["_embedded"]["osdi:taggings"]
    assert tagging_doc["identifiers"] == [f"coalition:{tagging.pk}"]
    assert tagging_doc["_links"]["osdi:tag"]["href"] == tag_doc["_links"]["self"]["href"]
    assert tagging_doc["_links"]["osdi:person"]["href"].endswith(f"/people/{group_member.pk}")
    assert osdi_get(weaver, tagging_doc["_links"]["self"]["href"]).json() == tagging_doc


# --- A fixed number of queries at two sizes ---------------------------------------


def _queries(client, user, url: str) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries)


def _grow(group, admin, size: int) -> None:
    tag = Tag.objects.get_or_create(name="supporter")[0]
    for _n in range(size):
        person = PersonFactory()
        add_member(group, person)
        PersonAddress.objects.create(person=person, postal_code="AB1 2CD")
        Tagging.objects.create(tag=tag, person=person)
        action = make_action(group, by=admin)
        Participation.objects.create(
            action=action, name=person.name, email=person.email, person=person
        )


@pytest.mark.parametrize(
    "path",
    ["people", "events", "attendances", "tags", "taggings", "people/{member}/taggings"],
)
def test_each_collection_costs_the_same_queries_at_two_sizes(
    client, path, group, group_admin, group_member
):
    url = AEP + path.format(member=group_member.pk)
    _grow(group, group_admin, 2)
    small = _queries(client, group_admin, url)
    _grow(group, group_admin, 20)
    large = _queries(client, group_admin, url)

    assert small == large


def test_a_large_collection_leaves_its_totals_out(osdi_get, weaver, monkeypatch):
    monkeypatch.setattr("exchange.osdi.TOTAL_LIMIT", 3)
    PersonFactory.create_batch(4)

    body = osdi_get(weaver, AEP + "people", per_page=2).json()

    assert "total_records" not in body and "total_pages" not in body
    assert body["page"] == 1 and len(body["_embedded"]["osdi:people"]) == 2
    assert "next" in body["_links"]


@pytest.mark.parametrize(
    "params",
    [{"after": "forged"}, {"after": "WzJd:1xa5nq:OZEqStNK5aDRiaIKBY13ADEImJIvx7l"}, {"page": 5000}],
)
def test_a_bad_page_link_or_a_bare_page_too_deep_is_a_400(osdi_get, weaver, params):
    response = osdi_get(weaver, AEP + "people", per_page=100, **params)

    assert response.status_code == 400
    assert response.json()["error"]["fields"]


@pytest.mark.parametrize("path", ["people", "events", "attendances"])
def test_following_next_costs_what_the_first_page_costs(client, osdi_get, path, group, group_admin):
    _grow(group, group_admin, 6)
    url = AEP + path + "?per_page=2"
    first = _queries(client, group_admin, url)
    following = osdi_get(group_admin, url).json()["_links"]["next"]["href"]

    assert "after=" in following
    assert _queries(client, group_admin, following) == first

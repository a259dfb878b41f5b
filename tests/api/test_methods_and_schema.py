"""A method an address does not serve answers 405 before any question of who is asking,
and the schema says sees_rsvps may be null, as the API answers it."""

from __future__ import annotations

import pytest

from actions.models import Amplification
from tests.factories import GroupFactory, add_member, make_action

pytestmark = pytest.mark.django_db

WRONG = [
    ("put", "/api/v1/actions/"),
    ("delete", "/api/v1/places/"),
    ("patch", "/api/v1/groups/"),
    ("post", "/api/v1/days/"),
    ("put", "/api/v1/amplifications/"),
    ("post", "/api/osdi/v1/people"),
    ("delete", "/api/osdi/v1/tags"),
    ("put", "/api/osdi/v1/people/person_signup_helper"),
    ("post", "/api/v1/"),
]


@pytest.mark.parametrize(("method", "url"), WRONG)
@pytest.mark.parametrize("who", ["anonymous", "bad_token", "member"])
def test_a_wrong_method_answers_405_whoever_asks(client, group_member, bearer, method, url, who):
    headers = {
        "anonymous": {},
        "bad_token": {"HTTP_AUTHORIZATION": "Bearer not-a-key"},
        "member": bearer(group_member),
    }[who]

    response = getattr(client, method)(url, "{}", content_type="application/json", **headers)

    assert response.status_code == 405, response.content
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert "Allow" in response


def test_a_right_method_still_asks_who_is_asking(client, signed_group):
    response = client.post("/api/v1/actions/", "{}", content_type="application/json")

    assert response.status_code == 401


def test_the_schema_says_sees_rsvps_may_be_null(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    field = schema["components"]["schemas"]["Amplification"]["properties"]["sees_rsvps"]
    assert field.get("nullable") is True and field["type"] == "boolean"


def test_the_api_answers_null_sees_rsvps_to_others_than_the_hosts(
    client, signed_group, place, outsider
):
    action = make_action(signed_group)
    cohost = GroupFactory(name="Co", slug="co", place=place)
    add_member(cohost, outsider, "admin")
    Amplification.objects.create(action=action, group=cohost, kind="cohost", sees_rsvps=True)

    body = client.get("/api/v1/amplifications/").json()

    assert [row["sees_rsvps"] for row in body["results"]] == [None]


def test_each_create_links_to_the_detail_of_what_it_made(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]

    links = paths["/api/v1/actions/"]["post"]["responses"]["201"]["links"]
    assert links["v1_actions_retrieve"] == {
        "operationId": "v1_actions_retrieve",
        "parameters": {"id": "$response.body#/id"},
        "description": "The row this request created.",
    }
    linked = [
        path
        for path, operations in paths.items()
        if operations.get("post", {}).get("responses", {}).get("201", {}).get("links")
    ]
    assert len(linked) >= 4
    for path in linked:
        for link in paths[path]["post"]["responses"]["201"]["links"].values():
            assert any(
                op.get("operationId") == link["operationId"]
                for operations in paths.values()
                for op in operations.values()
                if isinstance(op, dict)
            )


def test_each_list_links_its_first_row_to_that_rows_detail(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]

    links = paths["/api/v1/groups/"]["get"]["responses"]["200"]["links"]
    assert links["v1_groups_retrieve"]["parameters"] == {"slug": "$response.body#/results/0/slug"}
    assert links["v1_actions_create"]["requestBody"] == {
        "group": "$response.body#/results/0/slug",
        "place": "$response.body#/results/0/place/id",
    }
    action_links = paths["/api/v1/actions/"]["get"]["responses"]["200"]["links"]
    assert action_links["v1_participations_create"]["requestBody"] == {
        "action": "$response.body#/results/0/id"
    }
    for path in paths:
        if path.endswith("}/"):
            list_path = path.rsplit("{", 1)[0]
            assert paths[list_path]["get"]["responses"]["200"]["links"], list_path


def test_no_two_links_lead_to_one_operation_from_the_same_status(client):
    """Schemathesis 3 keeps one link per target and status code: a second would silently
    replace the first, and the state machine could get stuck on the first's answers."""
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]

    seen = []
    for operations in paths.values():
        for operation in operations.values():
            for status, response in operation["responses"].items():
                seen += [
                    (link["operationId"], status) for link in response.get("links", {}).values()
                ]
    assert len(seen) == len(set(seen)) >= 20

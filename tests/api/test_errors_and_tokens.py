"""Tokens (the page, the Bearer header, revocation) and the one error shape of the API."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.models import ApiToken
from coalition.models import AuditEntry, AuditVerb

pytestmark = pytest.mark.django_db


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["status"] == response.status_code
    assert body["error"]["code"] and body["error"]["message"]
    return body["error"]


# --- The tokens page ----------------------------------------------------------


def test_a_person_creates_a_token_and_sees_its_key_once(client, group_member):
    client.force_login(group_member)

    created = client.post("/me/tokens/", {"name": "CRM sync"})
    again = client.get("/me/tokens/")

    token = ApiToken.objects.get(person=group_member)
    key = created.context["new_key"]
    assert created.status_code == 200
    assert key.startswith(token.prefix) and key in created.content.decode()
    assert token.key_hash != key and len(token.key_hash) == 64
    assert key not in again.content.decode() and token.prefix in again.content.decode()
    assert AuditEntry.objects.filter(verb=AuditVerb.TOKEN_CREATED, actor=group_member).count() == 1


def test_a_token_needs_a_name(client, group_member):
    client.force_login(group_member)

    response = client.post("/me/tokens/", {"name": "  "})

    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_the_tokens_page_needs_a_login(client):
    assert client.get("/me/tokens/").status_code == 302


def test_a_person_revokes_their_token_and_it_stops_working(client, group_member, make_token):
    key = make_token(group_member)
    token = ApiToken.objects.get(person=group_member)
    client.force_login(group_member)

    response = client.post(f"/me/tokens/{token.pk}/revoke/")
    client.logout()
    refused = client.get("/api/v1/participations/", HTTP_AUTHORIZATION=f"Bearer {key}")

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEntry.objects.filter(verb=AuditVerb.TOKEN_REVOKED).count() == 1
    assert refused.status_code == 401
    assert error_of(refused)["code"] == "authentication_failed"


def test_nobody_revokes_someone_elses_token(client, group_member, outsider, make_token):
    make_token(group_member)
    token = ApiToken.objects.get(person=group_member)
    client.force_login(outsider)

    response = client.post(f"/me/tokens/{token.pk}/revoke/")

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_tokens_page_lists_only_ones_own_tokens_in_fixed_queries(
    client, group_member, outsider, make_token, django_assert_num_queries
):
    make_token(outsider, "not mine")
    client.force_login(group_member)
    make_token(group_member, "first")
    client.get("/me/tokens/")
    with CaptureQueriesContext(connection) as one:
        client.get("/me/tokens/")
    for n in range(5):
        make_token(group_member, f"more {n}")
    with django_assert_num_queries(len(one)):
        response = client.get("/me/tokens/")
    assert "not mine" not in response.content.decode()


# --- The Bearer header --------------------------------------------------------


def test_a_token_authenticates_as_its_person(client, group_member, make_token):
    key = make_token(group_member)

    response = client.get("/api/v1/participations/", HTTP_AUTHORIZATION=f"Bearer {key}")

    assert response.status_code == 200


@pytest.mark.parametrize(
    "header", ["Bearer coa_unknownkey", "Bearer", "Bearer a b", "Bearer \u00e9"]
)
def test_an_unknown_or_malformed_token_is_401_in_the_error_shape(client, header):
    response = client.get("/api/v1/actions/", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert error_of(response)["code"] == "authentication_failed"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_last_used_is_written_at_most_once_a_minute(client, group_member, make_token):
    key = make_token(group_member)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    client.get("/api/v1/actions/", **headers)
    first = ApiToken.objects.get().last_used_at
    client.get("/api/v1/actions/", **headers)
    second = ApiToken.objects.get().last_used_at
    ApiToken.objects.update(last_used_at=timezone.now() - datetime.timedelta(minutes=2))
    client.get("/api/v1/actions/", **headers)
    third = ApiToken.objects.get().last_used_at

    assert first is not None and second == first
    assert third > first - datetime.timedelta(minutes=1)


def test_an_inactive_persons_token_is_refused(client, group_member, make_token):
    key = make_token(group_member)
    group_member.is_active = False
    group_member.save()

    response = client.get("/api/v1/actions/", HTTP_AUTHORIZATION=f"Bearer {key}")

    assert response.status_code == 401


def test_session_writes_need_the_csrf_token(group_member, signed_group):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(group_member)

    response = strict.post(
        "/api/v1/actions/",
        data=json.dumps({"group": signed_group.slug}),
        content_type="application/json",
    )

    assert response.status_code == 403
    assert "CSRF" in error_of(response)["message"]


def test_anonymous_reading_a_personal_list_gets_401(client):
    response = client.get("/api/v1/participations/")

    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"


# --- The error shape ----------------------------------------------------------


def test_an_unknown_api_address_is_a_json_404(client):
    response = client.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert error_of(response)["code"] == "not_found"


def test_a_post_to_an_unknown_api_address_is_a_json_404_too(db):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/api/v2/anything/", {"a": "b"})

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_an_unknown_object_is_a_json_404(client, db):
    response = client.get("/api/v1/actions/999999/")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_an_id_beyond_the_database_is_a_404_not_a_500(client, db):
    assert client.get(f"/api/v1/actions/{2**70}/").status_code == 404


def test_a_wrong_method_is_a_json_405(client, db):
    response = client.delete("/api/v1/actions/")

    assert response.status_code in {401, 405}
    assert error_of(response)


def test_a_wrong_method_when_logged_in_is_405(client, group_member, bearer):
    response = client.put("/api/v1/actions/", **bearer(group_member))

    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"


def test_bad_json_is_a_400_in_the_error_shape(client, group_member, bearer):
    response = client.post(
        "/api/v1/actions/",
        data="{not json",
        content_type="application/json",
        **bearer(group_member),
    )

    assert response.status_code == 400
    assert error_of(response)["code"] == "parse_error"


def test_a_form_body_is_refused_with_415(client, group_member, bearer):
    response = client.post("/api/v1/actions/", {"title": "x"}, **bearer(group_member))

    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"


def test_invalid_fields_are_listed_by_name(client, group_member, bearer):
    response = client.post(
        "/api/v1/actions/", data={"kind": "nonsense"}, content_type="application/json",
        **bearer(group_member),
    )  # fmt: skip

    error = error_of(response)
    assert response.status_code == 400
    assert error["code"] == "invalid"
    assert {"group", "title", "kind", "place", "starts_at", "ends_at"} <= set(error["fields"])


def test_throttled_callers_get_429_in_the_error_shape(client, db, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anonymous": "2/minute", "person": "2/minute"},
    }
    statuses = [client.get("/api/v1/places/").status_code for _ in range(3)]

    response = client.get("/api/v1/places/")
    assert statuses == [200, 200, 429]
    assert error_of(response)["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


def test_a_broken_rule_is_a_400_with_its_message_and_field():
    from rest_framework.test import APIRequestFactory

    from api.errors import exception_handler
    from coalition.errors import RuleBroken

    request = APIRequestFactory().get("/")
    response = exception_handler(
        RuleBroken("Give the action a title.", field="title"), {"request": request}
    )

    assert response.status_code == 400
    assert response.data == {
        "error": {
            "status": 400,
            "code": "rule_broken",
            "message": "Give the action a title.",
            "fields": {"title": ["Give the action a title."]},
        }
    }


def test_an_unexpected_error_is_a_json_500(caplog):
    from api.errors import exception_handler

    response = exception_handler(ZeroDivisionError("boom"), {})

    assert response.status_code == 500
    assert response.data["error"]["code"] == "server_error"
    assert "boom" not in json.dumps(response.data)

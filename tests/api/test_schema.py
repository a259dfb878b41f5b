"""The OpenAPI schema, checked by Schemathesis over every operation with a real token for
each kind of account, one request at a time and then along the schema's links (stateful);
and the Swagger UI page under the Content-Security-Policy.

Every check schemathesis has for a response runs, none left out: no 5xx, the status code,
content type, headers and body as the schema says, and a write that needs a token refuses
a request without one (``ignored_auth``, asked only where the schema says a token is
required: schemathesis 3 reads OpenAPI's "or anonymous" ``{}`` as no alternative). The
figures per kind of account are printed at the end of the run (tests/api/conftest.py).
"""

from __future__ import annotations

import datetime
import re
from html import unescape as html_unescape

import pytest
import schemathesis
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.exceptions import CheckFailed
from schemathesis.generation import GenerationConfig
from schemathesis.specs.openapi.checks import ignored_auth

from actions.models import Amplification, Participation, SupportRequest, Tactic
from convergence.models import Event
from reporting.models import ClimateSignal, Win
from tests.factories import GroupFactory, make_action, make_day

KINDS = ("anonymous", "group_member", "group_admin", "weaver", "steward")


def token_required_is_enforced(ctx, response, case):
    """``ignored_auth`` where the operation requires a token (no ``{}`` among its security
    requirements): a 2xx with a token must be a 401 without one or with a wrong one."""
    if {} in case.operation.definition.raw.get("security", []):
        return None
    # ignored_auth tries made-up credentials and needs somewhere to put them.
    case.headers, case.query, case.cookies = (
        case.headers or {},
        case.query or {},
        case.cookies or {},
    )
    return ignored_auth(ctx, response, case)


CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    token_required_is_enforced,
)
# Bounded so the five kinds of account, one request at a time and along the links, take
# well under three minutes together on two cores with SQLite.
EXAMPLES = hypothesis_settings(
    max_examples=8,
    deadline=datetime.timedelta(seconds=5),
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
WORKFLOWS = hypothesis_settings(
    max_examples=30,
    stateful_step_count=10,
    deadline=datetime.timedelta(seconds=10),
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def wsgi_in_test_transaction(settings):
    """Call the real WSGI app inside the test's transaction, with no throttling.

    Django closes "old" connections at each request's start and end; in a
    test that would close the connection holding the test's transaction, so
    (like Django's own test client) the hooks are off during the run.
    """
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anonymous": "100000/minute", "person": "100000/minute"},
    }
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(signed_group, actions, policy):
    """Something of every kind for the links to lead to: an open day of action with an
    event, a full action, an amplification, a support request, an RSVP, a win, a signal,
    and a second signed group's action that the first group may amplify."""
    place = signed_group.place
    Tactic.objects.create(
        title="Street stall", slug="street-stall", summary="A table and a petition."
    )
    day = make_day(places=[place])
    Event.objects.create(day=day, action=make_action(signed_group, title="Day walk"))
    make_action(signed_group, title="Full walk", capacity=1)
    Amplification.objects.create(action=actions["public"], group=signed_group, kind="endorse")
    SupportRequest.objects.create(action=actions["public"], kind="money", amount=50)
    Participation.objects.create(action=actions["public"], name="Pat", email="pat@example.net")
    Win.objects.create(
        title="Clean air zone", won_on=datetime.date(2024, 5, 1), level="full", place=place,
        is_public=True, description="How it was won",
    )  # fmt: skip
    ClimateSignal.objects.create(
        kind="legislator", source="Cllr Example", said_on=timezone.localdate(),
        stance="neutral", place=place,
    )  # fmt: skip
    neighbours = GroupFactory(name="Neighbours for Air", place=place)
    neighbours.signed_version = signed_group.signed_version
    neighbours.save(update_fields=["signed_version"])
    return {"day": day, "group": signed_group, "other_action": make_action(neighbours)}


@pytest.fixture
def api_schema(db, wsgi_in_test_transaction, world):
    document = SchemaGenerator().get_schema(request=None, public=True)
    # Each kind of account sends its own real token: none are made up from the schema.
    return schemathesis.from_dict(
        document,
        app=wsgi_in_test_transaction,
        generation_config=GenerationConfig(with_security_parameters=False),
    )


@pytest.fixture
def tokens(request, make_token) -> dict[str, dict[str, str]]:
    """The headers of each kind of account: a real token each, none for anonymous."""
    headers = {"anonymous": {}}
    for kind in KINDS[1:]:
        person = request.getfixturevalue(kind)
        headers[kind] = {"Authorization": f"Bearer {make_token(person, name='schemathesis')}"}
    return headers


def checked(tally, case, response, headers, **kwargs) -> None:
    """Every check on one answer; a failure is counted for the summary, then raised."""
    tally.record(case, response)
    try:
        case.validate_response(response, checks=CHECKS, headers=headers, **kwargs)
    except CheckFailed:
        tally.failures += 1
        raise


schema = schemathesis.from_pytest_fixture("api_schema")


@schema.parametrize()
@EXAMPLES
def test_every_operation_holds_for_each_kind_of_account(case, tokens, schemathesis_tally):
    """Each generated request is sent as each kind of account in turn."""
    for kind in KINDS:
        headers = tokens[kind]
        response = case.call(headers=headers)
        checked(
            schemathesis_tally(kind), case, response, headers, transport_kwargs={"headers": headers}
        )


@pytest.mark.parametrize("kind", KINDS)
def test_workflows_along_the_links_hold_for_each_kind_of_account(
    api_schema, kind, tokens, schemathesis_tally
):
    headers = tokens[kind]
    tally = schemathesis_tally(kind)

    class Workflow(api_schema.as_state_machine()):
        def _add_results_to_targets(self, targets, results):
            # Schemathesis 3 files each answer under the link it can follow by overriding
            # hypothesis's _add_result_to_targets, which hypothesis has since renamed to
            # this; without it no link is ever followed. Answers no link starts from (a
            # 401, a 400) are dropped, as schemathesis meant.
            for result in results:
                target = self._get_target_for_result(result) if result is not None else None
                if target is not None:
                    super()._add_results_to_targets((target,), [result])

        def get_call_kwargs(self, case):
            return {"headers": headers}

        def validate_response(self, response, case, additional_checks=()):
            checked(
                tally, case, response, headers,
                additional_checks=additional_checks,
                transport_kwargs=self._transport_kwargs,
            )  # fmt: skip

    Workflow.TestCase.settings = WORKFLOWS
    Workflow.TestCase().runTest()


def _valid_bodies(world, actions) -> dict[str, dict]:
    """A body each write operation should accept from someone allowed to make it."""
    group, day = world["group"], world["day"]
    start = day.starts_at + datetime.timedelta(hours=2)
    end = start + datetime.timedelta(hours=1)
    action = {
        "group": group.slug, "title": "Bike bus", "kind": "event", "place": group.place_id,
        "starts_at": start.isoformat(), "ends_at": end.isoformat(),
    }  # fmt: skip
    return {
        "/api/v1/actions/": action,
        "/api/v1/events/": {**action, "title": "Day bike bus", "day": day.slug},
        "/api/v1/amplifications/": {
            "action": world["other_action"].pk,
            "group": group.slug,
            "kind": "endorse",
        },
        "/api/v1/participations/": {
            "action": actions["public"].pk,
            "name": "Sam Sample",
            "email": "sam@example.net",
            "consent": True,
        },
        "/api/v1/support-requests/": {
            "action": actions["public"].pk,
            "kind": "people",
            "amount": 4,
        },
    }


def test_every_write_with_a_valid_body_holds_for_each_kind_of_account(
    api_schema, world, actions, tokens, schemathesis_tally
):
    """Generated bodies are mostly refused (a made-up group or place), so each write is also
    sent a body built from real rows by each kind of account: whoever may make it gets a 201,
    the others their refusal, and every answer goes through every check."""
    bodies = _valid_bodies(world, actions)
    writes = [
        operation.ok()
        for operation in api_schema.get_all_operations()
        if operation.ok().method.upper() == "POST"
    ]
    assert {operation.path for operation in writes} == set(bodies)
    created: dict[str, list[str]] = {}
    for operation in writes:
        for kind in KINDS:
            headers = tokens[kind]
            case = operation.make_case(body=bodies[operation.path])
            response = case.call(headers=headers)
            checked(
                schemathesis_tally(kind), case, response, headers,
                transport_kwargs={"headers": headers},
            )  # fmt: skip
            if response.status_code == 201:
                created.setdefault(operation.path, []).append(kind)
    # Every write was really made by someone, and by the people the pages let make it.
    assert set(created) == set(bodies), created
    assert "group_admin" in created["/api/v1/actions/"]
    assert "group_admin" in created["/api/v1/amplifications/"]
    assert "group_admin" in created["/api/v1/support-requests/"]
    assert "anonymous" not in created["/api/v1/actions/"]


# --- The schema and the docs page ------------------------------------------------


@pytest.mark.django_db
def test_the_schema_documents_every_api_list_with_its_cursor_and_errors(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    document = response.json()

    operation = document["paths"]["/api/v1/actions/"]["get"]
    params = {param["name"] for param in operation["parameters"]}
    assert {"cursor", "page_size", "place", "kind", "tactic", "date_from", "date_to"} <= params
    assert {"200", "400", "401", "403", "404", "429"} <= set(operation["responses"])
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    v1 = [path for path in document["paths"] if path.startswith("/api/v1/")]
    assert len(v1) >= 23


@pytest.mark.django_db
def test_the_docs_page_runs_under_the_csp_with_no_inline_script_or_cdn(client):
    page = client.get("/api/docs/")
    html = page.content.decode()
    csp = page["Content-Security-Policy"]
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)

    assert page.status_code == 200
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert len(scripts) == 3
    for attributes, body in scripts:
        assert body.strip() == ""
        src = html_unescape(re.search(r'src="([^"]+)"', attributes).group(1))
        assert src.startswith("/"), "served from this site, no CDN"
        if src.startswith(settings.STATIC_URL):
            # The sidecar's files, served by whitenoise from the static files.
            assert finders.find(src.removeprefix(settings.STATIC_URL)), src
        else:
            script = client.get(src)
            assert script.status_code == 200
            assert script["Content-Type"].startswith("application/javascript")
            assert "SwaggerUIBundle" in script.content.decode()
    assert "<style" not in html and "style=" not in html
    assert "http://" not in html.replace("http://testserver", "")
    assert "https://" not in html

"""The OpenAPI schema, checked by Schemathesis over every operation, anonymous and as a
group admin with a token; and the Swagger UI page under the Content-Security-Policy."""

from __future__ import annotations

import re
from html import unescape as html_unescape

import pytest
import schemathesis
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import make_action, make_day

CHECKS = (not_a_server_error, response_schema_conformance, status_code_conformance)
# Bounded so both runs together take well under a minute on SQLite.
EXAMPLES = hypothesis_settings(
    max_examples=12,
    deadline=None,
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
def api_schema(db, wsgi_in_test_transaction, signed_group, actions, policy):
    make_day(places=[signed_group.place])
    make_action(signed_group, title="Full walk", capacity=1)
    document = SchemaGenerator().get_schema(request=None, public=True)
    return schemathesis.from_dict(document, app=wsgi_in_test_transaction)


@pytest.fixture
def admin_token(group_admin, make_token) -> str:
    return make_token(group_admin)


schema = schemathesis.from_pytest_fixture("api_schema")


@schema.parametrize()
@EXAMPLES
def test_the_whole_schema_holds_for_anonymous_callers(case):
    response = case.call_wsgi()
    case.validate_response(response, checks=CHECKS)


@schema.parametrize()
@EXAMPLES
def test_the_whole_schema_holds_for_a_group_admin_with_a_token(case, admin_token):
    response = case.call_wsgi(headers={"Authorization": f"Bearer {admin_token}"})
    case.validate_response(response, checks=CHECKS)


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

"""Every API write, fed a body over the size limit, JSON nested too deep, or a day out of range.

None of them may answer 5xx: too large is a 413 and too deep a 400, both in
the API's JSON error shape.
"""

from __future__ import annotations

import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("post", "put", "patch", "delete")
DEEP = "[" * 50_000 + "]" * 50_000
JUST_DEEP = "[" * 40 + "]" * 40
FAR_DAYS = json.dumps(
    {
        "title": "Far away",
        "starts_at": "9999-12-31T23:59:59+14:00",
        "ends_at": "9999-12-31T23:59:59+14:00",
        "won_on": "9999-12-31",
        "said_on": "0001-01-01",
        "date_to": "9999-12-31",
    }
)


def _routes(patterns=None, prefix: str = ""):
    """(route text, view class) of every address whose view writes."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            view = getattr(entry.callback, "cls", None) or getattr(
                entry.callback, "view_class", None
            )
            route = prefix + str(entry.pattern)
            if view is not None and route.startswith("api/"):
                methods = [method for method in WRITE_METHODS if hasattr(view, method)]
                if methods:
                    yield route, methods


def _address(route: str, *, pk: int, slug: str) -> str:
    path = route.replace("<int:pk>", str(pk)).replace("<slug:slug>", slug)
    return "/" + path.lstrip("^").rstrip("$")


def _write_routes():
    return sorted({(route, method) for route, methods in _routes() for method in methods})


def test_the_write_routes_are_found():
    routes = dict(_write_routes())
    assert "api/v1/actions/" in routes
    assert "api/osdi/v1/people/person_signup_helper" in routes


@pytest.mark.parametrize(
    "body",
    ["huge", "deep", "far_days"],
)
def test_no_api_write_answers_5xx_to_a_bad_body(client, settings, actions, weaver, bearer, body):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    content = {
        "huge": json.dumps({"title": "x" * 200_000}),
        "deep": DEEP,
        "far_days": FAR_DAYS,
    }[body]
    action = actions["public"]
    headers = bearer(weaver)
    seen = []
    for route, method in _write_routes():
        url = _address(route, pk=action.pk, slug=action.host_group.slug)
        response = getattr(client, method)(url, content, content_type="application/json", **headers)
        seen.append((method.upper(), url, response.status_code))
        assert response.status_code < 500, (method, url, response.content[:300])
        assert response["Content-Type"].split(";")[0] in {
            "application/json",
            "application/hal+json",
        }, (method, url)
    assert len(seen) >= 5


@pytest.mark.parametrize("url", ["/api/v1/actions/", "/api/osdi/v1/people/person_signup_helper"])
def test_a_body_over_the_limit_answers_413_in_the_error_shape(
    client, settings, signed_group, weaver, bearer, url
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000

    response = client.post(
        url,
        json.dumps({"title": "x" * 200_000}),
        content_type="application/json",
        **bearer(weaver),
    )

    assert response.status_code == 413
    error = response.json()["error"]
    assert error["status"] == 413 and error["code"] == "too_large"
    assert "100000" in error["message"]


@pytest.mark.parametrize("content", [DEEP, JUST_DEEP], ids=["50000-levels", "40-levels"])
@pytest.mark.parametrize("url", ["/api/v1/actions/", "/api/osdi/v1/people/person_signup_helper"])
def test_json_nested_too_deep_answers_400_with_a_message(
    client, signed_group, weaver, bearer, url, content
):
    response = client.post(url, content, content_type="application/json", **bearer(weaver))

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "parse_error"
    assert "nested too deeply" in error["message"]

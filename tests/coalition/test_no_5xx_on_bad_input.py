"""Every page route, sent each class of bad input that once gave a 500, answers below 500.

The classes (issue #17): a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``, JSON nested far
deeper than any parser should follow, and days no calendar can hold (year 9999, year 1)
in every date field of the page's own form and in every date filter of the query. Routes
are walked as in tests/coalition/test_invalid_forms.py (a new route is covered
automatically), each as a person the permission table lets use it. The API's writes get
the same classes in tests/api/test_no_5xx_on_bad_bodies.py.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.core.cache import cache

from tests.coalition.test_invalid_forms import EXCLUDED, NOT_OURS, REFUSED, allowed_role, checked
from tests.permission_table import EXPECTED, ROLES
from tests.test_permission_matrix import _client_for, routes, url_of

# The matrix's fixtures (the cast and one of everything), used here by name.
from tests.test_permission_matrix import cast as cast
from tests.test_permission_matrix import world as world

pytestmark = pytest.mark.django_db

LIMIT = 50_000
HUGE = {"title": "x" * (2 * LIMIT), "name": "y" * (2 * LIMIT)}
DEEP = "[" * 50_000 + "]" * 50_000
# Values for each kind of date input, at both ends of what no calendar holds.
FAR = {
    "high": {"date": "9999-12-31", "datetime-local": "9999-12-31T23:59", "month": "9999-12"},
    "low": {"date": "0001-01-01", "datetime-local": "0001-01-01T00:00", "month": "0001-01"},
}
# Query filters the pages and feeds take a day or a moment in.
DATE_FILTERS = (
    "date_from", "date_to", "since", "until", "from", "to", "start", "end", "month", "day",
    "date", "year", "week",
)  # fmt: skip
# Pages that take a POST: those the empty-body test checks, and its buttons too.
POSTED = sorted(
    name
    for name in {*checked(), *(name for name in EXCLUDED if name in EXPECTED)}
    if EXPECTED[name].post is not None
)


class _Fields(HTMLParser):
    """The names and current values of a page's form fields, and which are dates."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.dates: dict[str, str] = {}
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        name = attributes.get("name")
        if tag == "input" and name:
            kind = (attributes.get("type") or "text").lower()
            if kind in FAR["high"]:
                self.dates[name] = kind
            elif kind in {"checkbox", "radio"}:
                if "checked" in attributes:
                    self.values[name] = attributes.get("value") or "on"
            elif kind not in {"file", "submit", "button"}:
                self.values.setdefault(name, attributes.get("value") or "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and attributes.get("value"):
            if "selected" in attributes or self._select not in self.values:
                self.values[self._select] = attributes["value"]
        elif tag == "textarea" and name:
            self.values.setdefault(name, "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def _answer(client, url: str, method: str = "get", data=None, **extra) -> int:
    cache.clear()  # rate limits are not what is tested here
    response = getattr(client, method)(url, data, **extra)
    return response.status_code


@pytest.mark.parametrize("name", POSTED)
def test_no_page_answers_5xx_to_a_huge_or_deep_body(name, cast, world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = LIMIT
    role = allowed_role(name)
    url = url_of(name, EXPECTED[name], world)
    client = _client_for(cast[role])

    huge = _answer(client, url, "post", HUGE)
    deep = _answer(client, url, "post", DEEP, content_type="application/json")

    # Below 500 whatever the view does first (a button never reads the body; a lookup
    # may 404 first); a view that reads the form answers 413 (the next test).
    assert huge < 500 and deep < 500, (name, role, huge, deep)


@pytest.mark.parametrize("name", ["reporting:win_new", "members:profile", "actions:new"])
def test_a_form_body_over_the_limit_answers_413_saying_the_limit(name, cast, world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = LIMIT
    role = allowed_role(name)
    client = _client_for(cast[role])

    response = client.post(url_of(name, EXPECTED[name], world), HUGE)

    assert response.status_code == 413
    assert "Too much sent at once" in response.content.decode()
    assert "48.8\xa0KB" in response.content.decode()


@pytest.mark.parametrize("end", ["high", "low"])
@pytest.mark.parametrize("name", POSTED)
def test_no_page_answers_5xx_to_far_days_in_its_own_form(name, end, cast, world):
    role = allowed_role(name)
    url = url_of(name, EXPECTED[name], world)
    client = _client_for(cast[role])
    page = client.get(url)
    fields = _Fields()
    if page.status_code == 200 and "html" in page.get("Content-Type", ""):
        fields.feed(page.content.decode())
    body = {**fields.values, **{name: FAR[end][kind] for name, kind in fields.dates.items()}}
    body.pop("csrfmiddlewaretoken", None)

    status = _answer(client, url, "post", body)

    assert status < 500, (name, role, sorted(fields.dates), status)


def _read() -> list[str]:
    """Every page route of ours that answers a GET to someone."""
    return sorted(
        name
        for name, expect in EXPECTED.items()
        if not name.startswith(NOT_OURS)
        and expect.get is not None
        and name in routes()
        and any(answer not in REFUSED for answer in expect.get.values())
    )


@pytest.mark.parametrize("end", ["high", "low"])
@pytest.mark.parametrize("name", _read())
def test_no_page_answers_5xx_to_far_days_in_its_filters(name, end, cast, world):
    expect = EXPECTED[name]
    role = next(
        role for role in (*ROLES[1:], ROLES[0]) if expect.get.get(role) not in (*REFUSED, None)
    )
    url = url_of(name, expect, world)
    client = _client_for(cast[role])
    joiner = "&" if "?" in url else "?"
    query = "&".join(f"{key}={FAR[end]['date']}" for key in DATE_FILTERS)

    status = _answer(client, f"{url}{joiner}{query}")
    moments = _answer(client, f"{url}{joiner}starts_at={FAR[end]['datetime-local']}")

    assert status < 500 and moments < 500, (name, role, status, moments)


@pytest.mark.parametrize("end", ["high", "low"])
def test_no_api_list_answers_5xx_to_far_days_in_its_filters(client, weaver, end):
    client.force_login(weaver)
    lists = client.get("/api/v1/").json()
    query = dict.fromkeys(DATE_FILTERS, FAR[end]["date"])

    answers = {url: client.get(url, query).status_code for url in lists.values()}

    assert len(answers) >= 10
    assert all(status < 500 for status in answers.values()), answers

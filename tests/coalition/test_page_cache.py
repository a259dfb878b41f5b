"""The page cache: a kept page is answered again only while nothing was written,
only to its own session, with secrets of its own request."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.exceptions import MiddlewareNotUsed
from django.db import connection
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.test.utils import CaptureQueriesContext

from actions.models import Action, Tactic
from coalition import page_cache
from tests.factories import (
    GroupFactory,
    PersonFactory,
    add_member,
    consent_to_current_policy,
    make_action,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    # As production sets them with a shared cache.
    settings.PAGE_CACHE_SECONDS = 30
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    cache.clear()


def queries_for(client: Client, path: str) -> tuple[int, bytes]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured), response.content


def tactic(name: str) -> Tactic:
    return Tactic.objects.create(
        title=name, slug=name.lower().replace(" ", "-"), summary="Walk it."
    )


def test_a_kept_page_is_answered_again_without_its_queries():
    tactic("Air quality walk")
    client = Client()
    first, content = queries_for(client, "/playbook/")
    again, content_again = queries_for(client, "/playbook/")
    assert first > 0
    assert again == 0
    assert without_tokens(content_again) == without_tokens(content)


def without_tokens(content: bytes) -> bytes:
    """The page with its CSRF tokens (fresh for every answer) left out."""
    return page_cache.MASKED_TOKEN.sub(b"", content)


def test_a_write_ends_every_kept_page():
    tactic("Air quality walk")
    client = Client()
    queries_for(client, "/playbook/")
    tactic("Street banner")
    count, content = queries_for(client, "/playbook/")
    assert count > 0
    assert b"Street banner" in content


def test_a_bulk_update_that_sends_no_signal_ends_kept_pages_too():
    group = GroupFactory(name="Harbour Tenants")
    action = make_action(group, title="Air quality walk")
    client = Client()
    _, content = queries_for(client, f"/actions/{action.pk}/")
    assert b"Air quality walk" in content
    Action.objects.filter(pk=action.pk).update(title="Canal clean-up")
    _, content = queries_for(client, f"/actions/{action.pk}/")
    assert b"Canal clean-up" in content
    assert b"Air quality walk" not in content


def test_a_write_still_in_its_transaction_does_not_move_the_version():
    from django.db import transaction

    client = Client()
    queries_for(client, "/playbook/")
    before = page_cache.current_version()
    with transaction.atomic():
        tactic("Street banner")
        assert page_cache.current_version() == before
    assert page_cache.current_version() != before


def test_a_page_is_kept_for_its_own_session_only():
    first = PersonFactory(name="Imogen Varga")
    second = PersonFactory(name="Tobiah Lenz")
    for person in (first, second):
        consent_to_current_policy(person)
    add_member(GroupFactory(name="Harbour Tenants"), first, role="admin")
    add_member(GroupFactory(name="Canal Friends"), second, role="admin")
    one, two = Client(), Client()
    one.force_login(first)
    two.force_login(second)
    assert b"Harbour Tenants" in one.get("/me/groups/").content
    count, content = queries_for(two, "/me/groups/")
    assert count > 0
    assert b"Canal Friends" in content
    assert b"Harbour Tenants" not in content


def test_each_answer_carries_a_csrf_token_of_its_own_request():
    group = GroupFactory(name="Harbour Tenants")
    action = make_action(group, title="Air quality walk")
    path = f"/actions/{action.pk}/"
    tokens = []
    for _ in range(2):
        client = Client(enforce_csrf_checks=True)
        response = client.get(path)
        secret = response.cookies["csrftoken"].value
        token = response.content.split(b'name="csrfmiddlewaretoken" value="')[1].split(b'"')[0]
        assert _unmask_cipher_token(token.decode()) == secret
        tokens.append(token)
    assert tokens[0] != tokens[1]
    assert page_cache.CSRF_MARK not in response.content


def test_a_page_showing_a_message_is_neither_kept_nor_answered_from_the_cache():
    tactic("Air quality walk")
    client = Client()
    queries_for(client, "/playbook/")
    session = client.session
    session["_messages"] = "[]"
    session.save()
    count, _ = queries_for(client, "/playbook/")
    assert count > 0


def test_a_request_with_an_api_token_is_never_answered_from_the_cache():
    client = Client()
    queries_for(client, "/api/v1/actions/")
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/v1/actions/", HTTP_AUTHORIZATION="Bearer not-a-real-token")
    assert response.status_code == 401
    assert len(captured) > 0


def test_the_api_rate_limit_still_counts_answers_from_the_cache(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anonymous": "2/minute", "person": "600/minute"},
    }
    client = Client()
    statuses = [client.get("/api/v1/actions/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_a_route_outside_the_list_is_never_kept():
    client = Client()
    client.get("/healthz")
    with CaptureQueriesContext(connection) as captured:
        client.get("/healthz")
    assert len(captured) > 0


def test_a_post_is_never_answered_from_the_cache():
    group = GroupFactory(name="Harbour Tenants")
    action = make_action(group, title="Air quality walk")
    client = Client()
    queries_for(client, f"/actions/{action.pk}/")
    response = client.post(f"/actions/{action.pk}/", {})
    assert response.status_code == 405


def test_without_a_shared_cache_the_middleware_is_left_out(settings):
    settings.PAGE_CACHE_SECONDS = 0
    with pytest.raises(MiddlewareNotUsed):
        page_cache.PageCacheMiddleware(lambda request: None)


@pytest.mark.parametrize(
    ("sql", "writes"),
    [
        ("INSERT INTO x VALUES (1)", True),
        ("  update x set a = 1", True),
        ("DELETE FROM x", True),
        ("WITH moved AS (UPDATE x SET a = 1 RETURNING id) SELECT * FROM moved", True),
        ("WITH counted AS (SELECT 1) SELECT * FROM counted", False),
        ("SELECT * FROM x FOR UPDATE", False),
        ("SAVEPOINT s1", False),
    ],
)
def test_what_counts_as_a_write(sql, writes):
    assert page_cache._is_write(sql) is writes


def test_turned_off_after_start_nothing_is_answered_from_the_cache(settings):
    tactic("Air quality walk")
    client = Client()
    queries_for(client, "/playbook/")
    settings.PAGE_CACHE_SECONDS = 0
    tactic("Street banner")  # not noted: the cache is off
    count, content = queries_for(client, "/playbook/")
    assert count > 0
    assert b"Street banner" in content


def test_a_hard_reload_is_built_again_and_kept():
    tactic("Air quality walk")
    client = Client()
    queries_for(client, "/playbook/")
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/playbook/", HTTP_CACHE_CONTROL="no-cache")
    assert response.status_code == 200
    assert len(captured) > 0
    again, _ = queries_for(client, "/playbook/")
    assert again == 0


def test_a_kept_page_of_a_logged_in_person_is_answered_without_any_query():
    person = PersonFactory(name="Imogen Varga")
    consent_to_current_policy(person)
    add_member(GroupFactory(name="Harbour Tenants"), person, role="admin")
    client = Client()
    client.force_login(person)
    queries_for(client, "/me/groups/")  # the consent check remembers its answer
    queries_for(client, "/me/groups/")
    count, content = queries_for(client, "/me/groups/")
    assert count == 0
    assert b"Harbour Tenants" in content


def test_logging_out_ends_the_kept_pages_of_that_session():
    person = PersonFactory(name="Imogen Varga")
    consent_to_current_policy(person)
    add_member(GroupFactory(name="Harbour Tenants"), person, role="admin")
    client = Client()
    client.force_login(person)
    for _ in range(2):
        client.get("/me/groups/")
    client.logout()
    response = client.get("/me/groups/")
    assert response.status_code == 302
    assert b"Harbour Tenants" not in response.content


def test_a_token_no_template_recorded_is_still_found_and_replaced(rf):
    from django.contrib.sessions.backends.db import SessionStore
    from django.http import HttpResponse
    from django.middleware.csrf import get_token

    request = rf.get("/playbook/")
    request.session = SessionStore()
    token = get_token(request)  # as a view might, outside any template
    response = HttpResponse(f'<div data-token="{token}">ok</div>')

    page_cache.keep(request, response, "page-cache:page:test", 7)

    entry = cache.get("page-cache:page:test")
    assert token.encode() not in entry["content"]
    assert page_cache.CSRF_MARK in entry["content"]
    assert entry["csrf"] is True

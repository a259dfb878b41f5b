"""Pages that show a logged-in person's data are never kept by shared caches or the browser."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/", "/actions/", "/me/data/", "/weave/", "/me/tokens/"])
def test_logged_in_pages_are_private_and_not_stored(client, weaver, url):
    client.force_login(weaver)

    response = client.get(url)

    assert response.status_code == 200, url
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


def test_a_logged_in_api_answer_is_private_too(client, weaver):
    client.force_login(weaver)

    response = client.get("/api/v1/actions/")

    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    "url",
    [
        "/actions/rsvp/cancel/not-a-real-token/",
        "/notifications/unsubscribe/not-a-real-token/",
        "/network/invitations/not-a-real-token/",
        "/invitations/not-a-real-token/",
        "/unsubscribe/not-a-real-token/",
    ],
)
def test_pages_reached_by_a_personal_link_are_private_without_a_login(client, url):
    response = client.get(url)

    assert response.status_code < 500, url
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


def test_anonymous_pages_stay_cacheable(client):
    response = client.get("/actions/")

    assert "no-store" not in response.get("Cache-Control", "")

"""The API's test cast: a signed group with actions, tokens, and a JSON client."""

from __future__ import annotations

import pytest

from tests.factories import make_action, publish_privacy_policy, publish_statement


@pytest.fixture
def signed_group(group):
    """``group`` (the cast's group) after signing the current statement."""
    group.signed_version = publish_statement()
    group.save(update_fields=["signed_version"])
    return group


@pytest.fixture
def policy(db):
    return publish_privacy_policy()


@pytest.fixture
def make_token(db):
    from api.services.tokens import token_create

    def make(person, name: str = "test") -> str:
        return token_create(person=person, name=name)[1]

    return make


@pytest.fixture
def bearer(make_token):
    """Headers that authenticate as ``person`` with a fresh token."""

    def headers(person) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {make_token(person)}"}

    return headers


@pytest.fixture
def actions(signed_group):
    """One action of each visibility, hosted by ``signed_group``."""
    return {
        visibility: make_action(signed_group, title=f"{visibility} walk", visibility=visibility)
        for visibility in ("public", "network", "group")
    }

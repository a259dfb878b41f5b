"""Helpers for the exchange tests: people who RSVPed, and JSON requests to the OSDI face."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def osdi_get(client):
    def get(user, url: str, **params):
        if user is None:
            client.logout()
        else:
            client.force_login(user)
        return client.get(url, params, HTTP_ACCEPT="application/hal+json")

    return get


@pytest.fixture
def osdi_post(client):
    def post(user, url: str, body):
        if user is None:
            client.logout()
        else:
            client.force_login(user)
        return client.post(url, json.dumps(body), content_type="application/json")

    return post

"""Fixtures of the fault tests: private servers, so the machine's own are never stopped."""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.faults.parts import PrivatePostgres, PrivateRedis


@pytest.fixture
def private_redis():
    redis = PrivateRedis()
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture(scope="session")
def private_postgres(django_db_setup):
    """One private cluster for the session, its template holding the test database's schema."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if "postgresql" not in database["ENGINE"]:
        pytest.fail("The private PostgreSQL is copied from a PostgreSQL test database.")
    source = urlsplit(os.environ["DATABASE_URL"])
    source_url = urlunsplit(source._replace(path="/" + database["NAME"]))
    cluster = PrivatePostgres()
    try:
        cluster.start()
        cluster.load_template_from(source_url)
        yield cluster
    finally:
        cluster.stop()

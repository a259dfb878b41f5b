"""Checks behind /healthz: does the database answer, does the broker answer."""

from __future__ import annotations

import logging

import redis
from django.conf import settings
from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 2


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        logger.exception("Health check: the database did not answer")
        return False


def broker_state() -> tuple[str, bool]:
    """The broker's kind and whether it answers.

    Without REDIS_URL tasks run in the web process itself, so there is no
    broker to lose: it is reported as "in-process" and healthy.
    """
    if not settings.REDIS_URL:
        return "in-process", True
    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_connect_timeout=TIMEOUT_SECONDS,
        socket_timeout=TIMEOUT_SECONDS,
    )
    try:
        return "redis", bool(client.ping())
    except (redis.RedisError, OSError):
        logger.warning("Health check: the Redis broker did not answer")
        return "redis", False
    finally:
        client.close()

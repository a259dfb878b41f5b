"""Checks behind /healthz: does the database answer, does the broker answer, does beat tick."""

from __future__ import annotations

import functools
import logging
from datetime import datetime, timedelta
from pathlib import Path

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

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

    Without REDIS_URL or TASK_QUEUE_DIR tasks run in the web process itself,
    so there is no broker to lose: it is reported as "in-process" and healthy.
    The embedded broker is a folder: it answers when the folder is there.
    """
    if not settings.REDIS_URL:
        if settings.TASK_QUEUE_DIR:
            folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]
            return "filesystem", Path(folder).is_dir()
        return "in-process", True
    try:
        return "redis", bool(_broker_client(settings.REDIS_URL).ping())
    except (redis.RedisError, OSError):
        logger.warning("Health check: the Redis broker did not answer")
        return "redis", False


@functools.lru_cache(maxsize=4)
def _broker_client(url: str) -> redis.Redis:
    """One client (and connection pool) per broker address and process: a load
    balancer asks every few seconds, and a new connection each time cost more than
    the PING. A connection the broker dropped is made again by the pool."""
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=TIMEOUT_SECONDS,
        socket_timeout=TIMEOUT_SECONDS,
    )


def scheduler_state() -> tuple[str, datetime | None]:
    """("ok" | "late" | "never" | "off", the last tick).

    "off": tasks run in-process, so no scheduler is expected (nothing
    scheduled runs; `make run` and production both start one).
    """
    from coalition.celery import app
    from coalition.models import SchedulerTick

    if app.conf.task_always_eager:
        return "off", None

    try:
        last = SchedulerTick.objects.filter(name="beat").values_list("at", flat=True).first()
    except DatabaseError:
        return "never", None
    if last is None:
        return "never", None
    late = timezone.now() - last > timedelta(seconds=settings.SCHEDULER_LATE_SECONDS)
    return ("late" if late else "ok"), last

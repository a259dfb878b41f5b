"""The Redis cache, made to degrade instead of failing the page when Redis is down.

The cache holds nothing that must survive (rate-limit counters, short-lived
stashes, debounce keys), and in production it shares its server with the
Celery broker. When that server is away, a person posting an action or
RSVPing should still succeed: reads miss, writes are dropped, and counters
start again, so rate limits let requests through until Redis is back. After a
failure the process leaves Redis alone for a few seconds, so each request
does not wait for the timeout again.
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 1
PAUSE_SECONDS = 5
_UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class ReusedClients(RedisCacheClient):
    """Django's client, keeping one ``redis.Redis`` per connection pool.

    Django builds a new ``redis.Redis`` for every cache call; its constructor
    fills a table of 170 response callbacks each time, which was a third of a
    page answered from the page cache. The pool below is shared either way,
    and a ``redis.Redis`` is safe to share between threads.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class TolerantRedisCache(RedisCache):
    """Django's RedisCache with short socket timeouts that answers "missing" when Redis is down."""

    def __init__(self, server, params):
        params = {**params, "OPTIONS": dict(params.get("OPTIONS") or {})}
        params["OPTIONS"].setdefault("socket_connect_timeout", TIMEOUT_SECONDS)
        params["OPTIONS"].setdefault("socket_timeout", TIMEOUT_SECONDS)
        super().__init__(server, params)
        self._class = ReusedClients
        self._down_until = 0.0

    def _try(self, call, fallback):
        if time.monotonic() < self._down_until:
            return fallback()
        try:
            return call()
        except _UNREACHABLE:
            self._down_until = time.monotonic() + PAUSE_SECONDS
            logger.warning("The Redis cache did not answer; going on without it for a while.")
            return fallback()

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try(lambda: RedisCache.add(self, key, value, timeout, version), lambda: True)

    def get(self, key, default=None, version=None):
        return self._try(lambda: RedisCache.get(self, key, default, version), lambda: default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try(lambda: RedisCache.set(self, key, value, timeout, version), lambda: None)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try(lambda: RedisCache.touch(self, key, timeout, version), lambda: False)

    def delete(self, key, version=None):
        return self._try(lambda: RedisCache.delete(self, key, version), lambda: False)

    def get_many(self, keys, version=None):
        return self._try(lambda: RedisCache.get_many(self, keys, version), dict)

    def has_key(self, key, version=None):
        return self._try(lambda: RedisCache.has_key(self, key, version), lambda: False)

    def incr(self, key, delta=1, version=None):
        def missing():
            # What Django raises for a key that is not there: callers start a new count.
            raise ValueError(f"Key {key!r} not found (the cache is unreachable).")

        return self._try(lambda: RedisCache.incr(self, key, delta, version), missing)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try(
            lambda: RedisCache.set_many(self, data, timeout, version), lambda: list(data)
        )

    def delete_many(self, keys, version=None):
        return self._try(lambda: RedisCache.delete_many(self, keys, version), lambda: None)

    def clear(self):
        return self._try(lambda: RedisCache.clear(self), lambda: False)

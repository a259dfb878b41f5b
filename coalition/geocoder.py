"""Addresses to coordinates through a Nominatim-compatible search URL (``GEOCODER_URL``).

Off unless the operator sets the URL. Nominatim's usage policy
(https://operations.osmfoundation.org/policies/nominatim/) asks for at most
one request per second, a User-Agent that identifies the application, and
cached results. The last request's time is one row in the database
(``GeocoderTurn``), claimed with a conditional update, so every process of
the site, web or worker, shares the one-a-second pace whatever the cache;
each answer is cached for ``GEOCODER_CACHE_SECONDS``.
"""

from __future__ import annotations

import hashlib
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError
from django.utils import timezone

from coalition.models import GeocoderTurn
from coalition.search import search_normalise

# Nominatim answers in well under a second; a slow one must not hold a worker.
TIMEOUT_SECONDS = 5
# The policy's pace: one request a second across the site.
MIN_INTERVAL_SECONDS = 1.0
# How long a request waits for its turn before the person is asked to try again.
MAX_WAIT_SECONDS = 3.0
RESULTS = 5
QUERY_MAX = 300
# The one row of GeocoderTurn.
TURN_ID = 1


class GeocoderUnavailable(Exception):
    """The geocoder is off, busy past the wait, or did not answer usefully."""


def geocoder_enabled() -> bool:
    return bool(settings.GEOCODER_URL)


def user_agent() -> str:
    return f"Coalition/1.0 (+{settings.SITE_URL})"


def _claim_turn() -> float:
    """Take the site's turn if a second has passed since the last request: 0.0 when taken,
    else how many seconds are left to wait.

    The update only matches when the last request is a second old, so of two
    processes racing for one turn only one sees a row updated.
    """
    now = timezone.now()
    if GeocoderTurn.objects.filter(
        pk=TURN_ID, asked_at__lte=now - timedelta(seconds=MIN_INTERVAL_SECONDS)
    ).update(asked_at=now):
        return 0.0
    try:
        turn, created = GeocoderTurn.objects.get_or_create(pk=TURN_ID, defaults={"asked_at": now})
    except IntegrityError:  # another process created the row first: its turn
        return MIN_INTERVAL_SECONDS
    if created:
        return 0.0
    return max(MIN_INTERVAL_SECONDS - (now - turn.asked_at).total_seconds(), 0.01)


def _wait_for_turn() -> None:
    """Sleep until the site's turn to ask comes, or give up past ``MAX_WAIT_SECONDS``."""
    deadline = time.monotonic() + MAX_WAIT_SECONDS
    while (pause := _claim_turn()) > 0:
        if time.monotonic() + pause > deadline:
            raise GeocoderUnavailable("busy")
        time.sleep(pause)


def _parse(answer: object) -> list[dict]:
    found = []
    for row in answer if isinstance(answer, list) else []:
        try:
            latitude, longitude = float(row["lat"]), float(row["lon"])
        except (KeyError, TypeError, ValueError):
            continue
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            continue
        found.append(
            {
                "name": str(row.get("display_name", ""))[:300],
                "latitude": round(latitude, 6),
                "longitude": round(longitude, 6),
            }
        )
    return found[:RESULTS]


def geocode(query: str, *, language: str = "") -> list[dict]:
    """Places the geocoder finds for ``query``: name, latitude, longitude (at most five).

    Raises ``GeocoderUnavailable`` when it is off, busy or broken.
    """
    if not geocoder_enabled():
        raise GeocoderUnavailable("off")
    query = " ".join(query.split())[:QUERY_MAX]
    if not query:
        return []
    key = (
        "geocoder:"
        + hashlib.sha256(
            f"{settings.GEOCODER_URL}|{language}|{search_normalise(query)}".encode()
        ).hexdigest()
    )
    cached = cache.get(key)
    if cached is not None:
        return cached
    params = {"q": query, "format": "jsonv2", "limit": str(RESULTS)}
    if language:
        params["accept-language"] = language
    separator = "&" if "?" in settings.GEOCODER_URL else "?"
    # The URL is the operator's setting, checked to be http(s) when settings load.
    request = urllib.request.Request(  # noqa: S310
        settings.GEOCODER_URL + separator + urllib.parse.urlencode(params),
        headers={"User-Agent": user_agent(), "Accept": "application/json"},
    )
    _wait_for_turn()
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310  # nosec B310
            found = _parse(json.loads(response.read(1_000_000)))
    except (urllib.error.URLError, TimeoutError, ValueError, OSError) as error:
        raise GeocoderUnavailable(str(error)) from error
    cache.set(key, found, timeout=settings.GEOCODER_CACHE_SECONDS)
    return found

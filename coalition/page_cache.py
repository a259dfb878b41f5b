"""Whole pages answered again from the shared cache until anything is written.

The pages people open most (``CACHED_ROUTES``) cost a template and a dozen
queries; under load that is most of a worker's time. Their finished HTML (or
JSON, feed, calendar) is kept in the shared cache for ``PAGE_CACHE_SECONDS``
and served again to the same session, in the same language, for the same
address, as long as nothing has been written to the database since.

Why this stays correct:

- **Any write ends every kept page.** Every connection runs its statements
  through ``note_write``: an INSERT, UPDATE, DELETE, COPY, TRUNCATE or MERGE
  (bulk ``.update()`` included, which sends no signal) moves the data version
  once its transaction commits, in whichever process wrote it (web worker,
  Celery worker, management command). A kept page carries the version it was
  built under and is only served while that is still the version. A page built
  while a write was in flight is kept under the old version, so the commit's
  move ends it too.
- **Time moves on.** Pages say "in 3 hours" and hide what has ended: nothing
  is kept longer than ``PAGE_CACHE_SECONDS`` (30 s by default).
- **Per session.** The key holds the session, the person, the language, the
  address with its query, and the headers that change the answer (htmx's, and
  Accept). A request with an API token, or with a message waiting to be shown,
  is never served from here nor kept.
- **Secrets are per answer.** The CSP nonce and the CSRF tokens in a kept page
  are replaced by marks when it is kept; each answer gets a fresh nonce and a
  token of its own request, and the CSRF cookie is renewed as Django would.
- **A hard reload** (``Cache-Control: no-cache``, as browsers send) is built
  again, and the new page kept.
- **Only plain answers are kept:** a 200 to GET that sets no cookie but the
  CSRF one, leaves the session unchanged and is not streamed.

If the cache cannot be reached when a write commits, the move is lost: pages
kept before may then be answered for up to ``PAGE_CACHE_SECONDS``.

It is on only where the cache is shared by every process (``CACHE_URL`` or
``REDIS_URL``): a per-process cache would not hear of a Celery worker's writes.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.core.exceptions import MiddlewareNotUsed
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import _unmask_cipher_token, get_token
from django.urls import resolve
from django.utils.functional import SimpleLazyObject

VERSION_KEY = "page-cache:version"
KEY_PREFIX = "page-cache:page:"
NONCE_MARK = b"\x00page-cache-nonce\x00"
CSRF_MARK = b"\x00page-cache-csrf\x00"
# Django's masked CSRF token: 64 letters and digits.
MASKED_TOKEN = re.compile(rb"(?<![A-Za-z0-9])[A-Za-z0-9]{64}(?![A-Za-z0-9])")
WRITES = ("INSERT", "UPDATE", "DELETE", "COPY", "TRUNCATE", "MERGE")
WRITE_IN_CTE = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)
# Headers recomputed for each answer by the middleware around this one.
RECOMPUTED_HEADERS = {"content-length", "set-cookie"}
# The routes whose answers are kept: the pages and feeds people open most.
# Anything that writes on GET (exports recorded in the audit log, token links,
# marking read) stays out.
CACHED_ROUTES = frozenset(
    {
        "home",
        "members:statement",
        "members:group",
        "members:my_groups",
        "members:group_edit",
        "members:group_members",
        "members:weave",
        "members:weave_groups",
        "members:weave_group",
        "members:weave_thin",
        "members:weave_ladder",
        "members:weave_person",
        "members:outreach_list",
        "members:meetings",
        "notifications:inbox",
        "actions:list",
        "actions:detail",
        "actions:map",
        "actions:map_data",
        "actions:feed",
        "actions:calendar",
        "actions:support_list",
        "actions:playbook",
        "actions:tactic",
        "actions:moderation_log",
        "actions:new",
        "actions:edit",
        "actions:rsvps",
        "convergence:days",
        "convergence:day",
        "convergence:day_events_geojson",
        "convergence:day_coordinate",
        "reporting:dashboard",
        "reporting:wins",
        "reporting:signals",
        "reporting:reports",
        "reporting:report",
        "reporting:schedules",
        "reporting:impact",
        "api:action_list",
        "api:group_list",
        "api:event_list",
        "api:day_list",
        "exchange:osdi_events",
    }
)


def enabled() -> bool:
    return bool(getattr(settings, "PAGE_CACHE_SECONDS", 0))


# --------------------------------------------------------------------------
# The data version
# --------------------------------------------------------------------------


def current_version() -> str | None:
    return cache.get(VERSION_KEY)


def bump_version() -> None:
    """Move the data version: every kept page is stale from now on."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # absent: start from a value no earlier run used
        cache.set(VERSION_KEY, secrets.randbelow(2**62), timeout=None)


def _is_write(sql: str) -> bool:
    head = sql.lstrip()[:8].upper()
    if head.startswith(WRITES):
        return True
    return head.startswith("WITH") and WRITE_IN_CTE.search(sql) is not None


def note_write(execute, sql, params, many, context):
    """Execute wrapper: after a write, move the version when its transaction commits."""
    result = execute(sql, params, many, context)
    if enabled() and isinstance(sql, str) and _is_write(sql):
        connection = context["connection"]
        if not any(entry[1] is bump_version for entry in connection.run_on_commit):
            # Outside a transaction this runs at once: the write is committed.
            transaction.on_commit(bump_version, using=connection.alias)
    return result


def watch_connection(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver: every connection reports its writes."""
    if note_write not in connection.execute_wrappers:
        connection.execute_wrappers.append(note_write)


# --------------------------------------------------------------------------
# The middleware
# --------------------------------------------------------------------------


def _servable(request: HttpRequest) -> bool:
    if request.method != "GET":
        return False
    if "HTTP_AUTHORIZATION" in request.META or "HTTP_OSDI_API_TOKEN" in request.META:
        return False
    if request.COOKIES.get("messages"):
        return False
    return "_messages" not in request.session


@functools.lru_cache(maxsize=4096)
def _route(urlconf: str, path: str):
    """The view and route name at ``path``, or ``None`` (addresses are resolved once)."""
    try:
        match = resolve(path, urlconf)
    except Http404:
        return None
    return match.func, match.view_name


def wants_fresh(request: HttpRequest) -> bool:
    """A browser's hard reload (``Cache-Control: no-cache``) is built again, then kept."""
    asked = request.META.get("HTTP_CACHE_CONTROL", "") + request.META.get("HTTP_PRAGMA", "")
    return "no-cache" in asked.lower()


def page_key(request: HttpRequest) -> str:
    session = request.session
    parts = (
        request.get_full_path(),
        session.session_key or "",
        str(session.get(SESSION_KEY, "")),
        getattr(request, "LANGUAGE_CODE", ""),
        request.META.get("HTTP_HX_REQUEST", ""),
        request.META.get("HTTP_HX_TARGET", ""),
        request.META.get("HTTP_ACCEPT", ""),
    )
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return KEY_PREFIX + digest


class PageCacheMiddleware:
    """Answers a ``CACHED_ROUTES`` page from its kept copy, or keeps the one just built.

    It sits right after authentication: the session, the language and the CSRF
    cookie are known, and the person is not loaded (a kept page is per session,
    and any change to the person, their session or their consent is a write
    that ends it). What the middleware below it adds (``Cache-Control``,
    ``X-Frame-Options``) is kept with the page; what the middleware above adds
    (CSP with its nonce, the CSRF cookie, ``Vary``) is added to each answer.
    """

    def __init__(self, get_response):
        if not enabled():
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        route = None
        if enabled() and request.method == "GET":
            route = _route(
                getattr(request, "urlconf", None) or settings.ROOT_URLCONF, request.path_info
            )
        # The route first: other pages' sessions are left unread here.
        if route is None or route[1] not in CACHED_ROUTES or not _servable(request):
            return self.get_response(request)
        key = page_key(request)
        found = cache.get_many([VERSION_KEY, key])
        version = found.get(VERSION_KEY)
        if version is None:
            bump_version()
            return self.get_response(request)
        entry = None if wants_fresh(request) else found.get(key)
        if entry is not None and entry["version"] == version and not over_rate(route[0], request):
            return answer_from(entry, request)
        response = self.get_response(request)
        keep(request, response, key, version)
        return response


def over_rate(view_func, request: HttpRequest) -> bool:
    """Whether an API view's throttles refuse this request; a kept answer still counts.

    DRF's throttles record a request only when they let it through, so a
    refusal here leaves the count as it was for the view's own check.
    """
    view_class = getattr(view_func, "cls", None)
    if view_class is None:
        return False
    view = view_class()
    return not all(throttle.allow_request(request, view) for throttle in view.get_throttles())


def keep(request: HttpRequest, response: HttpResponse, key: str, version) -> None:
    """Keep ``response`` under ``key`` if it is a plain answer, secrets replaced by marks."""
    if response.status_code != 200 or response.streaming:
        return
    if any(name != settings.CSRF_COOKIE_NAME for name in response.cookies):
        return
    if request.session.modified:
        return
    messages = getattr(request, "_messages", None)
    if messages is not None and messages._queued_messages:
        return
    content = response.content
    nonce = getattr(request, "_csp_nonce", None)
    has_nonce = isinstance(nonce, str) and nonce.encode() in content
    if has_nonce:
        content = content.replace(nonce.encode(), NONCE_MARK)
    secret = request.META.get("CSRF_COOKIE")
    has_token = False
    if secret and request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        issued = getattr(request, "_page_cache_tokens", ())
        if issued:  # the templates' tokens, recorded by csrf_recorded: replaced at C speed
            for token in issued:
                content = content.replace(token.encode(), CSRF_MARK)
            has_token = CSRF_MARK in content
        else:  # a token from elsewhere: look for any that is this request's

            def mark(found: re.Match) -> bytes:
                nonlocal has_token
                if _unmask_cipher_token(found.group().decode()) == secret:
                    has_token = True
                    return CSRF_MARK
                return found.group()

            content = MASKED_TOKEN.sub(mark, content)
    headers = {
        name: value
        for name, value in response.headers.items()
        if name.lower() not in RECOMPUTED_HEADERS
    }
    entry = {
        "version": version,
        "content": content,
        "headers": headers,
        "nonce": has_nonce,
        "csrf": has_token,
    }
    cache.set(key, entry, timeout=settings.PAGE_CACHE_SECONDS)


def csrf_recorded(request: HttpRequest) -> dict:
    """Context processor: Django's ``csrf_token``, each token given to a template noted
    on the request, so ``keep`` replaces exactly those instead of searching the page."""

    def token() -> str:
        value = get_token(request)
        if not hasattr(request, "_page_cache_tokens"):
            request._page_cache_tokens = []
        request._page_cache_tokens.append(value)
        return value

    return {"csrf_token": SimpleLazyObject(token)}


def answer_from(entry: dict, request: HttpRequest) -> HttpResponse:
    content = entry["content"]
    if entry["nonce"]:
        content = content.replace(NONCE_MARK, str(request.csp_nonce).encode())
    if entry["csrf"]:
        content = content.replace(CSRF_MARK, get_token(request).encode())
    response = HttpResponse(content)
    for name, value in entry["headers"].items():
        response[name] = value
    return response

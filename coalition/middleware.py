"""Middleware of the frame: answers that show a logged-in person's data stay out of caches."""

from __future__ import annotations

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.exceptions import SessionInterrupted
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse


class PrivateCacheMiddleware:
    """``Cache-Control: private, no-store`` on every answer to a logged-in person, and on
    every page reached by a personal link (a ``token`` in its address: an RSVP's cancel
    link, an invitation, an unsubscribe link), that does not set its own.

    A shared proxy or a browser's back-forward cache must not keep a page with
    someone's names, emails or RSVPs for the next person at that machine or
    behind that proxy. Answers that chose their caching (feeds, files) keep it;
    other anonymous pages stay cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        match = getattr(request, "resolver_match", None)
        personal = (user is not None and user.is_authenticated) or (
            match is not None and "token" in match.kwargs
        )
        if personal and not response.has_header("Cache-Control"):
            response["Cache-Control"] = "private, no-store"
        return response


class RetryAfterMiddleware:
    """A refusal to try again later: where a view's code set ``request.retry_after``
    (seconds), the answer becomes a 429 with ``Retry-After``, whatever page it shows.

    allauth's login form shows "Too many failed login attempts" as a form error
    (a 200); members.adapters sets the wait, and clients and proxies read it here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        wait = getattr(request, "retry_after", None)
        if wait:
            response.status_code = 429
            response["Retry-After"] = str(int(wait))
        return response


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's, except that a session the database could not save is that database error.

    Django turns any failure to update a session row into "Bad Request"
    (``SessionInterrupted``, meant for a session deleted by a concurrent logout).
    When the cause is the database being out of reach, the person did nothing
    wrong: the error goes on as what it is, and is answered as the outage it is.
    """

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        try:
            return super().process_response(request, response)
        except SessionInterrupted as interrupted:
            update = interrupted.__context__
            cause = update.__context__ if isinstance(update, UpdateError) else None
            if isinstance(cause, DatabaseError):
                raise cause from interrupted
            raise

"""A session that cannot be saved because the database is out of reach is an outage
(a 5xx page), not "Bad Request"; a session deleted by a concurrent logout stays 400."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.exceptions import SessionInterrupted
from django.db import OperationalError
from django.http import HttpResponse
from django.test import RequestFactory

from coalition.middleware import SessionMiddleware


class _Store(SessionStore):
    """Saving fails as ``failure`` says: Django's own UpdateError, raised from it."""

    failure: Exception = KeyError("unset")

    def save(self, must_create: bool = False) -> None:
        try:
            raise self.failure
        except Exception:
            # As Django's own database backend does: the cause is the context.
            raise UpdateError  # noqa: B904


def _respond(failure: Exception):
    middleware = SessionMiddleware(lambda request: HttpResponse("ok"))
    request = RequestFactory().get("/actions/new/")
    request.session = _Store()
    request.session.failure = failure
    request.session["seen"] = True  # modified: the middleware saves it
    return middleware.process_response(request, HttpResponse("ok"))


def test_a_database_out_of_reach_while_saving_the_session_is_the_database_error():
    with pytest.raises(OperationalError):
        _respond(OperationalError("server closed the connection unexpectedly"))


def test_a_session_deleted_meanwhile_is_still_a_bad_request():
    with pytest.raises(SessionInterrupted):
        _respond(KeyError("gone"))

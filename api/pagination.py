"""Keyset ("cursor") pagination: each page starts after the last row of the one before.

The cost of a page does not grow with how far into the list it is: the next
page's query is ``WHERE (key) < (last key) ORDER BY key LIMIT n+1`` on an
indexed key that ends with the primary key, so the order is total and a row
never shows twice or goes missing between pages. The cursor is signed, so a
caller can neither forge one nor reuse one on another list.
"""

from __future__ import annotations

import datetime
import functools
import operator

from django.core import signing
from django.db.models import Q
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

CURSOR_SALT = "api.cursor"


def _value_of(row, key: str):
    value = row
    for part in key.lstrip("-").split("__"):
        value = getattr(value, part)
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    return value


def keyset_after(keys: tuple[str, ...], values: list) -> Q:
    """Rows strictly after ``values`` in the order ``keys`` (each "-name" or "name")."""
    clauses = []
    for index, key in enumerate(keys):
        name = key.lstrip("-")
        lookup = "lt" if key.startswith("-") else "gt"
        equal = {keys[i].lstrip("-"): values[i] for i in range(index)}
        clauses.append(Q(**equal, **{f"{name}__{lookup}": values[index]}))
    return functools.reduce(operator.or_, clauses)


class KeysetPagination(BasePagination):
    """``?cursor=`` (from the previous page's ``next``) and ``?page_size=`` (1 to 100).

    The view names its order in ``keyset``, a tuple of fields ending with
    ``id`` (or ``-id``); ``keyset_for(request)`` may choose it per request.
    """

    page_size = 25
    max_page_size = 100
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    def _page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw in (None, ""):
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise ValidationError(
                {self.page_size_query_param: [_("Give a whole number from 1 to 100.")]}
            )
        return min(size, self.max_page_size)

    def _cursor(self, request, keys: tuple[str, ...]) -> list | None:
        raw = request.query_params.get(self.cursor_query_param)
        if raw in (None, ""):
            return None
        try:
            data = signing.loads(raw, salt=CURSOR_SALT)
        except signing.BadSignature:
            data = None
        if not isinstance(data, dict) or data.get("k") != list(keys):
            raise ValidationError(
                {
                    self.cursor_query_param: [
                        _("This cursor is not valid here: use the next link of the previous page.")
                    ]
                }
            )
        return data["v"]

    def paginate_queryset(self, queryset, request, view=None):
        keys = tuple(view.keyset_for(request) if hasattr(view, "keyset_for") else view.keyset)
        size = self._page_size(request)
        after = self._cursor(request, keys)
        queryset = queryset.order_by(*keys)
        if after is not None:
            queryset = queryset.filter(keyset_after(keys, after))
        rows = list(queryset[: size + 1])
        self.request = request
        self.next_cursor = None
        if len(rows) > size:
            rows = rows[:size]
            values = [_value_of(rows[-1], key) for key in keys]
            self.next_cursor = signing.dumps({"k": list(keys), "v": values}, salt=CURSOR_SALT)
        return rows

    def get_next_link(self) -> str | None:
        if self.next_cursor is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, self.next_cursor)

    def get_paginated_response(self, data):
        return Response({"next": self.get_next_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "format": "uri",
                    "nullable": True,
                    "description": "The next page, or null on the last page.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Where the page starts: copy it from the previous page's next link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": "Rows per page, 25 by default; more than 100 gives 100.",
                "schema": {"type": "integer", "minimum": 1},
            },
        ]

"""The API's JSON parser: a depth limit, so nested input is a 400 and never a RecursionError."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# No document of the API or of OSDI nests deeper than a handful of levels;
# 32 leaves room for any client's wrapping and stays far below Python's stack.
MAX_JSON_DEPTH = 32


def _too_deep(value, limit: int) -> bool:
    """Whether ``value`` nests lists or objects deeper than ``limit``, walked without recursion."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser that refuses documents nested deeper than ``MAX_JSON_DEPTH``."""

    def parse(self, stream, media_type=None, parser_context=None):
        message = _("The JSON document is nested too deeply (at most %(depth)s levels).") % {
            "depth": MAX_JSON_DEPTH
        }
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            # The C decoder stops cleanly at Python's recursion limit.
            raise ParseError(message) from None
        if _too_deep(data, MAX_JSON_DEPTH):
            raise ParseError(message)
        return data


class HalJSONParser(JSONParser):
    media_type = "application/hal+json"

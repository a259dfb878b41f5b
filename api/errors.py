"""One JSON error shape for every 4xx and 5xx answer of the API.

Every error looks like::

    {"error": {"status": 400, "code": "invalid", "message": "…",
               "fields": {"name": ["…"]}}}

``fields`` is present only when the error concerns named input fields. Set
``EXCEPTION_HANDLER`` to ``api.errors.exception_handler`` (done in settings);
``not_found`` answers unknown addresses under /api/ in the same shape.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from coalition.errors import RuleBroken

logger = logging.getLogger("api")

NON_FIELD_KEYS = {"non_field_errors", "__all__"}


class Conflict(exceptions.APIException):
    """The request clashes with the current state (a full event, a duplicate): 409."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("The request conflicts with the current state.")
    default_code = "conflict"

    def __init__(self, detail=None, code=None, *, field: str | None = None):
        super().__init__(detail, code)
        self.field = field


def error_body(
    status_code: int, code: str, message: str, fields: dict[str, list[str]] | None = None
) -> dict:
    body: dict = {"status": status_code, "code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """Field messages of a (possibly nested) DRF validation detail, keyed by dotted name."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for sub, messages in _flatten(value, name).items():
                out.setdefault(sub, []).extend(messages)
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            out[prefix or "non_field_errors"] = [force_str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                name = f"{prefix}.{index}" if prefix else str(index)
                for sub, messages in _flatten(item, name).items():
                    out.setdefault(sub, []).extend(messages)
    else:
        out[prefix or "non_field_errors"] = [force_str(detail)]
    return out


def _validation_body(detail) -> dict:
    fields = _flatten(detail)
    general: list[str] = []
    for key in NON_FIELD_KEYS:
        general.extend(fields.pop(key, []))
    if general:
        message = " ".join(general)
    elif fields:
        name, messages = next(iter(fields.items()))
        message = _("Invalid input: %(field)s: %(message)s") % {
            "field": name,
            "message": messages[0],
        }
    else:
        message = _("Invalid input.")
    if general and not fields:
        return error_body(400, "invalid", message)
    return error_body(400, "invalid", message, fields or None)


def exception_handler(exc, context):
    """DRF's handler, then every answer rewritten to the one error shape."""
    if isinstance(exc, RuleBroken):
        fields = {exc.field: [exc.message]} if exc.field else None
        return Response(error_body(400, "rule_broken", exc.message, fields), status=400)
    if isinstance(exc, RequestDataTooBig):
        # Django refuses to read a body over DATA_UPLOAD_MAX_MEMORY_SIZE; the client
        # learns the limit instead of a 500.
        message = _("The request body is too large (at most %(limit)s bytes).") % {
            "limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        }
        return Response(error_body(413, "too_large", message), status=413)
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        return Response(_validation_body(detail), status=400)

    response = drf_exception_handler(exc, context)
    if response is None:
        # Anything else is a bug: log it with its traceback, answer in the shape.
        logger.exception("API error", exc_info=exc)
        return Response(
            error_body(500, "server_error", _("Something went wrong on our side.")), status=500
        )

    if isinstance(exc, exceptions.ValidationError):
        response.data = _validation_body(exc.detail)
        return response

    if isinstance(exc, Http404):
        code, message = "not_found", _("Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        code, message = "permission_denied", _("You do not have permission to do this.")
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        if isinstance(detail, (list, dict)):
            message = " ".join(
                " ".join(messages) for messages in _flatten(detail).values()
            ) or force_str(exc.default_detail)
        else:
            message = force_str(detail)
        code = exc.default_code
        if isinstance(detail, exceptions.ErrorDetail) and detail.code:
            code = detail.code
    else:
        code, message = "error", force_str(exc)
    fields = None
    if isinstance(exc, Conflict) and exc.field:
        fields = {exc.field: [message]}
    response.data = error_body(response.status_code, code, message, fields)
    return response


@csrf_exempt  # it changes nothing, and a POST must get the same JSON 404, not a CSRF page
def not_found(request, *args, **kwargs) -> JsonResponse:
    """Unknown addresses under /api/: a 404 in the API's shape, not an HTML page."""
    return JsonResponse(
        error_body(404, "not_found", _("There is no API endpoint at this address.")),
        status=404,
    )

"""/audit/: the audit log for stewards and the steering committee, filtered, paged and as CSV."""

from __future__ import annotations

import csv

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from coalition import audit
from coalition.models import AuditVerb
from coalition.permissions import permission_required
from privacy import selectors
from privacy.forms import AuditFilterForm

CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _filters(request: HttpRequest) -> tuple[AuditFilterForm, dict]:
    form = AuditFilterForm(request.GET or None)
    return form, form.filters() if form.is_bound else {}


def _bad(request: HttpRequest, form: AuditFilterForm, message: str) -> HttpResponse:
    return render(
        request,
        "privacy/audit.html",
        {"form": form, "page": None, "problem": message, "querystring": ""},
        status=400,
    )


@require_safe
@permission_required("steward")
def audit_log(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    if form.is_bound and not form.is_valid():
        return _bad(request, form, _("Correct the filters below."))
    try:
        page = selectors.audit_page(after=request.GET.get("after", ""), **filters)
    except selectors.BadCursor:
        return _bad(request, form, _("That page of the log does not exist. Start again."))
    query = request.GET.copy()
    query.pop("after", None)
    return render(
        request,
        "privacy/audit.html",
        {"form": form, "page": page, "querystring": query.urlencode(), "problem": ""},
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(CSV_FORMULA_START) else text


@require_safe
@permission_required("steward")
def audit_csv(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    if form.is_bound and not form.is_valid():
        return _bad(request, form, _("Correct the filters below."))
    entries = selectors.audit_entries(**filters)
    audit.record(
        request.user,
        AuditVerb.EXPORT,
        "audit log",
        rows=entries.count(),
        filters={k: str(v) for k, v in filters.items() if v},
    )
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(["at", "who", "verb", "subject", "detail"])
        for entry in entries.only("at", "actor_label", "verb", "subject", "detail").iterator(
            chunk_size=500
        ):
            yield writer.writerow(
                [
                    entry.at.isoformat(),
                    _cell(entry.actor_label),
                    entry.verb,
                    _cell(entry.subject),
                    _cell(entry.detail),
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    return response


urlpatterns = [
    path("audit/", audit_log, name="audit"),
    path("audit/download.csv", audit_csv, name="audit_csv"),
]

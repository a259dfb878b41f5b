"""CSV export and import of people and groups, for weavers and stewards (under /weave/)."""

from __future__ import annotations

import csv
import os

from django import forms
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from coalition import audit
from coalition.errors import RuleBroken
from coalition.models import AuditVerb
from coalition.permissions import permission_required
from exchange.models import CsvImport
from exchange.selectors import groups_for_export, people_for_export, people_visible_to
from exchange.services.csv_import import GROUP_COLUMNS, PEOPLE_COLUMNS, csv_import_start
from members.models import Group
from members.services.imports import MAX_BYTES

# The progress page leaves the stored file unread: it may be 2 MB.
CSV_IMPORT_FIELDS = (
    "kind", "filename", "status", "rows_total", "rows_done", "created_count",
    "updated_count", "row_errors", "problem", "created_at", "finished_at",
)  # fmt: skip
FORMULA_STARTS = {"=", "+", "-", "@", "\t", "\r"}


def csv_cell(value) -> str:
    """Text a spreadsheet would run as a formula is prefixed with ' (CSV injection)."""
    if value is None:
        return ""
    value = str(value)
    return "'" + value if value[:1] in FORMULA_STARTS else value


class _Echo:
    def write(self, value: str) -> str:
        return value


class ImportForm(forms.Form):
    """The file; what it holds travels as ``what`` (people or groups), and is the prefix."""

    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy("UTF-8 CSV, at most 2 MB; the first line names the columns."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


def _page(request, *, status: int = 200, **context) -> HttpResponse:
    return render(
        request,
        "exchange/csv.html",
        {
            "people_form": ImportForm(prefix="people"),
            "groups_form": ImportForm(prefix="groups"),
            "people_columns": PEOPLE_COLUMNS,
            "group_columns": GROUP_COLUMNS,
            **context,
        },
        status=status,
    )


@permission_required("weave")
@require_http_methods(["GET", "POST"])
def exchange_page(request: HttpRequest) -> HttpResponse:
    """Download people and groups as CSV; upload a CSV to import them, with a row report."""
    if request.method == "GET":
        return _page(request)
    what = request.POST.get("what", "")
    if what not in {"people", "groups"}:
        return _page(request, status=400, problem=_("Choose what the file holds."))
    form = ImportForm(request.POST, request.FILES, prefix=what)
    if not form.is_valid():
        return _page(request, status=400, **{f"{what}_form": form}, problem=_("Choose a CSV file."))
    upload = form.cleaned_data["file"]
    filename = os.path.basename(upload.name or "")[:200] or "upload.csv"
    if upload.size > MAX_BYTES:
        return _page(
            request,
            status=400,
            problem=_("The file is larger than 2 MB. Split it into smaller files."),
        )
    try:
        result = csv_import_start(
            kind=what, data=upload.read(MAX_BYTES + 1), filename=filename, by=request.user
        )
    except RuleBroken as error:
        return _page(request, status=400, problem=error.message)
    if isinstance(result, CsvImport):
        return redirect("exchange:csv_import", pk=result.pk)
    return _page(
        request,
        report=result,
        created=result.created,
        updated=result.updated,
        errors=result.errors,
        what=what,
        filename=filename,
    )


@permission_required("weave")
@require_safe
def csv_import_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress of a long import, then its report; the page refreshes itself meanwhile.

    Everyone who may import (weavers, stewards) may follow any import: the report
    holds line numbers and reasons, no more than the import page itself shows.
    """
    run = get_object_or_404(CsvImport.objects.only(*CSV_IMPORT_FIELDS), pk=pk)
    return render(request, "exchange/csv_import.html", {"run": run})


def _stream(rows, header: list[str], filename: str) -> StreamingHttpResponse:
    def lines():
        writer = csv.writer(_Echo())
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([csv_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@permission_required("weave")
@require_safe
def people_csv(request: HttpRequest) -> StreamingHttpResponse:
    """Everyone the weaver may see, streamed: memory stays flat whatever the count."""
    audit.record(
        request.user,
        AuditVerb.EXPORT,
        "people CSV",
        kind="people",
        rows=people_visible_to(request.user).count(),
    )

    def rows():
        for person in people_for_export(request.user):
            first, _sep, last = (person["name"] or "").partition(" ")
            yield [
                first,
                last.strip(),
                person["email"],
                person["phone"],
                person["postal_address__postal_code"],
                ", ".join(person["tags"]),
            ]

    return _stream(rows(), list(PEOPLE_COLUMNS), "people.csv")


@permission_required("weave")
@require_safe
def groups_csv(request: HttpRequest) -> StreamingHttpResponse:
    audit.record(
        request.user, AuditVerb.EXPORT, "groups CSV", kind="groups", rows=Group.objects.count()
    )

    def rows():
        for group in groups_for_export():
            yield [
                group["name"],
                group["kind"],
                group["place__name"],
                group["contact_email"],
                group["website"],
                group["postal_address__postal_code"],
                ", ".join(group["tags"]),
            ]

    return _stream(rows(), list(GROUP_COLUMNS), "groups.csv")


urlpatterns = [
    path("weave/exchange/", exchange_page, name="csv"),
    path("weave/exchange/people.csv", people_csv, name="people_csv"),
    path("weave/exchange/groups.csv", groups_csv, name="groups_csv"),
    path("weave/exchange/imports/<int:pk>/", csv_import_page, name="csv_import"),
]

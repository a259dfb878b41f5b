"""Report pages: ask for a full report, follow it while it is built, download it; schedules."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from coalition.errors import RuleBroken
from coalition.forms import MAX_ID
from coalition.permissions import permission_required
from reporting.forms_reports import ReportRequestForm, ScheduleForm
from reporting.models import Report, ReportSchedule, ReportStatus
from reporting.selectors_reports import (
    report_get,
    report_progress,
    reports_list,
    schedule_get,
    schedules_list,
)
from reporting.services.reports import (
    report_place_label,
    report_request,
    schedule_create,
    schedule_deactivate,
    schedule_update,
)

PER_PAGE = 25


def _form_error(form, problem: RuleBroken) -> None:
    form.add_error(problem.field if problem.field in form.fields else None, problem.message)


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("see_dashboard")
def reports(request: HttpRequest) -> HttpResponse:
    """The reports, newest first, and the form to ask for one."""
    form = ReportRequestForm()
    status = 200
    if request.method == "POST":
        form = ReportRequestForm(request.POST)
        if form.is_valid():
            try:
                report = report_request(
                    by=request.user,
                    start=form.cleaned_data["start"],
                    end=form.cleaned_data["end"],
                    place=form.cleaned_data["place"],
                )
            except RuleBroken as problem:
                _form_error(form, problem)
            else:
                messages.success(
                    request, _("Your report is being built. It will also be emailed to you.")
                )
                return redirect("reporting:report", pk=report.pk)
        status = 400
    page = Paginator(reports_list(), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "reporting/reports/list.html", {"form": form, "page": page}, status=status
    )


def _report_or_404(pk: int) -> Report:
    # Larger ids overflow SQLite's integers (a 500) instead of finding nothing.
    report = report_get(pk) if pk <= MAX_ID else None
    if report is None:
        raise Http404
    return report


@require_safe
@never_cache
@permission_required("see_dashboard")
def report(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_or_404(pk)
    return render(
        request,
        "reporting/reports/detail.html",
        {
            "report": report,
            "place_label": report_place_label(report),
            "working": report.status in {ReportStatus.QUEUED, ReportStatus.BUILDING},
        },
    )


@require_safe
@never_cache
@permission_required("see_dashboard")
def report_progress_json(request: HttpRequest, pk: int) -> JsonResponse:
    return JsonResponse(report_progress(_report_or_404(pk)))


def _download(report: Report, file: FieldFile, filename: str, content_type: str) -> FileResponse:
    if report.status != ReportStatus.READY or not file:
        raise Http404
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _filename(report: Report, extension: str) -> str:
    return f"report-{report.period_start:%Y-%m-%d}-{report.period_end:%Y-%m-%d}.{extension}"


@require_safe
@permission_required("see_dashboard")
def report_pdf(request: HttpRequest, pk: int) -> FileResponse:
    report = _report_or_404(pk)
    return _download(report, report.pdf, _filename(report, "pdf"), "application/pdf")


@require_safe
@permission_required("see_dashboard")
def report_bundle(request: HttpRequest, pk: int) -> FileResponse:
    report = _report_or_404(pk)
    return _download(report, report.bundle, _filename(report, "zip"), "application/zip")


# --- Schedules ----------------------------------------------------------------


def _schedule_values(form: ScheduleForm) -> dict:
    data = form.cleaned_data
    return {
        "frequency": data["frequency"],
        "place": data["place"],
        "recipients": list(data["recipients"]),
    }


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("schedule_reports")
def schedules(request: HttpRequest) -> HttpResponse:
    """The standing report orders, and the form to add one."""
    form = ScheduleForm()
    status = 200
    if request.method == "POST":
        form = ScheduleForm(request.POST)
        if form.is_valid():
            try:
                schedule_create(by=request.user, **_schedule_values(form))
            except RuleBroken as problem:
                _form_error(form, problem)
            else:
                messages.success(request, _("The schedule is set."))
                return redirect("reporting:schedules")
        status = 400
    return render(
        request,
        "reporting/reports/schedules.html",
        {"form": form, "schedules": schedules_list()},
        status=status,
    )


def _schedule_or_404(pk: int) -> ReportSchedule:
    schedule = schedule_get(pk) if pk <= MAX_ID else None
    if schedule is None:
        raise Http404
    return schedule


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("schedule_reports")
def schedule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    schedule = _schedule_or_404(pk)
    form = ScheduleForm(
        initial={
            "frequency": schedule.frequency,
            "place": schedule.place_id,
            "recipients": [person.pk for person in schedule.recipients.all()],
        }
    )
    status = 200
    if request.method == "POST":
        form = ScheduleForm(request.POST)
        if form.is_valid():
            try:
                schedule_update(schedule=schedule, is_active=True, **_schedule_values(form))
            except RuleBroken as problem:
                _form_error(form, problem)
            else:
                messages.success(request, _("The schedule is saved."))
                return redirect("reporting:schedules")
        status = 400
    return render(
        request,
        "reporting/reports/schedule_edit.html",
        {"form": form, "schedule": schedule},
        status=status,
    )


@require_POST
@permission_required("schedule_reports")
def schedule_stop(request: HttpRequest, pk: int) -> HttpResponse:
    schedule = _schedule_or_404(pk)
    schedule_deactivate(schedule=schedule)
    messages.success(request, _("The schedule is stopped: no more reports will be sent."))
    return redirect("reporting:schedules")


urlpatterns = [
    path("dashboard/reports/", reports, name="reports"),
    path("dashboard/reports/<int:pk>/", report, name="report"),
    path("dashboard/reports/<int:pk>/progress.json", report_progress_json, name="report_progress"),
    path("dashboard/reports/<int:pk>/report.pdf", report_pdf, name="report_pdf"),
    path("dashboard/reports/<int:pk>/bundle.zip", report_bundle, name="report_bundle"),
    path("dashboard/reports/schedules/", schedules, name="schedules"),
    path("dashboard/reports/schedules/<int:pk>/", schedule_edit, name="schedule_edit"),
    path("dashboard/reports/schedules/<int:pk>/stop/", schedule_stop, name="schedule_deactivate"),
]

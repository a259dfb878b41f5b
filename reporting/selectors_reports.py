"""Reads of the report pages: reports and schedules, in a fixed number of queries."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from reporting.models import Report, ReportSchedule


def reports_list() -> QuerySet[Report]:
    """Every report, newest first, with what the list shows (people with the dashboard see all)."""
    return Report.objects.select_related("place", "requested_by", "schedule").order_by(
        "-created_at", "-id"
    )


def report_get(pk: int) -> Report | None:
    return Report.objects.select_related("place", "requested_by", "schedule").filter(pk=pk).first()


def report_progress(report: Report) -> dict[str, object]:
    return {"status": report.status, "progress": report.progress, "error": report.error}


def schedules_list() -> QuerySet[ReportSchedule]:
    """Every schedule, active first, with its place and recipients."""
    from members.models import User

    return (
        ReportSchedule.objects.select_related("place")
        .prefetch_related(
            Prefetch(
                "recipients",
                queryset=User.objects.only("id", "name", "email").order_by("name", "email"),
            )
        )
        .order_by("-is_active", "next_run_on", "id")
    )


def schedule_get(pk: int) -> ReportSchedule | None:
    return schedules_list().filter(pk=pk).first()

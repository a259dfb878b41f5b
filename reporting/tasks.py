"""Celery tasks of the reporting app: thin, take ids, safe to run twice."""

from __future__ import annotations

import logging
import smtplib
from datetime import date

from celery import shared_task

logger = logging.getLogger(__name__)


# --- Rollups (the dashboard's figures) ------------------------------------------


@shared_task
def rollups_refresh(months: list[str] | None = None) -> int:
    """Recompute the rollups of ``months`` (ISO dates; default: last and this month).

    Beat runs it every 10 minutes; changes to records queue it for their month
    (``hooks_dashboard``). Idempotent: each month's rows are replaced.
    """
    from reporting.hooks_dashboard import pending_clear
    from reporting.rollups import rollups_rebuild, rollups_token
    from reporting.rollups import rollups_refresh as refresh

    chosen = [date.fromisoformat(month) for month in months] if months else None
    if chosen:
        pending_clear(chosen)  # changes from now on queue a new run
    if rollups_token() is None:
        # Never refreshed since the totals existed (a new database, or an upgrade
        # from before them): every month, not just the ones asked for.
        written = rollups_rebuild()
    else:
        written = 0
        if not chosen:
            # Before the usual months: those would make the new metric look present.
            from reporting.rollups import rollups_fill_missing

            written += rollups_fill_missing()
        written += refresh(months=chosen)
    dashboard_warm()
    if not chosen:
        # The playbook's stored counts ride on the scheduled run (every 10 minutes).
        from actions.services.playbook import tactic_spread_refresh

        tactic_spread_refresh()
    return written


def dashboard_warm() -> None:
    """Compute the dashboard's default view (the whole network, the last 12 months and
    the 12 before, for its trends) into the cache, so the first steering member to
    open it after a refresh does not wait for the tie graph. Only where the cache is
    shared between processes: a process-local cache would warm the worker alone."""
    from django.conf import settings

    if "locmem" in settings.CACHES["default"]["BACKEND"].lower():
        return
    from reporting.forms_dashboard import DashboardFilterForm
    from reporting.metrics import dashboard, previous_period

    form = DashboardFilterForm({})
    if form.is_valid():
        start, end = form.period()
        dashboard(start=start, end=end, before=previous_period(start, end))


# --- Reports ------------------------------------------------------------------

# A large network's bundle takes longer than the default task time limit.
REPORT_TIME_LIMIT = 1800
REPORT_RETRIES = 4


@shared_task(bind=True, max_retries=REPORT_RETRIES, time_limit=REPORT_TIME_LIMIT,
             soft_time_limit=REPORT_TIME_LIMIT - 60)  # fmt: skip
def report_build(self, report_id: int) -> bool:
    """Build a queued report, then email it; a second run finds it claimed and does nothing.

    An OSError (storage out of reach) is retried with backoff; after the last
    retry the report is marked failed so a person sees it.
    """
    from reporting.services.reports import report_build as build

    try:
        built = build(report_id=report_id, final_attempt=self.request.retries >= self.max_retries)
    except OSError as problem:
        raise self.retry(exc=problem, countdown=30 * 2**self.request.retries) from problem
    if built:
        report_email.delay(report_id)
    return built


@shared_task(
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=6,
)
def report_email(report_id: int) -> int:
    """Email a ready report to its requester or its schedule's recipients, once."""
    from reporting.services.reports import report_email as send

    return send(report_id=report_id)


@shared_task
def reports_due() -> list[int]:
    """Hourly (beat): queue the reports schedules are due for; the new reports' ids."""
    from reporting.services.reports import reports_due as queue_due

    made = queue_due()
    if made:
        logger.info("Scheduled reports queued: %s", made)
    return made

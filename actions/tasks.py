"""Celery tasks of the actions app: thin wrappers that take ids and call services."""

from __future__ import annotations

import smtplib
from datetime import date

from celery import shared_task
from django.utils import timezone

from actions.selectors_amplification import digest_group_ids
from actions.services import support

# 100 groups per task: each has a few admins and contacts, so a batch is a
# few hundred messages over one SMTP connection, well inside the task time
# limit, and a retry redoes little (groups already claimed are skipped).
DIGEST_BATCH = 100


@shared_task
def digest_send_weekly() -> int:
    """Celery beat, Mondays: hand every aligned and producing group to a batch task.

    Safe to run twice: each group's digest is claimed once per week.
    Returns the number of batches queued.
    """
    week = support.digest_week_of(timezone.localdate()).isoformat()
    ids = digest_group_ids()
    batches = [ids[start : start + DIGEST_BATCH] for start in range(0, len(ids), DIGEST_BATCH)]
    for batch in batches:
        digest_send_batch.delay(group_ids=batch, week=week)
    return len(batches)


@shared_task(
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def digest_send_batch(*, group_ids: list[int], week: str) -> int:
    """Send the week's digest to a batch of groups; a retry skips those already claimed."""
    return support.digest_send_batch(group_ids=group_ids, week=date.fromisoformat(week))


@shared_task
def support_requests_close_ended() -> int:
    """Celery beat: close the open support requests of actions that have ended."""
    return support.support_requests_close_ended()

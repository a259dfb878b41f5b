"""Celery tasks of the notification centre: thin wrappers that take ids and call services."""

from __future__ import annotations

import smtplib

from celery import shared_task

from notifications import services

# Digests per batch task: each is one email, so a batch is a few hundred
# messages, well inside the task time limit; a retry skips those already sent.
DIGEST_BATCH = 200

_RETRY = {
    "autoretry_for": (smtplib.SMTPException, OSError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 6,
}


@shared_task(**_RETRY)
def notifications_email(*, notification_ids: list[int]) -> int:
    """Queued through the outbox by ``notify``: the emails of news wanted at once."""
    return services.notifications_email_send(notification_ids=notification_ids)


@shared_task
def digests_due() -> int:
    """Every 15 minutes (beat): make the due digest rows, then hand them out in batches.

    Safe to run twice or two at once: a digest row is unique per person and
    period, and each is claimed before it is sent. Digests a dead worker held
    are handed out again after ``services.STALE_MINUTES``.
    """
    services.digests_create_due()
    ids = services.digests_to_send()
    for start in range(0, len(ids), DIGEST_BATCH):
        digests_send.delay(digest_ids=ids[start : start + DIGEST_BATCH])
    return len(ids)


@shared_task(**_RETRY)
def digests_send(*, digest_ids: list[int]) -> int:
    return sum(services.digest_send(digest_id=pk) for pk in digest_ids)


@shared_task(**_RETRY)
def broadcast_send(*, broadcast_id: int) -> int:
    """Queued through the outbox by ``broadcast_create``: one message to many, once each."""
    from notifications.broadcasts import broadcast_send as send

    return send(broadcast_id=broadcast_id)


@shared_task
def broadcasts_resume() -> int:
    """Every 5 minutes (beat): hand out again the messages a dead worker left half sent."""
    from notifications.broadcasts import broadcasts_unfinished

    ids = broadcasts_unfinished()
    for pk in ids:
        broadcast_send.delay(broadcast_id=pk)
    return len(ids)


@shared_task
def meeting_follow_ups_due() -> int:
    """Hourly (beat): remind whoever logged a 1-1 meeting that its follow-up day has come.

    Once per meeting, however often it runs: each reminder is claimed by a
    conditional UPDATE of the meeting's ``follow_up_reminded_at``.
    """
    from notifications.services import meeting_follow_ups_remind

    return meeting_follow_ups_remind()

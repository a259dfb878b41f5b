"""Celery tasks of the frame: thin wrappers that do one delivery each."""

from __future__ import annotations

import smtplib

from celery import shared_task
from django.core.mail import EmailMultiAlternatives


@shared_task(
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=6,
)
def email_send(
    *,
    subject: str,
    body: str,
    to: list[str],
    from_email: str | None = None,
    html: str | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """Send one transactional email (verification, password reset, notices).

    Queued through the outbox (``coalition.mail.email_queue``): a copy of the
    message handed over twice finds its row taken and sends nothing. A retry
    after a lost SMTP connection can still deliver the same message twice;
    that is harmless for these. Bulk outreach keeps one delivery row per
    recipient instead, so it can never repeat.
    """
    message = EmailMultiAlternatives(
        subject=subject, body=body, from_email=from_email, to=to, headers=headers or {}
    )
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


@shared_task
def outbox_flush() -> int:
    """Every OUTBOX_RETRY_SECONDS (beat): hand the broker what the outbox still holds.

    Safe to run twice or two at once: each row is taken with a conditional
    update, and a worker runs a row once however often it arrives.
    """
    from coalition.outbox import outbox_flush as flush

    return flush()


@shared_task(ignore_result=True)
def scheduler_tick() -> None:
    """Every 30 s (beat): record that the scheduler runs, for /healthz."""
    from django.utils import timezone

    from coalition.models import SchedulerTick

    SchedulerTick.objects.update_or_create(name="beat", defaults={"at": timezone.now()})


@shared_task(bind=True, max_retries=3)
def places_import_run(self, import_id: int) -> bool:
    """Import a long places CSV file stored by the add-many page; a second run does nothing."""
    from coalition.imports import import_wait_for_claim
    from coalition.models import PlaceImport
    from coalition.services import places_import_run as run

    if run(import_id=import_id):
        return True
    import_wait_for_claim(self, PlaceImport, pk=import_id)
    return False

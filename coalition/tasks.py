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

    A retry after a lost connection can deliver the same message twice; that is
    harmless for these. Bulk outreach keeps one delivery row per recipient
    instead, so it can never repeat.
    """
    message = EmailMultiAlternatives(
        subject=subject, body=body, from_email=from_email, to=to, headers=headers or {}
    )
    if html:
        message.attach_alternative(html, "text/html")
    message.send()

"""Celery tasks of the actions app: thin wrappers that take ids and call services."""

from __future__ import annotations

from celery import shared_task

from actions.services import support


@shared_task
def support_requests_close_ended() -> int:
    """Celery beat: close the open support requests of actions that have ended."""
    return support.support_requests_close_ended()

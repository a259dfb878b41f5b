"""Celery tasks of the convergence app: thin, run by beat, safe to run twice or at once."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task
def notices_due() -> int:
    """Every 5 minutes (beat): send the reminders and follow-ups that are due; how many were sent.

    The database says what is due and what was sent (convergence/services/
    notices.py), so nothing is scheduled 24 hours ahead and a run lost to a
    dead worker or broker is made up by the next one. No automatic retry:
    the next run is the retry, and the notices a mail server failure left
    unsent are given back to it.
    """
    from convergence.services.notices import notices_send_due

    outcome = notices_send_due()
    if outcome.claimed:
        logger.info("Convergence notices: %s", outcome)
    return outcome.sent


@shared_task
def days_advance() -> list[int]:
    """Every 5 minutes (beat): days go live and close with their windows; the ids closed."""
    from convergence.services.lifecycle import days_advance as advance

    advanced = advance()
    if advanced.went_live or advanced.closed:
        logger.info("Days of action: %s went live, closed %s", advanced.went_live, advanced.closed)
    return advanced.closed

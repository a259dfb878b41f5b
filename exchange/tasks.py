"""Celery tasks of the exchange app: thin, take ids, safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task
def source_sync(source_id: int) -> dict:
    """Sync one source (the button, beat). A remote failure is recorded on the source,
    never raised; a run already going on makes this one a no-op."""
    from exchange.services.sources import source_sync as sync

    result = sync(source_id=source_id)
    return {"created": result.created, "updated": result.updated,
            "cancelled": result.cancelled, "unchanged": result.unchanged,
            "error": result.error}  # fmt: skip


@shared_task
def sources_due() -> list[int]:
    """Beat: queue a sync of every source due (backoff after failures)."""
    from coalition.outbox import publish_quietly
    from exchange.services.sources import sources_due as due

    chosen = due()
    for pk in chosen:
        # Beat asks again in a quarter of an hour: no outbox row needed.
        publish_quietly(source_sync, kwargs={"source_id": pk})
    return chosen


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def rsvp_forward(action_id: int, given_name: str, family_name: str, email: str) -> str:
    """Send an RSVP to the origin's record attendance helper."""
    from exchange.services.sources import rsvp_forward as forward

    problem = forward(action_id=action_id, given_name=given_name, family_name=family_name,
                      email=email)  # fmt: skip
    if problem:
        logger.warning("An RSVP for action %s did not reach its origin: %s", action_id, problem)
    return problem


@shared_task(bind=True, max_retries=3)
def csv_import_run(self, import_id: int) -> bool:
    """Import a long CSV file stored by the exchange page; a second run does nothing.

    A copy that finds another worker still holding the import (redelivered after
    its worker was killed) tries again once that claim may be taken over.
    """
    from coalition.imports import import_wait_for_claim
    from exchange.models import CsvImport
    from exchange.services.csv_import import csv_import_run as run

    if run(import_id=import_id):
        return True
    import_wait_for_claim(self, CsvImport, pk=import_id)
    return False

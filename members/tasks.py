"""Celery tasks of the members app: thin, take ids, safe to run twice."""

from __future__ import annotations

import logging
import smtplib

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    # 30 s, 60 s, 120 s… (with jitter): an SMTP server that is restarting or
    # rate-limiting us gets about a quarter of an hour before we give up.
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def outreach_send_batch(self, message_id: int) -> None:
    """Send the next batch of an outreach message, then queue the batch after it.

    Running it twice, or two at once, sends nobody anything twice: each run
    claims only pending deliveries. On the last retry the claimed deliveries
    are marked failed instead of raising again.
    """
    from members.services.outreach import outreach_deliver_batch

    # Without a broker (tasks run in-process) there is no later to retry in:
    # the first failure is final, and is recorded where a person sees it.
    last_try = self.request.retries >= self.max_retries or bool(self.app.conf.task_always_eager)
    # With more than this batch waiting, queue the next batch before sending
    # this one, so another worker sends it meanwhile (claims never overlap).
    # Each run queues at most one successor ahead, so the queue stays short.
    ahead = not self.app.conf.task_always_eager and _more_than_a_batch(message_id)
    if ahead:
        outreach_send_batch.delay(message_id)
    outcome = outreach_deliver_batch(message_id=message_id, last_try=last_try)
    logger.info("Outreach %s batch: %s", message_id, outcome)
    if outcome.more and not ahead:
        outreach_send_batch.delay(message_id)


def _more_than_a_batch(message_id: int) -> bool:
    from members.models import Delivery, DeliveryStatus
    from members.services.outreach import BATCH_SIZE

    waiting = Delivery.objects.filter(message_id=message_id, status=DeliveryStatus.PENDING)
    return waiting.order_by("id")[BATCH_SIZE : BATCH_SIZE + 1].exists()


@shared_task
def outreach_sweep() -> None:
    """Every minute (beat): take back deliveries a dead worker left, resume lost sends.

    The deliveries in the database are the truth (a transactional outbox): a
    task lost between the commit and the broker, or a worker killed
    mid-batch, is healed here.
    """
    from members.services.outreach import outreach_sweep as sweep

    for message_id in sweep():
        outreach_send_batch.delay(message_id)


@shared_task(bind=True, max_retries=3)
def prospect_import_run(self, import_id: int) -> bool:
    """Import a long confirmed preview of prospect groups; a second run does nothing.

    A copy that finds another worker still holding the import (a message
    redelivered after its worker was killed) tries again once that claim may
    be taken over, so an import whose worker died is finished, not left running.
    """
    from coalition.imports import import_wait_for_claim
    from members.models import ProspectImport
    from members.services.imports import prospect_import_run as run

    if run(import_id=import_id):
        return True
    import_wait_for_claim(self, ProspectImport, pk=import_id)
    return False

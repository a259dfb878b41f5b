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
    outcome = outreach_deliver_batch(message_id=message_id, last_try=last_try)
    logger.info("Outreach %s batch: %s", message_id, outcome)
    if outcome.more:
        outreach_send_batch.delay(message_id)


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

"""The transactional outbox: tasks a person's change depends on survive a broker that is down.

``outbox_add`` writes one ``OutboxMessage`` row in the caller's transaction,
so it commits or rolls back with the change. After the commit the row is
handed to the broker with a short timeout: a request never hangs or fails
because Redis is away; the row simply stays pending. ``outbox_flush`` (Celery
beat, and ``manage.py outbox_flush``) hands over again whatever is still
pending, or was handed over long ago and never finished (a broker that lost
its queue, a worker killed mid-task).

A row may therefore reach workers more than once; ``OutboxAwareTask`` claims
it with a conditional UPDATE before running the task, so it runs once.

Pure refreshes that beat re-runs anyway (the dashboard's rollups) do not need
a row; they go through ``publish_quietly``, which has the same short timeout
and only logs when the broker is down.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from celery import Task
from celery.contrib.django.task import DjangoTask
from celery.exceptions import Retry
from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone

logger = logging.getLogger(__name__)

# The keyword a task message carries when it comes from the outbox; the task
# itself never sees it.
OUTBOX_KWARG = "_outbox"
# Done rows are kept a week for anyone looking into a complaint, then purged.
KEEP_DONE = timedelta(days=7)
# A flush hands over at most this many rows, over one broker connection; the
# next beat run takes the rest. A few hundred keep a run well under a minute
# even when the broker is slow.
FLUSH_BATCH = 500
PURGE_BATCH = 5000

# After a failed hand-over, requests in this process skip the broker for a
# while instead of each waiting for the timeout again; their rows wait for the
# flush. (Per process, no lock: a race only costs one more attempt.)
_broker_down_until = 0.0


def _eager() -> bool:
    from coalition.celery import app

    return bool(app.conf.task_always_eager)


def _broker_connection():
    """A fresh connection to the broker that gives up after OUTBOX_PUBLISH_TIMEOUT.

    Not the shared producer pool: its connections wait forever on a broker that
    accepts the TCP connection but does not answer.
    """
    from coalition.celery import app

    timeout = settings.OUTBOX_PUBLISH_TIMEOUT
    return app.connection_for_write(
        connect_timeout=timeout,
        transport_options={
            **app.conf.broker_transport_options,
            "socket_timeout": timeout,
            "socket_connect_timeout": timeout,
        },
    )


def _send(task: Task, kwargs: dict, connection, **options) -> None:
    task.apply_async(kwargs=kwargs, connection=connection, retry=False, **options)


def publish_quietly(task: Task, *, kwargs: dict | None = None, **options) -> bool:
    """Queue ``task`` now if the broker answers in time; else log and return False.

    For work that is re-done by beat anyway. In-process mode (no broker) runs
    it as ``apply_async`` always did.
    """
    global _broker_down_until
    if _eager():
        task.apply_async(kwargs=kwargs or {}, **options)
        return True
    if time.monotonic() < _broker_down_until:
        return False
    try:
        with _broker_connection() as connection:
            _send(task, kwargs or {}, connection, **options)
    except Exception:
        _broker_down_until = time.monotonic() + settings.OUTBOX_PUBLISH_TIMEOUT * 5
        logger.warning("The broker did not take %s; beat will run it later.", task.name)
        return False
    return True


def outbox_add(task: Task, /, **kwargs) -> int:
    """Run ``task(**kwargs)`` once the current transaction commits, even if the broker is down.

    ``kwargs`` must be JSON-serialisable (ids, not rows). Returns the row's id.
    """
    from coalition.models import OutboxMessage

    row = OutboxMessage.objects.create(task=task.name, kwargs=kwargs)
    transaction.on_commit(lambda: _publish_after_commit(row.pk, task, kwargs))
    return row.pk


def _publish_after_commit(pk: int, task: Task, kwargs: dict) -> None:
    global _broker_down_until
    from coalition.models import OutboxStatus

    message = {**kwargs, OUTBOX_KWARG: pk}
    if _eager():
        # No broker: the task runs here and now, claiming its row like a worker.
        task.apply_async(kwargs=message)
        return
    if time.monotonic() < _broker_down_until:
        return
    now = timezone.now()
    try:
        with _broker_connection() as connection:
            _send(task, message, connection)
    except Exception:
        _broker_down_until = time.monotonic() + settings.OUTBOX_PUBLISH_TIMEOUT * 5
        logger.warning(
            "The broker did not take outbox message %s (%s); the flush will hand it over.",
            pk,
            task.name,
        )
        _note(pk, attempted_at=now, attempts=F("attempts") + 1)
        return
    # Only a row nobody has taken yet becomes "published": a fast worker may
    # already have claimed or finished it.
    _note(
        pk,
        status=OutboxStatus.PUBLISHED,
        attempted_at=now,
        published_at=now,
        attempts=F("attempts") + 1,
    )


def _note(pk: int, **fields) -> None:
    """Record a hand-over on a row still pending; never fail the request for it.

    The change is committed already: if the database is away now, the row stays
    pending and the flush hands it over again (the claim drops the copy).
    """
    from coalition.models import OutboxMessage, OutboxStatus

    try:
        OutboxMessage.objects.filter(pk=pk, status=OutboxStatus.PENDING).update(**fields)
    except DatabaseError:
        logger.warning("Could not record the hand-over of outbox message %s.", pk)


def _due(now, older_than: timedelta) -> Q:
    from coalition.models import OutboxStatus

    retry_before = now - older_than
    lost_before = now - timedelta(seconds=settings.OUTBOX_LOST_SECONDS)
    return (
        Q(status=OutboxStatus.PENDING, created_at__lte=retry_before)
        & (Q(attempted_at__isnull=True) | Q(attempted_at__lte=retry_before))
        | Q(status=OutboxStatus.PUBLISHED, published_at__lte=lost_before)
        | Q(status=OutboxStatus.RUNNING, claimed_at__lte=lost_before)
    )


def outbox_flush(*, older_than: float | None = None, limit: int = FLUSH_BATCH) -> int:
    """Hand over again what is still waiting; return how many the broker took.

    Pending rows older than ``older_than`` seconds (default
    OUTBOX_RETRY_SECONDS), and rows handed over or claimed longer ago than
    OUTBOX_LOST_SECONDS without finishing. Two flushes at once hand over a row
    once: each row is taken with a conditional UPDATE first. Stops at the first
    broker failure; the next run tries again. Also purges old done rows.
    """
    from coalition.celery import app
    from coalition.models import OutboxMessage, OutboxStatus

    now = timezone.now()
    wait = timedelta(
        seconds=settings.OUTBOX_RETRY_SECONDS if older_than is None else max(older_than, 0)
    )
    rows = list(
        OutboxMessage.objects.filter(_due(now, wait))
        .order_by("pk")
        .values("pk", "task", "kwargs", "status", "attempted_at")[:limit]
    )
    _purge(now)
    if not rows:
        return 0
    handed = 0
    eager = _eager()
    connection = None if eager else _broker_connection()
    try:
        for row in rows:
            taken = OutboxMessage.objects.filter(
                pk=row["pk"], status=row["status"], attempted_at=row["attempted_at"]
            ).update(attempted_at=now, attempts=F("attempts") + 1)
            if not taken:
                continue  # another flush has it, or a worker finished it meanwhile
            task = app.tasks.get(row["task"])
            if task is None:
                OutboxMessage.objects.filter(pk=row["pk"]).update(
                    status=OutboxStatus.FAILED, finished_at=now, error="Unknown task."
                )
                logger.error("Outbox message %s names an unknown task %s", row["pk"], row["task"])
                continue
            message = {**row["kwargs"], OUTBOX_KWARG: row["pk"]}
            if eager:
                task.apply_async(kwargs=message)
                handed += 1
                continue
            try:
                _send(task, message, connection)
            except Exception:
                logger.warning("The broker is still down; %s outbox messages wait.", len(rows))
                break
            handed += 1
            OutboxMessage.objects.filter(pk=row["pk"], status=row["status"]).update(
                status=OutboxStatus.PUBLISHED, published_at=now
            )
    finally:
        if connection is not None:
            connection.release()
    if handed:
        logger.info("Outbox: handed %s messages to the broker again.", handed)
    return handed


def _purge(now) -> None:
    from coalition.models import OutboxMessage, OutboxStatus

    old = OutboxMessage.objects.filter(
        status=OutboxStatus.DONE, finished_at__lt=now - KEEP_DONE
    ).values_list("pk", flat=True)[:PURGE_BATCH]
    OutboxMessage.objects.filter(pk__in=list(old)).delete()


def outbox_claim(*, pk: int, claimant: str) -> bool:
    """Take row ``pk`` for the task ``claimant`` (a Celery task id); False if someone has it.

    Free rows (pending, published) can be taken; a row already claimed only by
    the same task id (its retry, or its redelivery after a crash) or after
    OUTBOX_LOST_SECONDS (its worker died). Done and failed rows never.
    """
    from coalition.models import OutboxMessage, OutboxStatus

    now = timezone.now()
    lost_before = now - timedelta(seconds=settings.OUTBOX_LOST_SECONDS)
    taken = (
        OutboxMessage.objects.filter(pk=pk)
        .filter(
            Q(status__in=[OutboxStatus.PENDING, OutboxStatus.PUBLISHED])
            | Q(status=OutboxStatus.RUNNING, claimed_by=claimant)
            | Q(status=OutboxStatus.RUNNING, claimed_at__lte=lost_before)
        )
        .update(
            status=OutboxStatus.RUNNING, claimed_by=claimant, claimed_at=now, runs=F("runs") + 1
        )
    )
    return bool(taken)


def outbox_finish(*, pk: int, error: str = "") -> None:
    """Record the end of a claimed row's task: done, or failed with ``error`` after its last try."""
    from coalition.models import OutboxMessage, OutboxStatus

    OutboxMessage.objects.filter(pk=pk).update(
        status=OutboxStatus.FAILED if error else OutboxStatus.DONE,
        finished_at=timezone.now(),
        error=error[:2000],
    )


class OutboxAwareTask(DjangoTask):
    """The base of every task: runs a message that came from the outbox only once.

    A message without the outbox keyword runs as usual. One with it first
    claims its row; if the row is done, failed, or running under another task
    id, the message is a duplicate and is dropped. The row is marked done when
    the task returns, failed when it raises for the last time; while it
    retries (``Retry``) it stays claimed by this task id, which its retry
    carries.
    """

    # Celery's own argument check would refuse the outbox's keyword; the same
    # check runs in apply_async below, without it.
    typing = False

    def apply_async(self, args=None, kwargs=None, *rest, **options):
        check = getattr(self, "__header__", None)
        if check is not None:
            own = {key: value for key, value in (kwargs or {}).items() if key != OUTBOX_KWARG}
            check(*(args or ()), **own)
        return super().apply_async(args, kwargs, *rest, **options)

    def __call__(self, *args, **kwargs):
        pk = kwargs.pop(OUTBOX_KWARG, None)
        if pk is None:
            return super().__call__(*args, **kwargs)
        claimant = self.request.id or f"direct-{pk}"
        if not outbox_claim(pk=pk, claimant=claimant):
            logger.info("Outbox message %s is taken or finished; %s skips it.", pk, self.name)
            return None
        try:
            result = super().__call__(*args, **kwargs)
        except Retry:
            raise
        except Exception as problem:
            outbox_finish(pk=pk, error=f"{type(problem).__name__}: {problem}")
            raise
        outbox_finish(pk=pk)
        return result

"""Long CSV imports run by a worker: claim once, write only under the claim, finish or fail.

Shared by the exchange's people and groups (``exchange.CsvImport``) and the
weaver's prospects (``members.ProspectImport``), both ``ImportRun`` rows. A row
is claimed with a conditional update (pending → running, or a running import
whose claim is older than the task time limit: its worker was lost), so two
workers never run it at once; every later write names the claim's time, so a
worker that lost its claim to another changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from coalition.models import ImportRun, ImportStatus


def _lost_before(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)


def import_claim(model: type[ImportRun], *, pk: int, **fields) -> datetime | None:
    """Take import ``pk`` for this worker; the claim's time, or None if there is nothing to take.

    ``fields`` are set with the claim (``rows_done=0`` for an import that starts over).
    """
    now = timezone.now()
    claimed = (
        model.objects.filter(pk=pk)
        .filter(
            Q(status=ImportStatus.PENDING)
            | Q(status=ImportStatus.RUNNING, started_at__lt=_lost_before(now))
        )
        .update(status=ImportStatus.RUNNING, started_at=now, **fields)
    )
    return now if claimed else None


def import_busy(model: type[ImportRun], *, pk: int) -> bool:
    """True while another worker holds a claim on import ``pk`` that is not yet lost."""
    return model.objects.filter(
        pk=pk, status=ImportStatus.RUNNING, started_at__gte=_lost_before(timezone.now())
    ).exists()


def import_wait_for_claim(task, model: type[ImportRun], *, pk: int) -> None:
    """In a bound task whose claim was refused: retry once the other worker's claim may be
    taken over, if a worker still holds it; return if the import is finished.

    A message redelivered after its worker was killed finds the import still
    claimed by that dead worker; without this retry nothing would ever finish it.
    Tasks run in-process have nobody to wait for.
    """
    if task.app.conf.task_always_eager or task.request.retries >= task.max_retries:
        return
    if import_busy(model, pk=pk):
        raise task.retry(countdown=settings.CELERY_TASK_TIME_LIMIT + 1)


def import_current(model: type[ImportRun], *, pk: int, claimed_at: datetime) -> QuerySet:
    """The import, only while this claim is still the current one: write through it."""
    return model.objects.filter(pk=pk, status=ImportStatus.RUNNING, started_at=claimed_at)


def import_finish(model: type[ImportRun], *, pk: int, claimed_at: datetime, **fields) -> bool:
    """Mark the import done with its result ``fields``; False if the claim was lost meanwhile."""
    return bool(
        import_current(model, pk=pk, claimed_at=claimed_at).update(
            status=ImportStatus.DONE, finished_at=timezone.now(), **fields
        )
    )


def import_fail(
    model: type[ImportRun], *, pk: int, claimed_at: datetime, problem: str, **fields
) -> None:
    """Mark the import failed, saying why where the person who started it will look."""
    import_current(model, pk=pk, claimed_at=claimed_at).update(
        status=ImportStatus.FAILED, problem=problem, finished_at=timezone.now(), **fields
    )


def import_batches(rows: list, size: int) -> Iterator[list]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]

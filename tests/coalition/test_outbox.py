"""The outbox: tasks commit with the change, survive a broker that is down, and run once."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

import coalition.outbox
from coalition.celery import app as celery_app
from coalition.mail import email_queue
from coalition.models import OutboxMessage, OutboxStatus
from coalition.outbox import OUTBOX_KWARG, outbox_claim, outbox_flush, publish_quietly
from coalition.tasks import email_send
from tests.faults.parts import free_port

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


def _queue(subject: str = "Hello") -> None:
    email_queue(EmailMessage(subject=subject, body="Body.", to=["ada@example.net"]))


@pytest.fixture
def broker_down(settings):
    """Not eager, and a broker address where nothing listens."""
    previous = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    celery_app.conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"
    celery_app.conf.task_always_eager = False
    coalition.outbox._broker_down_until = 0.0
    yield
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = previous
    coalition.outbox._broker_down_until = 0.0


def test_a_rolled_back_change_leaves_no_outbox_row_and_sends_nothing(
    django_capture_on_commit_callbacks,
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(Rollback),
        transaction.atomic(),
    ):
        _queue()
        raise Rollback

    assert OutboxMessage.objects.count() == 0
    assert mail.outbox == []


def test_a_committed_email_is_sent_once_and_its_row_is_done(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        _queue("Committed")
        assert OutboxMessage.objects.get().status == OutboxStatus.PENDING

    row = OutboxMessage.objects.get()
    assert (row.status, row.runs, row.task) == (OutboxStatus.DONE, 1, "coalition.tasks.email_send")
    assert [m.subject for m in mail.outbox] == ["Committed"]


def test_a_row_handed_over_twice_sends_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _queue("Once")
    row = OutboxMessage.objects.get()

    email_send.apply_async(kwargs={**row.kwargs, OUTBOX_KWARG: row.pk})

    assert [m.subject for m in mail.outbox] == ["Once"]
    assert OutboxMessage.objects.get().runs == 1


def test_a_claim_is_refused_to_another_task_but_not_to_its_retry_or_after_the_owner_is_lost(
    settings,
):
    row = OutboxMessage.objects.create(task="coalition.tasks.email_send")

    assert outbox_claim(pk=row.pk, claimant="first")
    assert not outbox_claim(pk=row.pk, claimant="second")
    assert outbox_claim(pk=row.pk, claimant="first")  # its own retry
    OutboxMessage.objects.filter(pk=row.pk).update(
        claimed_at=timezone.now() - timedelta(seconds=settings.OUTBOX_LOST_SECONDS + 1)
    )
    assert outbox_claim(pk=row.pk, claimant="second")  # the first worker died


def test_a_task_that_fails_for_good_marks_its_row_failed(
    settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.coalition.test_outbox.BrokenBackend"

    with pytest.raises(ValueError), django_capture_on_commit_callbacks(execute=True):
        _queue()

    row = OutboxMessage.objects.get()
    assert row.status == OutboxStatus.FAILED
    assert "ValueError" in row.error


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        raise ValueError("no way to send")


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_the_commit_returns_fast_and_the_row_waits(broker_down):
    started = time.monotonic()
    with transaction.atomic():
        _queue("First")
    first = time.monotonic() - started
    started = time.monotonic()
    with transaction.atomic():
        _queue("Second")
    second = time.monotonic() - started

    assert first < 5
    assert second < 0.5  # the process does not wait for a broker it just found down
    rows = list(OutboxMessage.objects.order_by("pk").values_list("status", "attempts"))
    assert rows == [(OutboxStatus.PENDING, 1), (OutboxStatus.PENDING, 0)]
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_the_flush_stops_at_a_broker_that_is_down_and_keeps_the_rows(broker_down):
    with transaction.atomic():
        _queue()

    assert outbox_flush(older_than=0) == 0
    assert OutboxMessage.objects.get().status == OutboxStatus.PENDING


@pytest.mark.django_db(transaction=True)
def test_publish_quietly_reports_a_broker_that_is_down_without_raising(broker_down):
    assert publish_quietly(email_send, kwargs={"subject": "x", "body": "y", "to": ["a@b.c"]}) is (
        False
    )


def test_the_flush_hands_over_old_pending_and_lost_rows_only(settings):
    now = timezone.now()
    lost = now - timedelta(seconds=settings.OUTBOX_LOST_SECONDS + 5)

    def row(subject: str, **fields) -> OutboxMessage:
        made = OutboxMessage.objects.create(
            task="coalition.tasks.email_send",
            kwargs={"subject": subject, "body": "b", "to": ["ada@example.net"]},
        )
        OutboxMessage.objects.filter(pk=made.pk).update(**fields)
        return made

    row("old pending", created_at=now - timedelta(seconds=settings.OUTBOX_RETRY_SECONDS + 5))
    row("fresh pending")
    row("published long ago", status=OutboxStatus.PUBLISHED, created_at=lost, published_at=lost)
    row("claimed by a dead worker", status=OutboxStatus.RUNNING, created_at=lost, claimed_at=lost,
        claimed_by="dead")  # fmt: skip
    row("published just now", status=OutboxStatus.PUBLISHED, published_at=now)
    row("done", status=OutboxStatus.DONE, created_at=lost)

    assert outbox_flush() == 3

    assert sorted(m.subject for m in mail.outbox) == [
        "claimed by a dead worker",
        "old pending",
        "published long ago",
    ]


def test_the_flush_purges_done_rows_after_a_week():
    old = OutboxMessage.objects.create(task="coalition.tasks.email_send", status=OutboxStatus.DONE)
    OutboxMessage.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=8))
    failed = OutboxMessage.objects.create(
        task="coalition.tasks.email_send", status=OutboxStatus.FAILED
    )

    outbox_flush()

    assert list(OutboxMessage.objects.values_list("pk", flat=True)) == [failed.pk]


def test_a_row_naming_an_unknown_task_is_marked_failed():
    row = OutboxMessage.objects.create(task="nowhere.tasks.gone")
    OutboxMessage.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(hours=1))

    outbox_flush()

    row.refresh_from_db()
    assert (row.status, row.error) == (OutboxStatus.FAILED, "Unknown task.")


def test_the_command_hands_over_everything_waiting(capsys):
    OutboxMessage.objects.create(
        task="coalition.tasks.email_send",
        kwargs={"subject": "Waiting", "body": "b", "to": ["ada@example.net"]},
    )

    call_command("outbox_flush", "--older-than", "0")

    assert "Handed 1 outbox task(s)" in capsys.readouterr().out
    assert [m.subject for m in mail.outbox] == ["Waiting"]


@pytest.mark.parametrize("args", [["--older-than", "-1"], ["--batch", "0"]])
def test_the_command_refuses_bad_numbers(args):
    with pytest.raises(CommandError):
        call_command("outbox_flush", *args)


def test_the_tolerant_cache_answers_missing_when_redis_is_down():
    from coalition.cache import TolerantRedisCache

    cache = TolerantRedisCache(f"redis://127.0.0.1:{free_port()}/0", {})

    started = time.monotonic()
    assert cache.get("k", "default") == "default"
    assert cache.add("k", 1) is True
    with pytest.raises(ValueError):
        cache.incr("k")
    assert cache.get_many(["k"]) == {}
    assert time.monotonic() - started < 5  # one timeout, then it stops asking

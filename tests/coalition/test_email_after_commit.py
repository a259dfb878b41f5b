"""Email is queued on commit: sent when the transaction commits, never when it rolls back.

The first pair runs tasks in-process (the default without REDIS_URL); the
second pair goes through the Redis broker to a real worker process.
"""

import time

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.db import transaction

from coalition.mail import email_queue
from tests.support import wait_for


class Rollback(Exception):
    pass


def message(subject: str) -> EmailMessage:
    return EmailMessage(subject=subject, body="Hello from the test.", to=["ada@example.net"])


@pytest.mark.django_db
def test_in_process_email_waits_for_the_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        email_queue(message("After commit"))
        assert mail.outbox == []

    assert len(callbacks) == 1
    assert [m.subject for m in mail.outbox] == ["After commit"]


@pytest.mark.django_db
def test_in_process_email_is_dropped_on_rollback(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Rollback),
        transaction.atomic(),
    ):
        email_queue(message("Never"))
        raise Rollback

    assert callbacks == []
    assert mail.outbox == []


def sent_subjects(mail_dir) -> list[str]:
    subjects = []
    for path in sorted(mail_dir.iterdir()):
        for line in path.read_text().splitlines():
            if line.startswith("Subject: "):
                subjects.append(line.removeprefix("Subject: "))
    return subjects


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_worker_sends_email_queued_in_a_transaction_only_after_commit(
    celery_worker_process, mail_dir
):
    with transaction.atomic():
        email_queue(message("Worker after commit"))
        # Nothing has reached the broker yet: give the worker every chance to
        # run it early, then check it did not.
        time.sleep(1.5)
        assert "Worker after commit" not in sent_subjects(mail_dir)

    def delivered():
        return "Worker after commit" in sent_subjects(mail_dir)

    wait_for(delivered, timeout=30)


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_worker_never_sends_email_queued_in_a_rolled_back_transaction(
    celery_worker_process, mail_dir
):
    with pytest.raises(Rollback), transaction.atomic():
        email_queue(message("Worker rolled back"))
        raise Rollback
    # The worker takes tasks in order from its own queue: once a later
    # message is delivered, the rolled-back one would have been too.
    with transaction.atomic():
        email_queue(message("Worker sentinel"))

    def sentinel_delivered():
        return "Worker sentinel" in sent_subjects(mail_dir)

    wait_for(sentinel_delivered, timeout=30)
    assert "Worker rolled back" not in sent_subjects(mail_dir)

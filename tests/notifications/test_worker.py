"""The notification centre through the real parts: PostgreSQL, the Redis broker, a real worker.

Immediate news leaves through the outbox and the worker; digests left claimed by a
worker that died are sent by the next run, and two runs at once still send each
person exactly one digest.
"""

from __future__ import annotations

import email
from collections import Counter
from datetime import timedelta

import pytest
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from coalition.mail import email_queue
from notifications import tasks
from notifications.models import Delivery, Digest, DigestStatus, Notification, NotificationChoice
from notifications.services import digests_create_due, notify
from tests.support import wait_for

SEPARATOR = "\n" + "-" * 79 + "\n"
# A kind the worker process knows too (registered by the app, not by a test).
KIND = "role_given"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
]


def _received(mail_dir, domain: str) -> Counter:
    seen: Counter = Counter()
    for path in mail_dir.iterdir():
        for chunk in path.read_text().split(SEPARATOR):
            if chunk.strip():
                to = (email.message_from_string(chunk)["To"] or "").lower()
                if to.endswith(domain):
                    seen[to] += 1
    return seen


def _sentinel(mail_dir, name: str) -> None:
    """Queue a marker email and wait for it: the worker has run what was queued before it."""
    address = f"{name}@sentinel.example.org"
    email_queue(EmailMessage(subject="Sentinel", body="Done.", to=[address]))
    wait_for(lambda: _received(mail_dir, "sentinel.example.org")[address] >= 1, timeout=60)


def test_immediate_news_is_emailed_once_by_the_worker(celery_worker_process, mail_dir, make_person):
    ana = make_person("ana@immediate.example.org")
    NotificationChoice.objects.create(person=ana, kind=KIND, delivery=Delivery.IMMEDIATE)

    with transaction.atomic():
        (made,) = notify(recipients=[ana], kind=KIND, context={"role": "weaver"})
    _sentinel(mail_dir, "immediate")

    assert _received(mail_dir, "immediate.example.org") == Counter({ana.email: 1})
    made.refresh_from_db()
    assert made.emailed_at is not None


def test_claims_left_by_a_dead_worker_and_two_runs_at_once_give_one_digest_each(
    celery_worker_process, mail_dir, make_person
):
    people = [make_person(f"p{n}@digest.example.org") for n in range(6)]
    for person in people:
        NotificationChoice.objects.create(person=person, kind=KIND, delivery=Delivery.WEEKLY)
        for n in range(3):
            notify(recipients=[person], kind=KIND, context={"role": str(n)})
    Notification.objects.update(created_at=timezone.now() - timedelta(days=8))
    digests_create_due()
    # A worker claimed two digests and died before sending them.
    stale = timezone.now() - timedelta(hours=1)
    dead = Digest.objects.order_by("pk")[:2].values_list("pk", flat=True)
    Digest.objects.filter(pk__in=list(dead)).update(status=DigestStatus.SENDING, claimed_at=stale)

    tasks.digests_due.delay()
    tasks.digests_due.delay()
    # The worker runs tasks side by side: the sentinel alone can overtake a run
    # still sending. Wait until every digest is sent, then for the sentinel.
    wait_for(
        lambda: Digest.objects.filter(status=DigestStatus.SENT).count() == len(people),
        timeout=60,
    )
    _sentinel(mail_dir, "digests")

    assert _received(mail_dir, "digest.example.org") == Counter(
        {person.email: 1 for person in people}
    )
    assert Digest.objects.filter(status=DigestStatus.SENT).count() == len(people)

"""A worker killed in the middle of a 500-recipient send: after a restart, everyone has one email.

Real parts only: PostgreSQL, the Redis broker, two real ``celery worker``
processes one after the other, and a real SMTP server (aiosmtpd) on loopback
in this process.

Where the kill lands decides what is provable. A worker marks each delivery
``sent`` in its own transaction right after the SMTP server accepted it, so
the only moment a kill can make a recipient get two copies is between the
server's "250 OK" and that commit — a few milliseconds per message, which no
design can close over SMTP (the server cannot be asked "did you already take
this?"; the deterministic Message-ID lets mailbox providers drop the copy).
To make the test deterministic rather than lucky, the SMTP server holds the
120th message's DATA unanswered and the worker is killed while it waits: that
message was not accepted, so sending it again is right, and the test proves
that nobody is skipped and nobody already served is served again.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest
from django.db import transaction

from members import tasks
from members.models import (
    DeliveryStatus,
    Group,
    GroupKind,
    OutreachMessage,
    OutreachStatus,
    Stage,
)
from members.services.outreach import message_id_for, outreach_create, outreach_send
from tests.conftest import running_celery_worker
from tests.factories import make_place
from tests.support import wait_for

RECIPIENTS = 500
KILL_AT = 120  # inside the first batch of 200, so some are sent, some claimed, most pending


@pytest.mark.postgres
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_leaves_every_recipient_exactly_one_email(smtp_sink, weaver):
    place = make_place("Riverside")
    Group.objects.bulk_create(
        Group(
            name=f"Group {n:03}",
            slug=f"group-{n:03}",
            kind=GroupKind.COMMUNITY,
            place=place,
            stage=Stage.PROSPECT,
            contact_email=f"group{n:03}@example.org",
        )
        for n in range(RECIPIENTS)
    )
    message = outreach_create(
        subject="Hello {{ group.name }}",
        body="Dear {{ person.first_name }},\n\nJoin us: {{ invitation_link }}",
        audience={"stages": ["prospect"]},
        by=weaver,
    )
    smtp_sink.pause_at = KILL_AT
    env = {
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_sink.port}",
        # The fresh worker's sweep may take back deliveries claimed a second ago.
        "OUTREACH_STALE_SECONDS": "1",
    }
    queue = f"test-outreach-{message.pk}-{int(time.time())}"

    with running_celery_worker(queue=queue, env=env) as first_worker:
        with transaction.atomic():
            outreach_send(message=message, by=weaver)
        wait_for(smtp_sink.paused.is_set, timeout=60)
        first_worker.kill()  # SIGKILL: no cleanup, no acknowledgement
        first_worker.wait(timeout=10)
    smtp_sink.release.set()  # the held message is answered 421 to nobody

    assert smtp_sink.count() == KILL_AT - 1
    left_behind = Counter(message.deliveries.values_list("status", flat=True))
    assert left_behind == {
        DeliveryStatus.SENT: KILL_AT - 1,
        DeliveryStatus.SENDING: 200 - (KILL_AT - 1),  # the rest of the claimed batch
        DeliveryStatus.PENDING: RECIPIENTS - 200,
    }

    with running_celery_worker(queue=queue, env=env):
        time.sleep(1.2)  # every claim of the dead worker is now older than the threshold
        tasks.outreach_sweep.delay()

        def finished() -> bool:
            return OutreachMessage.objects.filter(
                pk=message.pk, status=OutreachStatus.SENT
            ).exists()

        wait_for(finished, timeout=180)

    rcpts = Counter(smtp_sink.rcpts())
    expected = {f"group{n:03}@example.org" for n in range(RECIPIENTS)}
    assert set(rcpts) == expected
    assert [rcpt for rcpt, copies in rcpts.items() if copies != 1] == []
    deliveries = list(message.deliveries.order_by("id"))
    assert {delivery.status for delivery in deliveries} == {DeliveryStatus.SENT}
    by_address = {item.rcpt: item.message_id for item in smtp_sink.received}
    assert all(by_address[d.email] == message_id_for(d) for d in deliveries)
    # The dead worker's unsent claims (the held message and the rest of its
    # batch) were claimed a second time, by the fresh worker; nothing else was.
    attempts = [delivery.attempts for delivery in deliveries]
    assert attempts == [1] * (KILL_AT - 1) + [2] * (200 - (KILL_AT - 1)) + [1] * (RECIPIENTS - 200)

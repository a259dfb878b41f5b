"""Reminders through the real parts: PostgreSQL, the Redis broker and a real worker; and two
runs at the same moment in two threads. Each person still gets exactly one reminder."""

from __future__ import annotations

import email
import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.db import connection
from django.utils import timezone

from actions.models import Participation
from coalition.mail import email_queue
from convergence import tasks
from convergence.models import Event, NoticeSent
from convergence.services.notices import notices_send_due
from tests.factories import add_member, make_action, make_day
from tests.support import wait_for

SEPARATOR = "\n" + "-" * 79 + "\n"


def _fill(place, group, admin, *, events: int = 3, rsvps: int = 4) -> list[str]:
    """Events in 12 hours with RSVPs; who should get a reminder (the host: one per event)."""
    day = make_day(places=[place], status="live", days_ahead=-1, hours=72)
    expected = [admin.email] * events
    start = timezone.now() + timedelta(hours=12)
    for n in range(events):
        action = make_action(
            group, by=admin, starts_at=start, ends_at=start + timedelta(hours=2), rsvp_count=rsvps
        )
        Event.objects.create(day=day, action=action)
        for m in range(rsvps):
            address = f"worker-{n}-{m}@example.org"
            Participation.objects.create(action=action, name=f"Person {n}-{m}", email=address)
            expected.append(address)
    return expected


def _received(mail_dir, prefix: str) -> tuple[Counter, Counter]:
    """How many messages the worker wrote to each of this test's addresses, and their ids."""
    seen: Counter = Counter()
    ids: Counter = Counter()
    for path in mail_dir.iterdir():
        for chunk in path.read_text().split(SEPARATOR):
            if not chunk.strip():
                continue
            message = email.message_from_string(chunk)
            to = (message["To"] or "").lower()
            if to.startswith(prefix) or to == "admin@example.net":
                seen[to] += 1
                ids[message["Message-ID"]] += 1
    return seen, ids


@pytest.mark.postgres
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_notices_due_twice_through_the_worker_sends_each_reminder_once(
    celery_worker_process, mail_dir, place, group, group_admin
):
    expected = _fill(place, group, group_admin)

    tasks.notices_due.delay()
    tasks.notices_due.delay()
    # The worker runs its queue in order: once this sentinel is written, both
    # runs have finished.
    email_queue(
        EmailMessage(subject="Sentinel", body="After both runs.", to=["sentinel@example.org"])
    )

    def sentinel_written() -> bool:
        return any("sentinel@example.org" in path.read_text() for path in mail_dir.iterdir())

    wait_for(sentinel_written, timeout=60)
    received, message_ids = _received(mail_dir, "worker-")
    assert received == Counter(expected)
    # One message per notice: no Message-ID was written twice.
    assert len(message_ids) == len(expected)
    assert set(message_ids.values()) == {1}
    assert NoticeSent.objects.filter(sent_at__isnull=False).count() == len(expected)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_moment_send_each_reminder_once(
    place, group, group_admin, make_person
):
    contact = make_person("contact@example.net", name="Cora Contact")
    add_member(group, contact, "contact")
    expected = [*_fill(place, group, group_admin, events=5, rsvps=20), *["contact@example.net"] * 5]
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            # Small chunks make the runs interleave claim after claim.
            notices_send_due(chunk=7)
        except BaseException as problem:  # reported below
            errors.append(problem)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    # The admin and the contact host five events each: one reminder per event.
    assert Counter(address for message in mail.outbox for address in message.to) == Counter(
        expected
    )
    assert len({message.extra_headers["Message-ID"] for message in mail.outbox}) == len(expected)

"""Outreach sending: one delivery per recipient, never twice, never to a suppressed address."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from coalition.errors import RuleBroken
from members import tasks
from members.models import (
    Delivery,
    DeliveryStatus,
    Group,
    OutreachMessage,
    OutreachStatus,
    Stage,
    Suppression,
    SuppressionReason,
)
from members.services import outreach as service
from members.services.outreach import (
    outreach_create,
    outreach_deliver_batch,
    outreach_resign_send,
    outreach_send,
    outreach_sweep,
    unsubscribe_token,
)
from tests.factories import GroupFactory, PersonFactory, add_member, publish_statement

pytestmark = pytest.mark.django_db


def prospects(count: int, *, stage: str = Stage.PROSPECT) -> list[Group]:
    return [
        GroupFactory(name=f"Group {n:03}", stage=stage, contact_email=f"group{n:03}@example.org")
        for n in range(count)
    ]


def compose(by, **overrides) -> OutreachMessage:
    fields = {
        "subject": "Hello {{ group.name }}",
        "body": "Dear {{ person.first_name }},\n\nWe would love to meet.",
        "audience": {},
        "by": by,
    }
    fields.update(overrides)
    return outreach_create(**fields)


def send_now(message, by, capture) -> int:
    """Send as a request would: the batch task runs (in-process) once the transaction commits."""
    with capture(execute=True):
        return outreach_send(message=message, by=by)


def statuses(message) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in message.deliveries.values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


def test_sending_mails_each_recipient_once_and_marks_the_message_sent(
    weaver, django_capture_on_commit_callbacks
):
    prospects(5)
    message = compose(weaver)

    assert send_now(message, weaver, django_capture_on_commit_callbacks) == 5

    assert sorted(m.to[0] for m in mail.outbox) == [f"group{n:03}@example.org" for n in range(5)]
    message.refresh_from_db()
    assert message.status == OutreachStatus.SENT
    assert message.sent_at is not None
    assert statuses(message) == {"sent": 5}
    assert all(d.sent_at and d.attempts == 1 for d in message.deliveries.all())


def test_nothing_is_sent_before_the_transaction_commits(weaver, django_capture_on_commit_callbacks):
    prospects(2)
    message = compose(weaver)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        outreach_send(message=message, by=weaver)

    assert mail.outbox == []
    assert len(callbacks) == 1
    assert statuses(message) == {"pending": 2}


def test_sending_in_batches_chains_until_everyone_is_mailed(
    weaver, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(service, "BATCH_SIZE", 3)
    prospects(8)
    message = compose(weaver)

    send_now(message, weaver, django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 8
    assert len({m.to[0] for m in mail.outbox}) == 8
    message.refresh_from_db()
    assert message.status == OutreachStatus.SENT


def test_a_duplicate_click_on_send_does_nothing_and_says_so(
    weaver, django_capture_on_commit_callbacks
):
    prospects(3)
    message = compose(weaver)
    send_now(message, weaver, django_capture_on_commit_callbacks)

    with pytest.raises(RuleBroken) as refused:
        send_now(message, weaver, django_capture_on_commit_callbacks)

    assert "nothing was sent twice" in refused.value.message
    assert len(mail.outbox) == 3
    assert Delivery.objects.count() == 3


def test_a_second_request_holding_a_stale_draft_cannot_send_again(
    weaver, django_capture_on_commit_callbacks
):
    prospects(2)
    message = compose(weaver)
    stale_copy = OutreachMessage.objects.get(pk=message.pk)  # still says "draft"
    send_now(message, weaver, django_capture_on_commit_callbacks)

    with pytest.raises(RuleBroken):
        send_now(stale_copy, weaver, django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 2


def test_an_audience_with_no_address_is_refused_and_stays_a_draft(
    weaver, django_capture_on_commit_callbacks
):
    GroupFactory(contact_email="")
    message = compose(weaver)

    with pytest.raises(RuleBroken):
        send_now(message, weaver, django_capture_on_commit_callbacks)

    message.refresh_from_db()
    assert message.status == OutreachStatus.DRAFT


def test_unsubscribed_and_bounced_addresses_are_never_mailed(
    weaver, django_capture_on_commit_callbacks
):
    prospects(4)
    Suppression.objects.create(email="group000@example.org", reason=SuppressionReason.UNSUBSCRIBED)
    Suppression.objects.create(email="GROUP001@example.org", reason=SuppressionReason.BOUNCED)
    message = compose(weaver)

    assert send_now(message, weaver, django_capture_on_commit_callbacks) == 2

    assert sorted(m.to[0] for m in mail.outbox) == ["group002@example.org", "group003@example.org"]
    assert statuses(message) == {"suppressed": 2, "sent": 2}
    message.refresh_from_db()
    assert message.status == OutreachStatus.SENT


def test_an_address_unsubscribed_after_send_was_clicked_is_still_skipped(
    weaver, django_capture_on_commit_callbacks
):
    """Suppression is checked again right before each email leaves."""
    prospects(2)
    message = compose(weaver)
    with django_capture_on_commit_callbacks(execute=False):
        outreach_send(message=message, by=weaver)
    Suppression.objects.create(email="group001@example.org", reason=SuppressionReason.UNSUBSCRIBED)

    tasks.outreach_send_batch.delay(message.pk)

    assert [m.to[0] for m in mail.outbox] == ["group000@example.org"]
    assert statuses(message) == {"sent": 1, "suppressed": 1}


def test_running_the_batch_task_twice_sends_nobody_anything_twice(
    weaver, django_capture_on_commit_callbacks
):
    prospects(4)
    message = compose(weaver)
    send_now(message, weaver, django_capture_on_commit_callbacks)

    tasks.outreach_send_batch.delay(message.pk)
    tasks.outreach_send_batch.delay(message.pk)
    outcome = outreach_deliver_batch(message_id=message.pk)

    assert len(mail.outbox) == 4
    assert outcome.claimed == 0


def test_a_batch_task_for_a_draft_or_a_deleted_message_does_nothing(weaver):
    prospects(1)
    message = compose(weaver)

    tasks.outreach_send_batch.delay(message.pk)
    tasks.outreach_send_batch.delay(999_999)

    assert mail.outbox == []
    assert not Delivery.objects.exists()


def test_sending_records_contact_with_each_group(weaver, django_capture_on_commit_callbacks):
    groups = prospects(2)
    message = compose(weaver)

    send_now(message, weaver, django_capture_on_commit_callbacks)

    assert all(
        g.last_contact_at is not None for g in Group.objects.filter(pk__in=[g.pk for g in groups])
    )


# --- What every outreach email carries -----------------------------------------


def test_every_email_has_its_text_an_html_copy_unsubscribe_headers_and_footer(
    weaver, django_capture_on_commit_callbacks
):
    prospects(1)
    message = compose(weaver, sender_name="Riverside Weavers")

    send_now(message, weaver, django_capture_on_commit_callbacks)

    sent = mail.outbox[0].message()
    delivery = Delivery.objects.get()
    link = f"http://127.0.0.1:8000/unsubscribe/{unsubscribe_token('group000@example.org')}/"
    assert sent.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in sent.get_payload()] == ["text/plain", "text/html"]
    assert "Hello Group 000" in sent.get_payload()[1].get_payload(decode=True).decode()
    assert sent["List-Unsubscribe"] == f"<{link}>"
    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sent["From"] == "Riverside Weavers <coalition@localhost>"
    assert sent["Subject"] == "Hello Group 000"
    assert sent["Message-ID"] == f"<outreach-{message.pk}-{delivery.pk}@127.0.0.1>"
    assert link in mail.outbox[0].body.split("-- \n", 1)[1]


def test_without_a_sender_name_the_email_comes_from_the_coalition(
    weaver, django_capture_on_commit_callbacks, settings
):
    from coalition.models import Coalition

    Coalition.objects.create(name="Clean Air Coalition", cause="Air for all")
    settings.DEFAULT_FROM_EMAIL = "Whoever <outreach@example.org>"
    prospects(1)

    send_now(compose(weaver), weaver, django_capture_on_commit_callbacks)

    assert mail.outbox[0].message()["From"] == "Clean Air Coalition <outreach@example.org>"


def test_a_sender_name_with_accents_is_encoded_in_the_header(
    weaver, django_capture_on_commit_callbacks
):
    from email.header import decode_header, make_header

    prospects(1)

    send_now(
        compose(weaver, sender_name="Équipe, Rivière"), weaver, django_capture_on_commit_callbacks
    )

    raw = mail.outbox[0].message()["From"]
    assert str(make_header(decode_header(raw))).endswith("<coalition@localhost>")
    assert "Équipe, Rivière" in str(make_header(decode_header(raw)))


# --- SMTP failures (a real SMTP server on loopback) ------------------------------


def test_a_refused_address_is_marked_failed_and_never_written_to_again(
    weaver, django_capture_on_commit_callbacks, smtp_settings
):
    prospects(3)
    smtp_settings.refuse = {"group001@example.org"}
    message = compose(weaver)

    send_now(message, weaver, django_capture_on_commit_callbacks)

    assert sorted(smtp_settings.rcpts()) == ["group000@example.org", "group002@example.org"]
    refused = Delivery.objects.get(email="group001@example.org")
    assert refused.status == DeliveryStatus.FAILED
    assert "550" in refused.error
    assert Suppression.objects.get(email="group001@example.org").reason == "bounced"
    message.refresh_from_db()
    assert message.status == OutreachStatus.SENT

    second = compose(weaver)
    send_now(second, weaver, django_capture_on_commit_callbacks)
    assert statuses(second) == {"sent": 2, "suppressed": 1}


def test_messages_go_over_one_smtp_connection_per_batch(
    weaver, django_capture_on_commit_callbacks, smtp_settings
):
    prospects(4)
    message = compose(weaver)

    send_now(message, weaver, django_capture_on_commit_callbacks)

    assert smtp_settings.count() == 4
    assert len({item.message_id for item in smtp_settings.received}) == 4


def test_a_server_that_hangs_up_mid_batch_gets_a_new_connection(
    weaver, django_capture_on_commit_callbacks, smtp_settings
):
    prospects(5)
    smtp_settings.hang_up_on = {3}
    message = compose(weaver)

    send_now(message, weaver, django_capture_on_commit_callbacks)

    assert sorted(smtp_settings.rcpts()) == [f"group{n:03}@example.org" for n in range(5)]
    assert statuses(message) == {"sent": 5}


@pytest.fixture
def smtp_down(settings):
    """Django sends to a loopback port where nobody listens."""
    from tests.members.conftest import _free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _free_port()
    settings.EMAIL_TIMEOUT = 2


def sending_message(by, count: int) -> OutreachMessage:
    """A message already being sent, with ``count`` pending deliveries and no task queued."""
    prospects(count)
    message = compose(by)
    OutreachMessage.objects.filter(pk=message.pk).update(status=OutreachStatus.SENDING)
    Delivery.objects.bulk_create(
        Delivery(message=message, email=f"group{n:03}@example.org") for n in range(count)
    )
    return message


@pytest.fixture
def with_a_broker():
    """Let ``apply`` behave as on a worker: failures retry rather than being final."""
    from coalition.celery import app

    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = True


def test_a_connection_failure_gives_the_batch_back_and_retries(weaver, smtp_down, with_a_broker):
    from celery.exceptions import Retry

    message = sending_message(weaver, 2)

    with pytest.raises(Retry):
        tasks.outreach_send_batch.apply(args=(message.pk,), retries=0, throw=True)

    assert statuses(message) == {"pending": 2}
    assert all("ConnectionRefusedError" in d.error for d in message.deliveries.all())


def test_after_the_last_retry_the_deliveries_are_marked_failed_for_a_person_to_see(
    weaver, smtp_down, with_a_broker
):
    message = sending_message(weaver, 2)

    tasks.outreach_send_batch.apply(
        args=(message.pk,), retries=tasks.outreach_send_batch.max_retries, throw=True
    )

    deliveries = list(message.deliveries.all())
    assert {d.status for d in deliveries} == {DeliveryStatus.FAILED}
    assert all("ConnectionRefusedError" in d.error for d in deliveries)
    message.refresh_from_db()
    assert message.status == OutreachStatus.SENT


def test_without_a_broker_a_connection_failure_is_final_at_once(
    weaver, smtp_down, django_capture_on_commit_callbacks
):
    prospects(2)
    message = compose(weaver)

    send_now(message, weaver, django_capture_on_commit_callbacks)

    assert statuses(message) == {"failed": 2}


# --- The sweep -----------------------------------------------------------------------


def test_the_sweep_takes_back_stale_deliveries_and_resumes_the_message(weaver, settings):
    prospects(3)
    message = compose(weaver)
    OutreachMessage.objects.filter(pk=message.pk).update(status=OutreachStatus.SENDING)
    long_ago = timezone.now() - timedelta(seconds=settings.OUTREACH_STALE_SECONDS + 5)
    Delivery.objects.bulk_create(
        [
            Delivery(message=message, email="group000@example.org", status="sent"),
            Delivery(
                message=message, email="group001@example.org", status="sending", claimed_at=long_ago
            ),
            Delivery(message=message, email="group002@example.org", status="pending"),
        ]
    )

    assert outreach_sweep() == [message.pk]
    assert statuses(message) == {"sent": 1, "pending": 2}

    tasks.outreach_sweep.delay()  # and through the task, which queues the batch

    assert sorted(m.to[0] for m in mail.outbox) == ["group001@example.org", "group002@example.org"]
    message.refresh_from_db()
    assert message.status == OutreachStatus.SENT


def test_the_sweep_leaves_a_batch_that_is_still_running_alone(weaver):
    prospects(2)
    message = compose(weaver)
    OutreachMessage.objects.filter(pk=message.pk).update(status=OutreachStatus.SENDING)
    Delivery.objects.bulk_create(
        [
            Delivery(
                message=message,
                email="group000@example.org",
                status="sending",
                claimed_at=timezone.now(),
            ),
            Delivery(message=message, email="group001@example.org", status="pending"),
        ]
    )

    assert outreach_sweep() == []
    assert statuses(message) == {"sending": 1, "pending": 1}


def test_the_sweep_marks_a_message_with_nothing_left_as_sent(weaver):
    prospects(1)
    message = compose(weaver)
    OutreachMessage.objects.filter(pk=message.pk).update(status=OutreachStatus.SENDING)
    Delivery.objects.create(message=message, email="group000@example.org", status="sent")

    assert outreach_sweep() == []

    message.refresh_from_db()
    assert message.status == OutreachStatus.SENT


def test_the_sweep_runs_every_minute_from_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["outreach-sweep"]
    assert entry["task"] == tasks.outreach_sweep.name
    assert entry["schedule"] == 60.0


# --- Re-signing -----------------------------------------------------------------------


def test_publishing_a_new_statement_asks_older_signatories_to_re_sign(
    weaver, django_capture_on_commit_callbacks
):
    old = publish_statement("First version")
    signed = GroupFactory(name="Signed Group", slug="signed", stage=Stage.ALIGNED,
                          signed_version=old)  # fmt: skip
    add_member(signed, PersonFactory(email="ada@example.net", name="Ada Admin"), "admin")
    GroupFactory(name="Never Signed", contact_email="never@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        new = publish_statement("Second version")

    message = OutreachMessage.objects.get(purpose="resign")
    assert message.statement_version == new
    assert [m.to[0] for m in mail.outbox] == ["ada@example.net"]
    body = mail.outbox[0].body
    assert body.startswith("Hello Ada,")
    assert "http://127.0.0.1:8000/groups/signed/sign/" in body
    assert f"version {new.number}" in mail.outbox[0].subject


def test_re_signing_with_nobody_to_ask_creates_no_message(weaver):
    version = publish_statement()

    assert outreach_resign_send(version=version) is None
    assert not OutreachMessage.objects.exists()


def test_an_smtp_error_reply_for_one_message_marks_only_it_failed(weaver):
    """A 5xx answer to one message's data is about that message: the batch goes on."""

    class Rejecting:
        def __init__(self):
            self.sent = []

        def open(self):
            return True

        def close(self):
            pass

        def send_messages(self, messages):
            if messages[0].to[0] == "group000@example.org":
                raise smtplib.SMTPDataError(554, b"Message rejected as spam")
            self.sent.extend(messages)
            return 1

    prospects(2)
    message = compose(weaver)
    OutreachMessage.objects.filter(pk=message.pk).update(status=OutreachStatus.SENDING)
    Delivery.objects.bulk_create(
        Delivery(message=message, email=f"group{n:03}@example.org") for n in range(2)
    )
    connection = Rejecting()
    original = service.get_connection
    service.get_connection = lambda: connection
    try:
        outreach_deliver_batch(message_id=message.pk)
    finally:
        service.get_connection = original

    assert [m.to[0] for m in connection.sent] == ["group001@example.org"]
    failed = Delivery.objects.get(email="group000@example.org")
    assert failed.status == DeliveryStatus.FAILED
    assert "554" in failed.error
    assert not Suppression.objects.exists()

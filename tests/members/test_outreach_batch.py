"""Outreach batches do their per-batch work once: a fixed few queries, then one UPDATE per email."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.models import (
    Delivery,
    DeliveryStatus,
    Invitation,
    Stage,
    Suppression,
    SuppressionReason,
)
from members.services import outreach as service
from members.services.invitations import _hash as invitation_token_hash
from members.services.outreach import outreach_create, outreach_deliver_batch, outreach_send
from tests.factories import GroupFactory

pytestmark = pytest.mark.django_db

INVITING = "Dear {{ person.first_name }},\n\nJoin us: {{ invitation_link }}"


def prospects(count: int, *, start: int = 0, stage: str = Stage.PROSPECT) -> None:
    for n in range(start, start + count):
        GroupFactory(name=f"Group {n:03}", stage=stage, contact_email=f"group{n:03}@example.org")


def queued(weaver, capture, *, body: str = INVITING):
    """A message whose deliveries are written and pending; its batch task not run."""
    message = outreach_create(subject="Hello {{ group.name }}", body=body, audience={}, by=weaver)
    with capture(execute=False):
        outreach_send(message=message, by=weaver)
    return message


def batch_queries(message) -> int:
    with CaptureQueriesContext(connection) as queries:
        outcome = outreach_deliver_batch(message_id=message.pk)
    assert not outcome.more
    return len(queries)


def test_a_batch_costs_a_fixed_few_queries_and_one_update_per_email(
    weaver, django_capture_on_commit_callbacks
):
    prospects(4)
    small = queued(weaver, django_capture_on_commit_callbacks)
    small_queries = batch_queries(small)
    Delivery.objects.all().delete()
    prospects(4, start=4)
    large = queued(weaver, django_capture_on_commit_callbacks)

    large_queries = batch_queries(large)

    assert len(mail.outbox) == 4 + 8
    # No per-email check, suppression lookup or invitation insert: only the "sent" mark.
    assert large_queries - small_queries == 4
    assert Invitation.objects.count() == 4 + 8


def test_each_invitation_is_written_once_and_is_the_one_linked(
    weaver, django_capture_on_commit_callbacks
):
    prospects(3)
    prospects(1, start=3, stage=Stage.ALIGNED)  # has joined: gets the re-sign link instead
    message = queued(weaver, django_capture_on_commit_callbacks)

    outreach_deliver_batch(message_id=message.pk)

    invitations = {invitation.email: invitation for invitation in Invitation.objects.all()}
    assert sorted(invitations) == [f"group{n:03}@example.org" for n in range(3)]
    for email in mail.outbox:
        token = re.search(r"/invitations?/([^/\s]+)/", email.body)
        if email.to[0] == "group003@example.org":
            assert token is None
            continue
        assert token is not None, email.body
        assert invitations[email.to[0]].token_hash == invitation_token_hash(token.group(1))
    # A retry of the same deliveries writes no second invitation and keeps the first.
    first = {invitation.pk for invitation in Invitation.objects.all()}
    deliveries = list(message.deliveries.select_related("group", "person"))
    assert service._make_invitations(message, deliveries) is True
    assert {invitation.pk for invitation in Invitation.objects.all()} == first


def test_a_message_without_an_invitation_link_writes_no_invitation(
    weaver, django_capture_on_commit_callbacks
):
    prospects(2)
    message = queued(weaver, django_capture_on_commit_callbacks, body="Hello, {{ group.name }}.")

    outreach_deliver_batch(message_id=message.pk)

    assert len(mail.outbox) == 2
    assert not Invitation.objects.exists()


def test_addresses_suppressed_after_the_send_click_are_skipped_whatever_their_case(
    weaver, django_capture_on_commit_callbacks
):
    prospects(3)
    message = queued(weaver, django_capture_on_commit_callbacks)
    Suppression.objects.create(email="GROUP001@Example.org", reason=SuppressionReason.UNSUBSCRIBED)

    outcome = outreach_deliver_batch(message_id=message.pk)

    assert sorted(m.to[0] for m in mail.outbox) == ["group000@example.org", "group002@example.org"]
    assert outcome.suppressed == 1
    assert message.deliveries.get(email="group001@example.org").status == DeliveryStatus.SUPPRESSED
    # A suppressed address gets no invitation either.
    assert not Invitation.objects.filter(email="group001@example.org").exists()


def test_a_batch_past_half_the_stale_threshold_checks_each_row_before_sending(
    weaver, django_capture_on_commit_callbacks, settings, monkeypatch
):
    """Once the sweep could take rows back, a row it took back is not sent by this batch."""
    settings.OUTREACH_STALE_SECONDS = 0
    prospects(3)
    message = queued(weaver, django_capture_on_commit_callbacks)
    make_invitations = service._make_invitations

    def and_the_sweep_takes_one_back(message, deliveries):
        Delivery.objects.filter(email="group001@example.org").update(status=DeliveryStatus.PENDING)
        return make_invitations(message, deliveries)

    monkeypatch.setattr(service, "_make_invitations", and_the_sweep_takes_one_back)

    outcome = outreach_deliver_batch(message_id=message.pk)

    assert sorted(m.to[0] for m in mail.outbox) == ["group000@example.org", "group002@example.org"]
    assert outcome.sent == 2
    assert outcome.more
    assert message.deliveries.get(email="group001@example.org").status == DeliveryStatus.PENDING

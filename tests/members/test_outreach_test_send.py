"""'Send me a test': the first recipient's email, to the weaver alone, with nothing recorded."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from coalition.errors import RuleBroken
from members.models import (
    Delivery,
    Group,
    Invitation,
    OutreachMessage,
    OutreachStatus,
    Stage,
    StageChange,
)
from members.services.outreach import outreach_create, outreach_send, outreach_send_test
from tests.factories import GroupFactory, add_member

pytestmark = pytest.mark.django_db

BODY = "Dear {{ person.first_name }} of {{ group.name }},\n\nJoin us: {{ invitation_link }}"


@pytest.fixture
def prospects(place, make_person):
    """Two prospects; the first in name order has a contact person with a title."""
    first = GroupFactory(name="Abbey Food Bank", stage=Stage.PROSPECT)
    add_member(first, make_person("byrne@example.org", name="Father Michael Byrne"), "contact")
    second = GroupFactory(
        name="Zinc Street Youth", stage=Stage.PROSPECT, contact_email="zinc@example.org"
    )
    return first, second


@pytest.fixture
def message(weaver, prospects) -> OutreachMessage:
    return outreach_create(
        subject="{{ group.name }}: an invitation", body=BODY,
        audience={"stages": ["prospect"]}, by=weaver,
    )  # fmt: skip


def test_the_test_goes_to_the_weaver_alone_with_the_first_recipients_merge_fields(message, weaver):
    sent = outreach_send_test(message=message, by=weaver)

    assert (sent.to, sent.merged_from) == ("weaver@example.net", "byrne@example.org")
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["weaver@example.net"]
    assert (email.cc, email.bcc) == ([], [])
    assert email.subject == "[Test] Abbey Food Bank: an invitation"
    assert email.body.startswith("Dear Michael of Abbey Food Bank,")
    assert "[a personal invitation link, made when the message is sent]" in email.body
    # Its unsubscribe link is the weaver's own, never the recipient's.
    assert "byrne@example.org" not in email.extra_headers["List-Unsubscribe"]


def test_a_test_records_nothing_and_moves_no_one(message, weaver, prospects):
    outreach_send_test(message=message, by=weaver)

    assert not Delivery.objects.exists()
    assert not Invitation.objects.exists()
    assert not StageChange.objects.exists()
    assert set(Group.objects.values_list("stage", flat=True)) == {Stage.PROSPECT}
    assert not Group.objects.filter(last_contact_at__isnull=False).exists()
    message.refresh_from_db()
    assert message.status == OutreachStatus.DRAFT


def test_a_test_renders_like_the_real_email_but_for_the_subject_and_links(
    message, weaver, django_capture_on_commit_callbacks
):
    outreach_send_test(message=message, by=weaver)
    test = mail.outbox.pop()
    with django_capture_on_commit_callbacks(execute=True):
        outreach_send(message=message, by=weaver)
    real = next(email for email in mail.outbox if email.to == ["byrne@example.org"])

    assert test.subject == "[Test] " + real.subject
    assert test.body.splitlines()[0] == real.body.splitlines()[0]
    assert test.from_email == real.from_email


def test_a_sent_message_can_still_be_tested_with_its_first_delivery(
    message, weaver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outreach_send(message=message, by=weaver)
    mail.outbox.clear()
    deliveries = Delivery.objects.count()

    outreach_send_test(message=message, by=weaver)

    assert [email.to for email in mail.outbox] == [["weaver@example.net"]]
    assert Delivery.objects.count() == deliveries


def test_an_audience_with_no_one_has_nothing_to_test(weaver, place):
    empty = outreach_create(subject="Hi", body="Hi", audience={"stages": ["lapsed"]}, by=weaver)

    with pytest.raises(RuleBroken, match="no merge fields to test"):
        outreach_send_test(message=empty, by=weaver)
    assert mail.outbox == []


# --- The button ------------------------------------------------------------------------


def test_the_button_sends_the_test_and_says_where(client, message, weaver):
    client.force_login(weaver)

    response = client.post(reverse("members:outreach_test", args=[message.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("members:outreach_detail", args=[message.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "A test was sent to weaver@example.net, with the merge fields of byrne@example.org."
    ]
    assert [email.to for email in mail.outbox] == [["weaver@example.net"]]
    assert not Delivery.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "group_admin", "steering_member"])
def test_only_people_who_send_outreach_may_test(client, message, request, who):
    client.force_login(request.getfixturevalue(who))

    assert client.post(reverse("members:outreach_test", args=[message.pk])).status_code == 403
    assert mail.outbox == []


def test_a_test_is_a_post(client, message, weaver):
    client.force_login(weaver)

    assert client.get(reverse("members:outreach_test", args=[message.pk])).status_code == 405
    assert mail.outbox == []

"""Hosts write to everyone who RSVPed, and cancel with notice: each person once, no one else."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from actions.models import ActionStatus, Participation
from actions.services.amplification import amplification_add
from actions.services.speaking import action_cancel, host_message_send
from actions.services.support import support_pledge_add, support_request_create
from members.models import Stage
from notifications.broadcasts import broadcast_send
from notifications.models import Broadcast, BroadcastDelivery, EmailOptOut, Notification
from tests.factories import GroupFactory, add_member, make_action

pytestmark = pytest.mark.django_db


def rsvp(action, email, person=None, status="confirmed"):
    return Participation.objects.create(
        action=action, name=email.split("@")[0].title(), email=email, person=person, status=status
    )


@pytest.fixture
def people(action, make_person):
    """Two RSVPs without an account, one with, one who cancelled."""
    rsvp(action, "rita@example.org")
    rsvp(action, "sam@example.org")
    account = make_person("olga@example.net")
    rsvp(action, "Olga@example.net", person=account)
    rsvp(action, "gone@example.org", status="cancelled")
    return account


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def test_a_host_message_reaches_every_rsvp_once_and_no_one_else(
    action, host_admin, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        host_message_send(action=action, by=host_admin, subject="Bring boots", body="Mud ahead.")

    assert recipients() == ["olga@example.net", "rita@example.org", "sam@example.org"]
    assert all(message.subject == "Bring boots" for message in mail.outbox)
    assert "Mud ahead." in mail.outbox[0].body
    # The account holder finds it on the site; the host keeps a copy.
    assert list(
        Notification.objects.filter(kind="broadcast_received").values_list(
            "recipient__email", flat=True
        )
    ) == ["olga@example.net"]
    copy = Notification.objects.get(kind="broadcast_sent")
    assert copy.recipient == host_admin and copy.title == "You wrote to 3 people: Bring boots"


def test_running_the_send_twice_sends_nothing_more(
    action, host_admin, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        broadcast = host_message_send(action=action, by=host_admin, subject="Hi", body="Hello.")
    Broadcast.objects.filter(pk=broadcast.pk).update(sent_at=None)

    assert broadcast_send(broadcast_id=broadcast.pk) == 0
    assert len(mail.outbox) == 3


def test_a_delivery_left_by_a_dead_worker_is_sent_by_the_next_run(action, host_admin, people):
    from datetime import timedelta

    from django.utils import timezone

    broadcast = host_message_send(action=action, by=host_admin, subject="Hi", body="Hello.")
    rows = BroadcastDelivery.objects.filter(broadcast=broadcast).order_by("pk")
    # One sent, one claimed by a worker that died long ago, one claimed by a live one.
    BroadcastDelivery.objects.filter(pk=rows[0].pk).update(
        claimed_at=timezone.now(), sent_at=timezone.now()
    )
    BroadcastDelivery.objects.filter(pk=rows[1].pk).update(
        claimed_at=timezone.now() - timedelta(hours=1)
    )
    BroadcastDelivery.objects.filter(pk=rows[2].pk).update(claimed_at=timezone.now())

    assert broadcast_send(broadcast_id=broadcast.pk) == 1
    assert recipients() == [rows[1].email]
    assert Broadcast.objects.get(pk=broadcast.pk).sent_at is None  # one still in a live run


def test_a_message_with_no_one_coming_is_refused(action, host_admin):
    from coalition.errors import RuleBroken

    with pytest.raises(RuleBroken, match="no one to write to"):
        host_message_send(action=action, by=host_admin, subject="Hi", body="Hello.")
    assert Broadcast.objects.count() == 0


def test_cancelling_tells_rsvps_cohosts_and_pledgers_once_and_no_one_else(
    action, host_admin, people, place, make_person, django_capture_on_commit_callbacks
):
    cohost = GroupFactory(name="Co", slug="co", place=place, stage=Stage.ALIGNED)
    cohost_admin = make_person("co-admin@example.net")
    add_member(cohost, cohost_admin, "admin")
    add_member(cohost, make_person("co-member@example.net"), "member")
    backer = GroupFactory(name="Backer", slug="backer", place=place, stage=Stage.ALIGNED)
    backer_contact = make_person("backer@example.net")
    add_member(backer, backer_contact, "contact")
    bystander = GroupFactory(name="By", slug="by", place=place, stage=Stage.ALIGNED)
    add_member(bystander, make_person("by@example.net"), "admin")
    amplification_add(action=action, group=cohost, kind="cohost", by=cohost_admin)
    request = support_request_create(action=action, by=host_admin, kind="people", amount=5)
    support_pledge_add(support_request=request, group=backer, by=backer_contact, amount=2)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        action_cancel(action=action, by=host_admin, message="The river flooded.")
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(Exception, match="Only a planned action"),
    ):
        action_cancel(action=action, by=host_admin, message="Again.")

    action.refresh_from_db()
    assert action.status == ActionStatus.CANCELLED
    assert recipients() == [
        "backer@example.net",
        "co-admin@example.net",
        "olga@example.net",
        "rita@example.org",
        "sam@example.org",
    ]
    assert sorted(
        Notification.objects.filter(kind="action_cancelled").values_list(
            "recipient__email", flat=True
        )
    ) == ["backer@example.net", "co-admin@example.net"]
    assert Notification.objects.filter(
        kind="broadcast_received", recipient__email="olga@example.net"
    ).exists()
    rsvp_mail = next(m for m in mail.outbox if m.to == ["rita@example.org"])
    assert rsvp_mail.subject == "Cancelled: Clean air march"
    assert "The river flooded." in rsvp_mail.body


def test_cancelling_through_the_edit_service_tells_the_rsvps_too(
    action, host_admin, people, django_capture_on_commit_callbacks
):
    from actions.services.posting import action_update

    with django_capture_on_commit_callbacks(execute=True):
        action_update(action=action, by=host_admin, status=ActionStatus.CANCELLED)

    assert recipients() == ["olga@example.net", "rita@example.org", "sam@example.org"]


def test_the_message_page_sends_for_the_host(
    client, action, host_admin, people, django_capture_on_commit_callbacks
):
    client.force_login(host_admin)
    url = reverse("actions:message", args=[action.pk])
    assert client.get(url).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"subject": "Boots", "body": "Bring them."})

    assert response.status_code == 302
    assert len(mail.outbox) == 3


def test_the_message_page_refuses_a_blank_subject_with_a_message(
    client, action, host_admin, people
):
    client.force_login(host_admin)
    response = client.post(
        reverse("actions:message", args=[action.pk]), {"subject": "  ", "body": "x"}
    )

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert Broadcast.objects.count() == 0


@pytest.mark.parametrize("name", ["actions:message", "actions:cancel"])
def test_someone_who_is_not_a_host_gets_403_and_nothing_is_sent(
    client, action, people, make_person, name, django_capture_on_commit_callbacks
):
    client.force_login(make_person("nosy@example.net"))
    body = {"subject": "Hi", "body": "Hello.", "message": "Off."}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse(name, args=[action.pk]), body)

    assert response.status_code == 403
    assert mail.outbox == [] and Broadcast.objects.count() == 0
    action.refresh_from_db()
    assert action.status == ActionStatus.PLANNED


def test_the_cancel_page_asks_for_a_message(client, action, host_admin, people):
    client.force_login(host_admin)
    response = client.post(reverse("actions:cancel", args=[action.pk]), {"message": ""})

    assert response.status_code == 400
    action.refresh_from_db()
    assert action.status == ActionStatus.PLANNED


@pytest.mark.parametrize("name", ["actions:message", "actions:cancel"])
def test_the_pages_cost_the_same_queries_at_two_sizes(
    client, host, host_admin, name, django_assert_max_num_queries
):
    client.force_login(host_admin)
    counts = []
    for size in (2, 40):
        action = make_action(host, by=host_admin)
        for number in range(size):
            rsvp(action, f"p{number}@example.org")
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(name, args=[action.pk])).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_cancelling_with_a_message_raises_the_calendar_sequence(action, host_admin):
    from actions.models import Action

    before = Action.objects.get(pk=action.pk).sequence

    action_cancel(action=action, by=host_admin, message="The hall flooded; we meet next week.")

    cancelled = Action.objects.get(pk=action.pk)
    assert cancelled.status == ActionStatus.CANCELLED
    assert cancelled.sequence == before + 1


def test_each_message_carries_a_one_click_unsubscribe_that_stops_that_kind_only(
    client, action, host_admin, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        host_message_send(action=action, by=host_admin, subject="Hi", body="Hello.")
    rita = next(m for m in mail.outbox if m.to == ["rita@example.org"])
    assert rita.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = rita.extra_headers["List-Unsubscribe"].strip("<>")
    assert link in rita.body
    path = link.removeprefix(settings.SITE_URL)

    # GET only asks (link checkers unsubscribe no one); the mail client's POST does it.
    assert client.get(path).status_code == 200
    assert not EmailOptOut.objects.exists()
    assert client.post(path).status_code == 200
    assert client.post(path).status_code == 200  # twice is harmless
    assert list(EmailOptOut.objects.values_list("email", "kind")) == [
        ("rita@example.org", "host_message")
    ]

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        host_message_send(action=action, by=host_admin, subject="Again", body="Hello.")
    assert recipients() == ["olga@example.net", "sam@example.org"]

    # A cancellation is another kind: Rita still hears that the action she joined is off,
    # and that email has its own link for cancellation notices.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        action_cancel(action=action, by=host_admin, message="The river flooded.")
    assert recipients() == ["olga@example.net", "rita@example.org", "sam@example.org"]
    notice = next(m for m in mail.outbox if m.to == ["rita@example.org"])
    assert notice.extra_headers["List-Unsubscribe"].strip("<>") != link


def test_a_tampered_message_unsubscribe_link_is_a_400_and_changes_nothing(client):
    from notifications.broadcasts import address_unsubscribe_link

    link = address_unsubscribe_link(email="rita@example.org", kind="host_message")
    path = link.removeprefix(settings.SITE_URL)
    path = path[:-4] + ("AAA/" if path[-4:] != "AAA/" else "BBB/")  # the signature altered

    response = client.post(path)

    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    assert not EmailOptOut.objects.exists()

"""Reminders 24 hours before an event of a day of action: each person once, whatever happens."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from actions.models import Participation, ParticipationStatus
from convergence.models import NoticeKind, NoticeSent
from convergence.services.notices import (
    STALE_MINUTES,
    notices_due,
    notices_send_due,
)
from members.models import Suppression, SuppressionReason
from tests.factories import GroupFactory, add_member, make_action, make_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def day(place):
    return make_day(places=[place], status="live", days_ahead=-1, hours=24 * 7)


def make_event(day, group, *, hours_ahead: float = 12, by=None, **fields):
    from convergence.models import Event

    start = timezone.now() + timedelta(hours=hours_ahead)
    fields.setdefault("starts_at", start)
    fields.setdefault("ends_at", start + timedelta(hours=2))
    action = make_action(group, by=by, **fields)
    return Event.objects.create(day=day, action=action, registered_by=by)


def rsvp(event, email: str, name: str = "Rita Rsvp") -> Participation:
    from django.db.models import F

    from actions.models import Action

    Action.objects.filter(pk=event.action_id).update(rsvp_count=F("rsvp_count") + 1)
    return Participation.objects.create(action=event.action, name=name, email=email)


def sent_to() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def test_each_rsvp_and_each_host_gets_one_reminder(day, group, group_admin, make_person):
    contact = make_person("contact@example.net", name="Cora Contact")
    add_member(group, contact, "contact")
    event = make_event(day, group, by=group_admin)
    rsvp(event, "rita@example.org")
    rsvp(event, "sam@example.org", name="Sam Rsvp")

    outcome = notices_send_due()

    assert outcome.sent == 4
    assert sent_to() == [
        "admin@example.net",
        "contact@example.net",
        "rita@example.org",
        "sam@example.org",
    ]
    assert NoticeSent.objects.filter(sent_at__isnull=False).count() == 4
    kinds = dict(NoticeSent.objects.values_list("email", "kind"))
    assert kinds["rita@example.org"] == NoticeKind.RSVP_REMINDER
    assert kinds["admin@example.net"] == NoticeKind.HOST_REMINDER


def test_running_twice_sends_nothing_more(day, group, group_admin):
    event = make_event(day, group, by=group_admin)
    rsvp(event, "rita@example.org")

    notices_send_due()
    notices_send_due()

    assert sent_to() == ["admin@example.net", "rita@example.org"]


def test_a_new_rsvp_after_a_run_gets_its_reminder_at_the_next(day, group, group_admin):
    event = make_event(day, group, by=group_admin)
    rsvp(event, "rita@example.org")
    notices_send_due()
    mail.outbox.clear()

    rsvp(event, "late@example.org")
    notices_send_due()

    assert sent_to() == ["late@example.org"]


def test_the_rsvp_reminder_has_the_time_the_address_and_a_working_cancel_link(
    day, group, client, settings
):
    settings.TIME_ZONE = "Europe/Paris"
    # Half past: Django writes a whole hour as "3 a.m.", which the check below would miss.
    start = (timezone.now() + timedelta(hours=20)).replace(minute=30, second=0, microsecond=0)
    event = make_event(
        day, group, starts_at=start, ends_at=start + timedelta(hours=2), address="12 Mill Lane"
    )
    participation = rsvp(event, "Rita@Example.org")

    notices_send_due()

    [message] = mail.outbox
    assert message.to == ["rita@example.org"]
    assert "Air quality walk" in message.subject
    assert "12 Mill Lane, Riverside" in message.body
    local = timezone.localtime(start, timezone=__import__("zoneinfo").ZoneInfo("Europe/Paris"))
    assert f"{local:%H:%M}" in message.body or local.strftime("%-I:%M") in message.body
    assert "CET" in message.body or "CEST" in message.body
    assert "Riverside Tenants" in message.from_email
    assert message.extra_headers["Message-ID"].startswith("<rsvp-reminder-")
    link = re.search(r"http://\S+/actions/rsvp/cancel/\S+/", message.body).group(0)
    path = link.removeprefix("http://127.0.0.1:8000")
    client.post(path)
    participation.refresh_from_db()
    assert participation.status == ParticipationStatus.CANCELLED


def test_the_host_reminder_counts_rsvps_and_links_to_the_list(day, group, group_admin):
    event = make_event(day, group, by=group_admin)
    rsvp(event, "rita@example.org")
    rsvp(event, "sam@example.org")

    notices_send_due()

    [message] = [m for m in mail.outbox if m.to == ["admin@example.net"]]
    assert "2 people have said they are coming" in message.body
    assert f"/actions/{event.action_id}/rsvps/" in message.body
    assert f"/days/{day.slug}/events/{event.pk}/outcomes/" in message.body


@pytest.mark.parametrize("hours_ahead", [25, 48, -1, -0.01])
def test_no_reminder_outside_the_next_24_hours(day, group, group_admin, hours_ahead):
    event = make_event(day, group, by=group_admin, hours_ahead=hours_ahead)
    rsvp(event, "rita@example.org")

    notices_send_due()

    assert mail.outbox == []
    assert not NoticeSent.objects.exists()


def test_an_event_entering_the_24_hours_gets_its_reminders_then(day, group, group_admin):
    from actions.models import Action

    event = make_event(day, group, by=group_admin, hours_ahead=30)
    rsvp(event, "rita@example.org")
    notices_send_due()
    assert mail.outbox == []

    start = timezone.now() + timedelta(hours=23, minutes=55)
    Action.objects.filter(pk=event.action_id).update(
        starts_at=start, ends_at=start + timedelta(hours=1)
    )
    notices_send_due()

    assert sent_to() == ["admin@example.net", "rita@example.org"]


@pytest.mark.parametrize(
    "change",
    [
        {"status": "cancelled"},
        {"hidden_at": timezone.now()},
    ],
    ids=["cancelled", "hidden"],
)
def test_no_reminder_for_cancelled_or_hidden_events(day, group, group_admin, change):
    event = make_event(day, group, by=group_admin, **change)
    rsvp(event, "rita@example.org")

    notices_send_due()

    assert mail.outbox == []


@pytest.mark.parametrize("status", ["draft", "closed", "reported"])
def test_no_reminder_for_events_of_days_not_open_or_live(day, group, group_admin, status):
    day.status = status
    day.save()
    event = make_event(day, group, by=group_admin)
    rsvp(event, "rita@example.org")

    notices_send_due()

    assert mail.outbox == []


def test_open_days_send_reminders_too(day, group, group_admin):
    day.status = "open"
    day.save()
    event = make_event(day, group, by=group_admin)
    rsvp(event, "rita@example.org")

    notices_send_due()

    assert sent_to() == ["admin@example.net", "rita@example.org"]


def test_cancelled_rsvps_get_no_reminder(day, group):
    event = make_event(day, group)
    participation = rsvp(event, "rita@example.org")
    Participation.objects.filter(pk=participation.pk).update(status=ParticipationStatus.CANCELLED)

    notices_send_due()

    assert mail.outbox == []


def test_hosts_are_deduplicated_and_get_one_reminder_each(day, group, group_admin, make_person):
    # The admin registered the event and also RSVPed to it, in capitals.
    event = make_event(day, group, by=group_admin)
    rsvp(event, "ADMIN@example.net", name="Ada Admin")
    creator = make_person("creator@example.net", name="Cleo Creator")
    add_member(group, creator, "member")
    second = make_event(day, group, by=creator)

    notices_send_due()

    assert sent_to() == ["admin@example.net", "admin@example.net", "creator@example.net"]
    by_event = sorted(NoticeSent.objects.values_list("event_id", "email", "kind"))
    assert by_event == [
        (event.pk, "admin@example.net", NoticeKind.HOST_REMINDER),
        (second.pk, "admin@example.net", NoticeKind.HOST_REMINDER),
        (second.pk, "creator@example.net", NoticeKind.HOST_REMINDER),
    ]


def test_plain_members_and_other_groups_get_no_host_reminder(
    day, group, group_admin, group_member, outsider
):
    make_event(day, group, by=group_admin)

    notices_send_due()

    assert sent_to() == ["admin@example.net"]


def test_an_address_that_unsubscribed_from_outreach_still_gets_its_rsvp_reminder(day, group):
    event = make_event(day, group)
    rsvp(event, "rita@example.org")
    Suppression.objects.create(email="rita@example.org", reason=SuppressionReason.UNSUBSCRIBED)

    notices_send_due()

    assert sent_to() == ["rita@example.org"]


def test_a_stale_unsent_claim_is_taken_over_and_sent(day, group):
    # A worker claimed this reminder 20 minutes ago and died before sending.
    event = make_event(day, group)
    rsvp(event, "rita@example.org")
    old = timezone.now() - timedelta(minutes=STALE_MINUTES + 5)
    NoticeSent.objects.create(
        kind=NoticeKind.RSVP_REMINDER, event=event, email="rita@example.org", claimed_at=old
    )

    notices_send_due()
    notices_send_due()

    assert sent_to() == ["rita@example.org"]
    notice = NoticeSent.objects.get()
    assert notice.sent_at is not None
    assert notice.claimed_at > old


def test_a_fresh_unsent_claim_is_left_to_the_run_that_made_it(day, group):
    # Another worker claimed it a minute ago and is sending it right now.
    event = make_event(day, group)
    rsvp(event, "rita@example.org")
    recent = timezone.now() - timedelta(minutes=1)
    NoticeSent.objects.create(
        kind=NoticeKind.RSVP_REMINDER, event=event, email="rita@example.org", claimed_at=recent
    )

    notices_send_due()

    assert mail.outbox == []
    notice = NoticeSent.objects.get()
    assert notice.sent_at is None
    assert notice.claimed_at == recent


def test_a_claim_already_sent_is_never_sent_again_however_old(day, group):
    event = make_event(day, group)
    rsvp(event, "rita@example.org")
    old = timezone.now() - timedelta(days=1)
    NoticeSent.objects.create(
        kind=NoticeKind.RSVP_REMINDER,
        event=event,
        email="rita@example.org",
        claimed_at=old,
        sent_at=old,
    )

    notices_send_due()

    assert mail.outbox == []


def test_a_host_reminded_as_a_host_is_not_reminded_again_as_an_rsvp(day, group, group_admin):
    from members.models import Membership

    event = make_event(day, group)
    notices_send_due()
    assert sent_to() == ["admin@example.net"]
    # The admin steps down, then RSVPs: still one reminder for this event.
    Membership.objects.filter(person=group_admin).update(role="member")
    rsvp(event, "admin@example.net")
    mail.outbox.clear()

    notices_send_due()

    assert mail.outbox == []


class FailingBackend:
    """A mail server that accepts one message, then the connection dies."""

    accepted: list = []

    def __init__(self, **kwargs):
        pass

    def open(self):
        return True

    def close(self):
        pass

    def send_messages(self, messages):
        if FailingBackend.accepted:
            raise OSError("connection reset")
        FailingBackend.accepted.extend(messages)
        return len(messages)


def test_a_mail_server_failure_gives_the_unsent_claims_to_the_next_run(day, group, settings):
    event = make_event(day, group)
    rsvp(event, "a@example.org")
    rsvp(event, "b@example.org")
    rsvp(event, "c@example.org")
    FailingBackend.accepted = []
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"

    with pytest.raises(OSError):
        notices_send_due()

    assert [m.to for m in FailingBackend.accepted] == [["a@example.org"]]
    assert NoticeSent.objects.filter(sent_at__isnull=False).count() == 1
    # The two left are due again at once, not fifteen minutes later.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    notices_send_due()
    assert sent_to() == ["b@example.org", "c@example.org"]


def test_a_run_out_of_time_leaves_the_rest_due_for_the_next(day, group):
    for n in range(5):
        rsvp(make_event(day, group), f"p{n}@example.org")

    first = notices_send_due(chunk=2, seconds=0)
    assert first.out_of_time
    notices_send_due(chunk=2)

    assert sent_to() == [f"p{n}@example.org" for n in range(5)]


def test_many_events_are_sent_in_chunks_each_once(day, group, group_admin):
    for n in range(7):
        event = make_event(day, group, by=group_admin)
        rsvp(event, f"p{n}@example.org")

    outcome = notices_send_due(chunk=3)

    assert outcome.sent == 14
    assert len(set(NoticeSent.objects.values_list("event_id", "email"))) == 14
    assert sorted(sent_to()) == sorted(
        ["admin@example.net"] * 7 + [f"p{n}@example.org" for n in range(7)]
    )


@pytest.mark.parametrize("kind", [NoticeKind.RSVP_REMINDER, NoticeKind.HOST_REMINDER])
def test_finding_due_reminders_is_a_fixed_number_of_queries(
    day, group, group_admin, kind, django_assert_num_queries
):
    def fill(n):
        for i in range(n):
            rsvp(make_event(day, group, by=group_admin), f"q{n}-{i}@example.org")

    fill(3)
    with django_assert_num_queries(1 if kind == NoticeKind.RSVP_REMINDER else 2):
        assert len(notices_due(kind=kind)) == 3
    fill(37)
    with django_assert_num_queries(1 if kind == NoticeKind.RSVP_REMINDER else 2):
        assert len(notices_due(kind=kind)) == 40


def test_another_groups_event_does_not_remind_our_admins(day, group, group_admin, outsider):
    other = GroupFactory(name="Valley Walkers", slug="valley-walkers", place=group.place)
    # A poster is a host only while in the group (see the test of one who left).
    add_member(other, outsider)
    make_event(day, other, by=outsider)

    notices_send_due()

    assert sent_to() == ["outsider@example.net"]


def test_a_creator_who_left_the_group_gets_no_host_reminder(day, group, group_admin, make_person):
    from members.models import Membership

    creator = make_person("creator@example.net", name="Cleo Creator")
    add_member(group, creator)
    event = make_event(day, group, by=creator, visibility="group", address="12 Hidden Lane")
    Membership.objects.filter(group=group, person=creator).delete()

    notices_send_due()

    assert sent_to() == ["admin@example.net"]
    assert not NoticeSent.objects.filter(event=event, email="creator@example.net").exists()


def test_a_creator_who_left_and_rsvped_gets_the_rsvp_reminder(day, group, group_admin, make_person):
    from members.models import Membership

    creator = make_person("creator@example.net", name="Cleo Creator")
    add_member(group, creator)
    event = make_event(day, group, by=creator)
    Membership.objects.filter(group=group, person=creator).delete()
    rsvp(event, "creator@example.net", name="Cleo Creator")

    notices_send_due()

    assert sent_to() == ["admin@example.net", "creator@example.net"]
    assert NoticeSent.objects.get(email="creator@example.net").kind == NoticeKind.RSVP_REMINDER

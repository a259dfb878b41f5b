"""The follow-up after an event: each host is asked once for the outcomes, with a form link."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from convergence.models import Event, NoticeKind, NoticeSent
from convergence.services.notices import notices_send_due
from tests.factories import add_member, make_action, make_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def day(place):
    return make_day(places=[place], status="live", days_ahead=-3, hours=24 * 7)


def ended_event(day, group, *, hours_ago: float = 1, by=None, **fields) -> Event:
    end = timezone.now() - timedelta(hours=hours_ago)
    fields.setdefault("starts_at", end - timedelta(hours=2))
    fields.setdefault("ends_at", end)
    return Event.objects.create(day=day, action=make_action(group, by=by, **fields))


def follow_ups() -> list[str]:
    return sorted(
        address
        for message in mail.outbox
        if "outcomes" in message.subject.lower()
        for address in message.to
    )


def test_each_host_is_asked_once_after_the_event(day, group, group_admin, make_person):
    contact = make_person("contact@example.net", name="Cora Contact")
    add_member(group, contact, "contact")
    ended_event(day, group, by=group_admin)

    notices_send_due()
    notices_send_due()

    assert follow_ups() == ["admin@example.net", "contact@example.net"]
    assert set(NoticeSent.objects.values_list("kind", flat=True)) == {NoticeKind.HOST_FOLLOW_UP}


def test_people_who_rsvped_get_no_follow_up(day, group, group_admin):
    from actions.models import Participation

    event = ended_event(day, group, by=group_admin)
    Participation.objects.create(action=event.action, name="Rita", email="rita@example.org")

    notices_send_due()

    assert [m.to for m in mail.outbox] == [["admin@example.net"]]


def test_no_follow_up_before_the_event_has_ended(day, group, group_admin):
    ended_event(day, group, by=group_admin, hours_ago=-0.5)  # ends in half an hour

    notices_send_due()

    assert follow_ups() == []


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "cancelled"},
        {"hidden_at": timezone.now()},
        {"participants": 0},
        {"story": "We were twelve."},
    ],
    ids=["cancelled", "hidden", "already-reported-zero", "already-told"],
)
def test_no_follow_up_for_cancelled_hidden_or_already_reported_events(
    day, group, group_admin, fields
):
    ended_event(day, group, by=group_admin, **fields)

    notices_send_due()

    assert follow_ups() == []


def test_no_follow_up_for_an_event_that_ended_over_a_week_ago(day, group, group_admin):
    ended_event(day, group, by=group_admin, hours_ago=24 * 7 + 1)

    notices_send_due()

    assert follow_ups() == []


def test_a_closed_day_still_asks_its_hosts(day, group, group_admin):
    day.status = "closed"
    day.save()
    ended_event(day, group, by=group_admin)

    notices_send_due()

    assert follow_ups() == ["admin@example.net"]


def test_the_follow_up_links_to_the_outcomes_form_which_opens_for_the_host(
    day, group, group_admin, client
):
    event = ended_event(day, group, by=group_admin)

    notices_send_due()

    [message] = mail.outbox
    link = re.search(r"http://\S+/outcomes/", message.body).group(0)
    assert link == f"http://127.0.0.1:8000/days/{day.slug}/events/{event.pk}/outcomes/"
    client.force_login(group_admin)
    assert client.get(link.removeprefix("http://127.0.0.1:8000")).status_code == 200


def test_a_host_reminded_before_is_followed_up_after(day, group, group_admin):
    from actions.models import Action

    start = timezone.now() + timedelta(hours=2)
    event = Event.objects.create(
        day=day,
        action=make_action(
            group, by=group_admin, starts_at=start, ends_at=start + timedelta(hours=1)
        ),
    )
    notices_send_due()
    assert [m.to for m in mail.outbox] == [["admin@example.net"]]
    Action.objects.filter(pk=event.action_id).update(
        starts_at=timezone.now() - timedelta(hours=2), ends_at=timezone.now() - timedelta(hours=1)
    )

    notices_send_due()
    notices_send_due()

    assert follow_ups() == ["admin@example.net"]
    assert len(mail.outbox) == 2


def test_a_creator_who_left_the_group_is_not_followed_up(day, group, group_admin, make_person):
    from members.models import Membership

    creator = make_person("creator@example.net", name="Cleo Creator")
    add_member(group, creator)
    ended_event(day, group, by=creator)
    Membership.objects.filter(group=group, person=creator).delete()

    notices_send_due()

    assert follow_ups() == ["admin@example.net"]

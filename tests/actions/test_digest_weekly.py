"""The weekly digest: open requests and new actions near each group, sent once per week."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from actions import tasks
from actions.models import ActionStatus, DigestSent, Visibility
from actions.services.support import digest_send_for_group, digest_week_of, support_request_create
from coalition.models import PlaceKind
from members.models import Stage, Suppression
from members.services.outreach import unsubscribe_link
from tests.factories import GroupFactory, PersonFactory, add_member, make_action, make_place

pytestmark = pytest.mark.django_db


class RefusingBackend(EmailBackend):
    """A mail server that hangs up on every message."""

    def send_messages(self, messages):
        raise OSError("Connection reset by the mail server")


@pytest.fixture
def places(db):
    region = make_place("Lowlands", PlaceKind.REGION)
    city = make_place("Portville", PlaceKind.CITY, region)
    return {
        "region": region,
        "city": city,
        "harbour": make_place("Harbour", PlaceKind.NEIGHBOURHOOD, city),
        "docks": make_place("Docks", PlaceKind.NEIGHBOURHOOD, city),
        "hilltown": make_place("Hilltown", PlaceKind.CITY, region),
    }


@pytest.fixture
def docks(places):
    """An aligned group at the Docks with an admin, a contact and a plain member."""
    group = GroupFactory(name="Docks Tenants", place=places["docks"], stage=Stage.ALIGNED)
    add_member(group, PersonFactory(email="dora@example.net", name="Dora Docks"), "admin")
    add_member(group, PersonFactory(email="carl@example.net", name="Carl Contact"), "contact")
    add_member(group, PersonFactory(email="mia@example.net", name="Mia Member"), "member")
    return group


@pytest.fixture
def harbour(places):
    group = GroupFactory(name="Harbour Union", place=places["harbour"], stage=Stage.PRODUCING)
    person = PersonFactory(email="hal@example.net")
    add_member(group, person, "admin")
    group.admin = person
    return group


def ask(action, amount=5, kind="transport"):
    return support_request_create(
        action=action, by=action.host_group.admin, kind=kind, amount=amount
    )


def run_weekly():
    return tasks.digest_send_weekly.delay()


def sent_to() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def test_admins_and_contacts_hear_of_requests_and_new_actions_near_them(docks, harbour, places):
    march = make_action(
        harbour, title="Harbour march", created_at=timezone.now() - timedelta(days=2)
    )
    ask(march, kind="transport")
    older = make_action(
        harbour, title="Harbour fair", days_ahead=20, created_at=timezone.now() - timedelta(days=30)
    )
    ask(older, kind="money", amount=300)

    run_weekly()

    assert sent_to() == ["carl@example.net", "dora@example.net"]
    message = next(message for message in mail.outbox if message.to == ["dora@example.net"])
    assert message.subject == "Coalition: this week near Docks Tenants"
    assert message.content_subtype == "plain"
    assert [mimetype for _content, mimetype in message.alternatives] == ["text/html"]
    body = message.body
    assert "Hello Docks Tenants" in body
    assert "Portville" in body
    # Both open requests, but only the action posted this week as new.
    assert "Transport" in body and "Money" in body
    assert body.count("Harbour fair") == 1
    assert "New actions" in body
    assert f"{settings.SITE_URL}/actions/{march.pk}/" in body
    link = unsubscribe_link("dora@example.net")
    assert link in body
    assert message.extra_headers["List-Unsubscribe"] == f"<{link}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_only_public_and_network_actions_in_the_area_are_told(docks, harbour, places):
    hilltop = GroupFactory(name="Hill Clinic", place=places["hilltown"], stage=Stage.ALIGNED)
    make_action(harbour, title="Public walk")
    make_action(harbour, title="Network meeting", visibility=Visibility.NETWORK)
    make_action(harbour, title="Members evening", visibility=Visibility.GROUP)
    make_action(harbour, title="Flagged thing", hidden_at=timezone.now())
    make_action(harbour, title="Called off", status=ActionStatus.CANCELLED)
    make_action(hilltop, title="Far away")
    make_action(docks, title="Our own action")

    run_weekly()

    body = next(message.body for message in mail.outbox if "dora@example.net" in message.to)
    assert "Public walk" in body
    assert "Network meeting" in body
    for not_told in ("Members evening", "Flagged thing", "Called off", "Far away", "Our own"):
        assert not_told not in body


def test_running_twice_sends_once(docks, harbour):
    make_action(harbour, title="Public walk")

    run_weekly()
    run_weekly()

    assert sent_to() == ["carl@example.net", "dora@example.net"]
    claim = DigestSent.objects.get(group=docks)
    assert claim.week == digest_week_of(timezone.localdate())
    assert claim.sent_at is not None


def test_a_new_week_sends_again(docks, harbour):
    make_action(harbour, title="Public walk")
    this_week = digest_week_of(timezone.localdate())

    digest_send_for_group(group_id=docks.pk, week=this_week)
    digest_send_for_group(group_id=docks.pk, week=this_week + timedelta(days=7))

    assert len(mail.outbox) == 4


def test_suppressed_addresses_are_skipped(docks, harbour):
    Suppression.objects.create(email="carl@example.net", reason="unsubscribed")
    make_action(harbour, title="Public walk")

    run_weekly()

    assert sent_to() == ["dora@example.net"]


def test_groups_with_nothing_near_them_get_nothing_and_no_claim(docks):
    run_weekly()

    assert mail.outbox == []
    assert not DigestSent.objects.exists()


def test_prospects_and_lapsed_groups_get_no_digest(docks, harbour):
    make_action(harbour, title="Public walk")
    docks.stage = Stage.PROSPECT
    docks.save()

    run_weekly()

    # Only the Harbour group is left, and the walk is its own.
    assert mail.outbox == []


def test_a_failed_send_is_not_repeated_in_the_same_week(docks, harbour, settings):
    make_action(harbour, title="Public walk")
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"

    run_weekly()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run_weekly()

    assert mail.outbox == []
    claim = DigestSent.objects.get(group=docks)
    assert claim.sent_at is None


def test_groups_are_sent_in_batches(places, harbour, monkeypatch):
    monkeypatch.setattr(tasks, "DIGEST_BATCH", 2)
    groups = GroupFactory.create_batch(5, place=places["docks"], stage=Stage.ALIGNED)
    for number, group in enumerate(groups):
        add_member(group, PersonFactory(email=f"admin{number}@example.net"), "admin")
    make_action(harbour, title="Public walk")

    batches = run_weekly().get()

    assert batches == 3  # harbour + five groups, two per batch
    assert sent_to() == [f"admin{number}@example.net" for number in range(5)]


def test_a_long_week_is_cut_with_a_count_of_the_rest(docks, harbour):
    for number in range(23):
        make_action(harbour, title=f"Walk {number}")

    run_weekly()

    body = mail.outbox[0].body
    assert "…and 3 more actions." in body


def test_the_week_is_named_by_its_monday():
    assert digest_week_of(date(2025, 3, 5)) == date(2025, 3, 3)
    assert digest_week_of(date(2025, 3, 3)) == date(2025, 3, 3)
    assert digest_week_of(date(2025, 3, 9)) == date(2025, 3, 3)


def test_the_digest_is_on_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["actions-digest-weekly"]
    assert entry["task"] == "actions.tasks.digest_send_weekly"
    schedule = entry["schedule"]
    assert schedule.day_of_week == {1} and schedule.hour == {7} and schedule.minute == {0}

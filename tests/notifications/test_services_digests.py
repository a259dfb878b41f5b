"""Digests: one email per person and period, exactly once, even when a worker dies mid-run."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from coalition.models import Coalition
from notifications.models import Delivery, Digest, DigestStatus, Notification, NotificationChoice
from notifications.services import (
    STALE_MINUTES,
    digest_period,
    digest_send,
    digests_create_due,
    digests_to_send,
    notify,
)
from notifications.tasks import digests_due

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
# Wednesday 2026-12-09, 10:00 in Paris: the week's digest (Monday 07:00) is due.
WEDNESDAY = datetime(2026, 12, 9, 10, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def paris():
    Coalition.objects.create(name="Les Amis", cause="Air", time_zone="Europe/Paris")


def news(person, kind, count: int, *, at: datetime) -> None:
    for n in range(count):
        notify(recipients=[person], kind=kind, context={"role": f"role {n}"})
    Notification.objects.filter(recipient=person).update(created_at=at)


def test_the_period_is_counted_in_the_coalitions_time_zone():
    assert digest_period(Delivery.WEEKLY, WEDNESDAY) == (
        datetime(2026, 12, 7).date(),
        datetime(2026, 12, 7, 7, 0, tzinfo=PARIS),
    )
    # Monday 06:59 in Paris: the week before is the last one due.
    early = datetime(2026, 12, 7, 6, 59, tzinfo=PARIS)
    assert digest_period(Delivery.WEEKLY, early)[0] == datetime(2026, 11, 30).date()
    assert digest_period(Delivery.DAILY, early)[0] == datetime(2026, 12, 6).date()


def test_a_weekly_person_gets_one_email_however_much_happened(make_person, news_kind):
    ana = make_person("ana@example.net")
    news(ana, news_kind, 5, at=WEDNESDAY - timedelta(days=4))

    assert digests_create_due(now=WEDNESDAY) == 1
    (digest_id,) = digests_to_send(now=WEDNESDAY)
    assert digest_send(digest_id=digest_id)

    (message,) = mail.outbox
    assert message.to == ["ana@example.net"]
    assert message.subject == "Les Amis: your weekly news"
    assert message.body.count("* You are now a role") == 5
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    digest = Digest.objects.get()
    assert digest.status == DigestStatus.SENT and digest.count == 5
    # Every run after that finds nothing more to send this week.
    assert digests_create_due(now=WEDNESDAY + timedelta(hours=1)) == 0
    assert digests_to_send(now=WEDNESDAY) == []
    assert not digest_send(digest_id=digest_id)
    assert len(mail.outbox) == 1


def test_news_after_the_cut_waits_for_next_period(make_person, news_kind):
    ana = make_person("ana@example.net")
    news(ana, news_kind, 1, at=WEDNESDAY - timedelta(hours=1))

    assert digests_create_due(now=WEDNESDAY) == 0
    assert mail.outbox == []


def test_daily_and_site_only_people_get_what_they_chose(make_person, news_kind):
    ana = make_person("ana@example.net")
    ben = make_person("ben@example.net")
    NotificationChoice.objects.create(person=ana, kind=news_kind, delivery=Delivery.DAILY)
    NotificationChoice.objects.create(person=ben, kind=news_kind, delivery=Delivery.SITE)
    news(ana, news_kind, 2, at=WEDNESDAY - timedelta(hours=5))
    news(ben, news_kind, 2, at=WEDNESDAY - timedelta(hours=5))

    digests_create_due(now=WEDNESDAY)
    for pk in digests_to_send(now=WEDNESDAY):
        digest_send(digest_id=pk)

    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["ana@example.net"], "Les Amis: your daily news")
    ]


def test_a_digest_held_by_a_dead_worker_is_sent_once_after_the_stale_time(make_person, news_kind):
    ana = make_person("ana@example.net")
    news(ana, news_kind, 2, at=WEDNESDAY - timedelta(days=3))
    digests_create_due(now=WEDNESDAY)
    digest = Digest.objects.get()
    # A worker claimed it, then died before sending.
    Digest.objects.filter(pk=digest.pk).update(
        status=DigestStatus.SENDING, claimed_at=timezone.now() - timedelta(minutes=1)
    )
    assert digests_to_send() == []
    assert not digest_send(digest_id=digest.pk)

    Digest.objects.filter(pk=digest.pk).update(
        claimed_at=timezone.now() - timedelta(minutes=STALE_MINUTES + 1)
    )
    assert digests_to_send() == [digest.pk]
    assert digest_send(digest_id=digest.pk)
    assert not digest_send(digest_id=digest.pk)
    assert len(mail.outbox) == 1


def test_the_beat_task_makes_and_sends_due_digests(
    make_person, news_kind, django_capture_on_commit_callbacks
):
    ana = make_person("ana@example.net")
    news(ana, news_kind, 3, at=timezone.now() - timedelta(days=8))

    with django_capture_on_commit_callbacks(execute=True):
        assert digests_due.apply().get() == 1
    assert len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert digests_due.apply().get() == 0
    assert len(mail.outbox) == 1


def test_each_digest_is_written_in_its_readers_language(make_person, news_kind):
    ana = make_person("ana@example.net", language="en")
    eloi = make_person("eloi@example.net", language="fr")
    news(ana, news_kind, 1, at=WEDNESDAY - timedelta(days=4))
    news(eloi, news_kind, 1, at=WEDNESDAY - timedelta(days=4))

    digests_create_due(now=WEDNESDAY)
    for digest_id in digests_to_send(now=WEDNESDAY):
        digest_send(digest_id=digest_id)

    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert subjects == {
        "ana@example.net": "Les Amis: your weekly news",
        "eloi@example.net": "Les Amis : vos nouvelles de la semaine",
    }

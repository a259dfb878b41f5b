"""A 1-1 meeting's follow-up date reminds whoever logged it, on that date, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from members.models import RelationalMeeting
from members.services.relationships import meeting_log
from notifications.models import Notification
from notifications.services import meeting_follow_ups_remind

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(weaver, make_person):
    today = timezone.localdate()
    return meeting_log(
        person_a=make_person("amal@example.net", name="Amal"),
        person_b=make_person("bea@example.net", name="Bea"),
        met_on=today - timedelta(days=3),
        notes="",
        follow_up="Send Bea the toolkit.",
        follow_up_on=today + timedelta(days=2),
        by=weaver,
    )


def test_no_reminder_before_the_day(meeting):
    assert meeting_follow_ups_remind() == 0
    assert Notification.objects.count() == 0


def test_the_weaver_is_reminded_on_the_day_once_even_if_the_task_runs_twice(
    meeting, weaver, django_capture_on_commit_callbacks
):
    day = timezone.localdate() + timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert meeting_follow_ups_remind(today=day) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert meeting_follow_ups_remind(today=day + timedelta(days=1)) == 0

    rows = Notification.objects.filter(kind="meeting_follow_up")
    assert [row.recipient for row in rows] == [weaver]
    assert [m.to for m in mail.outbox] == [["weaver@example.net"]]
    assert mail.outbox[0].subject == "Time to follow up with Amal"
    assert RelationalMeeting.objects.get().follow_up_reminded_at is not None


def test_the_task_reminds_through_the_notification_centre(meeting):
    from notifications.tasks import meeting_follow_ups_due

    RelationalMeeting.objects.update(follow_up_on=timezone.localdate())
    assert meeting_follow_ups_due() == 1
    assert meeting_follow_ups_due() == 0


def test_a_follow_up_before_the_meeting_is_refused(weaver, make_person):
    from coalition.errors import RuleBroken

    with pytest.raises(RuleBroken, match="before the meeting"):
        meeting_log(
            person_a=make_person("c@example.net"),
            person_b=make_person("d@example.net"),
            met_on=timezone.localdate(),
            notes="",
            follow_up="",
            follow_up_on=timezone.localdate() - timedelta(days=1),
            by=weaver,
        )


def test_the_beat_schedule_runs_the_reminders():
    from django.conf import settings

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "notifications.tasks.meeting_follow_ups_due" in tasks
    assert "notifications.tasks.broadcasts_resume" in tasks


def test_every_beat_entry_names_a_task_and_digests_are_per_person_only():
    from django.conf import settings

    from coalition.celery import app

    app.loader.import_default_modules()
    tasks = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert [name for name in tasks if name not in app.tasks] == []
    # The old weekly digest per group is gone: each person's digest replaces it.
    assert [name for name in tasks if "digest" in name] == ["notifications.tasks.digests_due"]

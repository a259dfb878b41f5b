"""Report schedules: who sets them, to whom they go, when they are due, and that each runs once."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail
from django.urls import reverse

from coalition.errors import RuleBroken
from reporting.models import Report, ReportSchedule, ReportStatus
from reporting.services import reports as service


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.REPORT_PDF_COMPRESS = False


def test_next_run_is_next_monday_or_the_first_of_next_month():
    wednesday, monday = date(2025, 5, 14), date(2025, 5, 12)
    assert service.schedule_next_run("weekly", wednesday) == date(2025, 5, 19)
    assert service.schedule_next_run("weekly", monday) == date(2025, 5, 19)
    assert service.schedule_next_run("monthly", wednesday) == date(2025, 6, 1)
    assert service.schedule_next_run("monthly", date(2025, 12, 1)) == date(2026, 1, 1)


def test_the_period_is_the_last_complete_week_or_month():
    assert service.schedule_period("weekly", date(2025, 5, 19)) == (
        date(2025, 5, 12),
        date(2025, 5, 18),
    )
    assert service.schedule_period("monthly", date(2025, 3, 1)) == (
        date(2025, 2, 1),
        date(2025, 2, 28),
    )
    assert service.schedule_period("monthly", date(2025, 1, 5)) == (
        date(2024, 12, 1),
        date(2024, 12, 31),
    )


def test_a_schedule_with_no_recipients_is_refused(steering_member):
    with pytest.raises(RuleBroken, match="no recipients"):
        service.schedule_create(by=steering_member, frequency="weekly", place=None, recipients=[])


def test_only_the_steering_committee_and_weavers_can_receive_reports(steering_member, group_member):
    with pytest.raises(RuleBroken, match="steering committee members and weavers"):
        service.schedule_create(
            by=steering_member, frequency="weekly", place=None, recipients=[group_member]
        )


def test_a_schedule_is_created_with_its_next_run(steering_member, weaver, place):
    schedule = service.schedule_create(
        by=steering_member, frequency="monthly", place=place, recipients=[weaver],
        today=date(2025, 5, 14),
    )  # fmt: skip
    assert schedule.next_run_on == date(2025, 6, 1)
    assert list(schedule.recipients.all()) == [weaver]


def test_a_due_schedule_makes_one_report_once_and_emails_its_recipients(
    steering_member, weaver, django_capture_on_commit_callbacks
):
    schedule = service.schedule_create(
        by=steering_member, frequency="weekly", place=None, recipients=[weaver, steering_member],
        today=date(2025, 5, 14),
    )  # fmt: skip
    assert service.reports_due(today=date(2025, 5, 18)) == []
    with django_capture_on_commit_callbacks(execute=True):
        made = service.reports_due(today=date(2025, 5, 19))
        again = service.reports_due(today=date(2025, 5, 19))
    assert len(made) == 1 and again == []
    report = Report.objects.get()
    assert report.schedule == schedule
    assert (report.period_start, report.period_end) == (date(2025, 5, 12), date(2025, 5, 18))
    assert report.status == ReportStatus.READY
    schedule.refresh_from_db()
    assert schedule.next_run_on == date(2025, 5, 26)
    assert sorted(message.to[0] for message in mail.outbox) == [
        "steering@example.net",
        "weaver@example.net",
    ]


def test_each_recipient_reads_the_scheduled_report_email_in_their_own_language(
    steering_member, weaver, django_capture_on_commit_callbacks
):
    weaver.language = "fr"
    weaver.save()
    service.schedule_create(
        by=steering_member, frequency="weekly", place=None, recipients=[weaver, steering_member],
        today=date(2025, 5, 14),
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        service.reports_due(today=date(2025, 5, 19))

    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert subjects["weaver@example.net"].startswith("Rapport de ")
    assert " report: " in subjects["steering@example.net"]


def test_a_stopped_schedule_makes_no_report(steering_member, weaver):
    schedule = service.schedule_create(
        by=steering_member, frequency="weekly", place=None, recipients=[weaver],
        today=date(2025, 5, 14),
    )  # fmt: skip
    service.schedule_deactivate(schedule=schedule)
    assert service.reports_due(today=date(2025, 6, 30)) == []


def test_a_recipient_who_lost_the_role_is_not_emailed(steering_member, weaver):
    from coalition.models import NetworkRole

    schedule = service.schedule_create(
        by=steering_member, frequency="weekly", place=None, recipients=[weaver, steering_member],
        today=date(2025, 5, 14),
    )  # fmt: skip
    NetworkRole.objects.filter(person=weaver).delete()
    report = Report.objects.create(
        schedule=schedule, period_start=date(2025, 5, 12), period_end=date(2025, 5, 18)
    )
    service.report_build(report_id=report.pk)
    assert service.report_email(report_id=report.pk) == 1
    assert [message.to for message in mail.outbox] == [["steering@example.net"]]


# --- Pages --------------------------------------------------------------------


def test_the_steering_committee_sets_a_schedule_on_the_page(client, steering_member, weaver):
    client.force_login(steering_member)
    response = client.post(
        reverse("reporting:schedules"), {"frequency": "weekly", "recipients": [weaver.pk]}
    )
    assert response.status_code == 302
    schedule = ReportSchedule.objects.get()
    assert schedule.frequency == "weekly" and schedule.next_run_on.weekday() == 0
    page = client.get(reverse("reporting:schedules"))
    assert b"Wanda Weaver" in page.content


def test_no_recipients_on_the_page_is_refused_clearly(client, steering_member):
    client.force_login(steering_member)
    response = client.post(reverse("reporting:schedules"), {"frequency": "weekly"})
    assert response.status_code == 400
    assert b"A schedule with no recipients would send nothing" in response.content
    assert not ReportSchedule.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"frequency": "daily"},
        {"frequency": "weekly", "place": "99999"},
        {"frequency": "weekly", "recipients": ["99999999999999999999999"]},
    ],
)
def test_bad_schedule_input_answers_400(client, steering_member, weaver, data):
    client.force_login(steering_member)
    data = {"recipients": [weaver.pk], **data}
    response = client.post(reverse("reporting:schedules"), data)
    assert response.status_code == 400
    assert not ReportSchedule.objects.exists()


def test_a_group_member_cannot_be_chosen_as_recipient(client, steering_member, group_member):
    client.force_login(steering_member)
    response = client.post(
        reverse("reporting:schedules"), {"frequency": "weekly", "recipients": [group_member.pk]}
    )
    assert response.status_code == 400
    assert not ReportSchedule.objects.exists()


def test_editing_and_stopping_a_schedule(client, steering_member, weaver):
    schedule = service.schedule_create(
        by=steering_member, frequency="weekly", place=None, recipients=[weaver]
    )
    client.force_login(steering_member)
    edit = reverse("reporting:schedule_edit", args=[schedule.pk])
    assert client.get(edit).status_code == 200
    response = client.post(edit, {"frequency": "monthly", "recipients": [steering_member.pk]})
    assert response.status_code == 302
    schedule.refresh_from_db()
    assert schedule.frequency == "monthly" and schedule.next_run_on.day == 1
    assert list(schedule.recipients.all()) == [steering_member]
    stop = reverse("reporting:schedule_deactivate", args=[schedule.pk])
    assert client.get(stop).status_code == 405
    assert client.post(stop).status_code == 302
    schedule.refresh_from_db()
    assert schedule.is_active is False


@pytest.mark.parametrize("who", ["outsider", "group_member", "group_admin", "weaver"])
def test_only_the_steering_committee_edits_or_stops_schedules(client, request, who, weaver):
    schedule = service.schedule_create(by=None, frequency="weekly", place=None, recipients=[weaver])
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("reporting:schedule_edit", args=[schedule.pk])).status_code == 403
    response = client.post(reverse("reporting:schedule_deactivate", args=[schedule.pk]))
    assert response.status_code == 403
    schedule.refresh_from_db()
    assert schedule.is_active


def test_anonymous_visitors_are_sent_to_log_in_from_schedule_pages(client, weaver):
    schedule = service.schedule_create(by=None, frequency="weekly", place=None, recipients=[weaver])
    for url in [
        reverse("reporting:schedule_edit", args=[schedule.pk]),
        reverse("reporting:schedules"),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_unknown_schedule_is_404(client, steering_member):
    client.force_login(steering_member)
    assert client.get(reverse("reporting:schedule_edit", args=[404])).status_code == 404


def test_beat_looks_for_due_schedules_every_hour(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["reporting-reports-due"]
    assert entry == {"task": "reporting.tasks.reports_due", "schedule": 3600.0}

"""The report pages: who may see them, asking for a report, progress and downloads."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reporting.models import Report, ReportStatus
from reporting.services.reports import report_build

CAST = ["outsider", "group_member", "group_admin", "weaver", "steering_member"]
ALLOWED = {"weaver", "steering_member"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.REPORT_PDF_COMPRESS = False


@pytest.fixture
def ready_report(db):
    report = Report.objects.create(period_start=date(2025, 1, 1), period_end=date(2025, 1, 31))
    report_build(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.READY
    return report


def _pages(report: Report) -> list[str]:
    return [
        reverse("reporting:reports"),
        reverse("reporting:report", args=[report.pk]),
        reverse("reporting:report_progress", args=[report.pk]),
        reverse("reporting:report_pdf", args=[report.pk]),
        reverse("reporting:report_bundle", args=[report.pk]),
    ]


def test_anonymous_visitors_are_sent_to_log_in(client, ready_report):
    for url in [*_pages(ready_report), reverse("reporting:schedules")]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", CAST)
def test_only_the_steering_committee_and_weavers_see_reports(client, request, who, ready_report):
    person = request.getfixturevalue(who)
    client.force_login(person)
    for url in _pages(ready_report):
        response = client.get(url)
        assert response.status_code == (200 if who in ALLOWED else 403), url


@pytest.mark.parametrize("who", CAST)
def test_only_the_steering_committee_sees_schedules(client, request, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("reporting:schedules"))
    assert response.status_code == (200 if who == "steering_member" else 403)


def test_downloads_are_attachments_that_are_not_sniffed(client, weaver, ready_report):
    client.force_login(weaver)
    pdf = client.get(reverse("reporting:report_pdf", args=[ready_report.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("attachment;")
    assert pdf["X-Content-Type-Options"] == "nosniff"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    bundle = client.get(reverse("reporting:report_bundle", args=[ready_report.pk]))
    assert bundle["Content-Type"] == "application/zip"
    assert bundle["Content-Disposition"].startswith("attachment;")


def test_a_report_not_ready_has_no_downloads_yet(client, weaver):
    report = Report.objects.create(period_start=date(2025, 1, 1), period_end=date(2025, 1, 31))
    client.force_login(weaver)
    assert client.get(reverse("reporting:report_pdf", args=[report.pk])).status_code == 404
    page = client.get(reverse("reporting:report", args=[report.pk]))
    assert b"js/report-progress.js" in page.content
    assert b"Refresh" in page.content
    progress = client.get(reverse("reporting:report_progress", args=[report.pk])).json()
    assert progress == {"status": "queued", "progress": 0, "error": ""}


def test_unknown_and_huge_report_numbers_are_404(client, weaver):
    client.force_login(weaver)
    assert client.get(reverse("reporting:report", args=[999])).status_code == 404
    assert client.get("/dashboard/reports/99999999999999999999/").status_code == 404


def test_asking_for_a_report_builds_and_emails_it(client, steering_member, place):
    from django.core import mail

    client.force_login(steering_member)
    response = client.post(
        reverse("reporting:reports"), {"start": "2025-01", "end": "2025-03", "place": place.pk}
    )
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:report", args=[report.pk])
    assert (report.period_start, report.period_end) == (date(2025, 1, 1), date(2025, 3, 31))
    assert report.place == place
    assert report.status == ReportStatus.READY
    assert len(mail.outbox) == 1
    page = client.get(response["Location"])
    assert b"report.pdf" in page.content
    assert b"js/report-progress.js" not in page.content


@pytest.mark.parametrize(
    "data, problem",
    [
        ({"start": "2025-03", "end": "2025-01"}, b"The period ends before it starts."),
        ({"start": "2025-01", "end": "2025-03", "place": "987654"}, b"Select a valid choice"),
        ({"start": "March", "end": "2025-03"}, b"Give a month as YYYY-MM"),
        ({"start": "2025-13", "end": "2025-03"}, b"Give a month as YYYY-MM"),
        ({"start": "", "end": ""}, b"This field is required"),
        ({"start": "1999-01", "end": "2025-03"}, b"Give a month"),
        ({"start": "2000-01", "end": "2025-03"}, b"at most 120 months"),
    ],
)
def test_bad_requests_answer_400_with_a_clear_error(client, weaver, data, problem):
    client.force_login(weaver)
    response = client.post(reverse("reporting:reports"), data)
    assert response.status_code == 400
    assert problem in response.content
    assert not Report.objects.exists()


def test_the_list_uses_the_same_queries_whatever_the_number_of_reports(
    client, weaver, place, django_assert_num_queries
):
    client.force_login(weaver)
    url = reverse("reporting:reports")

    def add(count):
        Report.objects.bulk_create(
            Report(
                period_start=date(2025, 1, 1), period_end=date(2025, 1, 31), place=place,
                requested_by=weaver,
            )
            for _ in range(count)
        )  # fmt: skip

    add(3)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    add(40)
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_the_list_shows_newest_first_with_status_and_links(client, weaver, ready_report):
    older = ready_report
    newer = Report.objects.create(period_start=date(2025, 2, 1), period_end=date(2025, 2, 28))
    client.force_login(weaver)
    content = client.get(reverse("reporting:reports")).content.decode()
    assert content.index(f"/dashboard/reports/{newer.pk}/") < content.index(
        f"/dashboard/reports/{older.pk}/"
    )
    assert f"/dashboard/reports/{older.pk}/report.pdf" in content
    assert f"/dashboard/reports/{newer.pk}/report.pdf" not in content

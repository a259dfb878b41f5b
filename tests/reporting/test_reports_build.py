"""Building a full report: the PDF, the CSV bundle, progress, failures and the email."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.urls import reverse

from coalition.models import Coalition
from convergence.models import Event
from reporting.models import ClimateSignal, Report, ReportStatus, Win
from reporting.services import reports as service
from tests.factories import GroupFactory, make_action, make_day, make_place

START, END = date(2025, 1, 1), date(2025, 3, 31)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.REPORT_PDF_COMPRESS = False
    settings.SITE_URL = "https://coalition.example.org"


@pytest.fixture
def dataset(place):
    Coalition.objects.create(name="Clean Air Alliance", cause="Air for all")
    elsewhere = make_place("Hilltop")
    Win.objects.create(
        title="Low emission zone", won_on=date(2025, 2, 3), place=place, level="full"
    )
    Win.objects.create(title="=HYPERLINK(1)", won_on=date(2025, 3, 9), place=place, level="partial")
    Win.objects.create(title="Too early", won_on=date(2024, 12, 31), place=place, level="full")
    Win.objects.create(title="Elsewhere", won_on=date(2025, 2, 1), place=elsewhere, level="full")
    ClimateSignal.objects.create(
        kind="media", source="Daily Bugle", said_on=date(2025, 1, 20), stance="supportive",
        place=place,
    )  # fmt: skip
    group = GroupFactory(place=place)
    moment = datetime(2025, 2, 10, 18, tzinfo=UTC)
    public = make_action(
        group, title="Clean air walk", starts_at=moment, ends_at=moment + timedelta(hours=2),
        status="done", participants=40,
    )  # fmt: skip
    make_action(
        group, title="Members only", visibility="group", starts_at=moment,
        ends_at=moment + timedelta(hours=1),
    )  # fmt: skip
    day = make_day(places=[place])
    Event.objects.create(day=day, action=public)
    return {"place": place, "elsewhere": elsewhere}


def _request(by=None, place=None, **kwargs) -> Report:
    # Straight to the database: the tests call the build themselves.
    return Report.objects.create(
        requested_by=by, place=place, period_start=START, period_end=END, **kwargs
    )


def _bundle_rows(report: Report) -> dict[str, list[list[str]]]:
    with (
        default_storage.open(report.bundle.name, "rb") as handle,
        zipfile.ZipFile(handle) as bundle,
    ):
        return {
            name: list(csv.reader(io.TextIOWrapper(bundle.open(name), encoding="utf-8")))
            for name in bundle.namelist()
        }


def test_a_built_report_has_a_pdf_with_the_coalitions_name(dataset, steering_member):
    report = _request(by=steering_member)
    assert service.report_build(report_id=report.pk) is True
    report.refresh_from_db()
    assert report.status == ReportStatus.READY
    assert report.progress == 100
    assert report.finished_at is not None
    assert report.pdf.name.startswith("reports/")
    with default_storage.open(report.pdf.name, "rb") as handle:
        pdf = handle.read()
    assert pdf.startswith(b"%PDF")
    assert b"Clean Air Alliance" in pdf


def test_the_bundle_holds_one_csv_per_chart_and_the_raw_exports(dataset, steering_member):
    report = _request(by=steering_member)
    service.report_build(report_id=report.pk)
    report.refresh_from_db()
    files = _bundle_rows(report)
    assert {"chart-wins.csv", "chart-climate.csv"} <= set(files)
    assert {
        "wins.csv",
        "climate-signals.csv",
        "public-actions.csv",
        "day-of-action-events.csv",
    } <= (set(files))
    wins = files["chart-wins.csv"]
    assert wins[0][0] == "month"
    assert [row[0] for row in wins[1:]] == ["2025-01", "2025-02", "2025-03"]
    titles = [row[1] for row in files["wins.csv"][1:]]
    # The period and the whole network; a formula is defused.
    assert titles == ["Elsewhere", "Low emission zone", "'=HYPERLINK(1)"]
    assert [row[1] for row in files["public-actions.csv"][1:]] == ["Clean air walk"]
    walk = files["public-actions.csv"][1]
    # The address is reversed once and each id formatted in: the same as reversing per row.
    assert walk[-1] == "https://coalition.example.org" + reverse("actions:detail", args=[walk[0]])
    event = files["day-of-action-events.csv"][1]
    assert event[-1] == "https://coalition.example.org" + reverse("actions:detail", args=[event[1]])
    assert [row[2] for row in files["day-of-action-events.csv"][1:]] == ["Clean air walk"]
    assert [row[2] for row in files["climate-signals.csv"][1:]] == ["Daily Bugle"]


def test_a_report_narrowed_to_a_place_leaves_other_places_out(dataset, steering_member):
    report = _request(by=steering_member, place=dataset["elsewhere"])
    service.report_build(report_id=report.pk)
    report.refresh_from_db()
    files = _bundle_rows(report)
    assert [row[1] for row in files["wins.csv"][1:]] == ["Elsewhere"]
    assert files["public-actions.csv"][1:] == []


def test_a_second_build_does_nothing(dataset, steering_member):
    report = _request(by=steering_member)
    assert service.report_build(report_id=report.pk) is True
    report.refresh_from_db()
    first = (report.pdf.name, report.finished_at)
    assert service.report_build(report_id=report.pk) is False
    report.refresh_from_db()
    assert (report.pdf.name, report.finished_at) == first


def test_a_failure_marks_the_report_failed_with_a_message(dataset, steering_member, monkeypatch):
    from reporting import metrics

    def broken(**kwargs):
        raise ValueError("no")

    monkeypatch.setattr(metrics, "dashboard_figures", broken)
    report = _request(by=steering_member)
    assert service.report_build(report_id=report.pk) is False
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert "could not be built" in report.error


def test_storage_errors_give_the_report_back_until_the_last_attempt(
    dataset, steering_member, monkeypatch
):
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(default_storage, "save", full)
    report = _request(by=steering_member)
    with pytest.raises(OSError):
        service.report_build(report_id=report.pk, final_attempt=False)
    report.refresh_from_db()
    assert report.status == ReportStatus.QUEUED
    assert service.report_build(report_id=report.pk, final_attempt=True) is False
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert "No space left on device" in report.error


def test_the_task_builds_and_emails_the_requester_once_with_link_and_pdf(
    dataset, steering_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = service.report_request(by=steering_member, start=START, end=END)
    report.refresh_from_db()
    assert report.status == ReportStatus.READY
    assert report.emailed_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["steering@example.net"]
    assert f"https://coalition.example.org/dashboard/reports/{report.pk}/" in message.body
    assert message.attachments and message.attachments[0][2] == "application/pdf"
    assert service.report_email(report_id=report.pk) == 0
    assert len(mail.outbox) == 1


def test_a_large_pdf_is_linked_not_attached(dataset, steering_member, monkeypatch):
    monkeypatch.setattr(service, "ATTACH_MAX_BYTES", 10)
    report = _request(by=steering_member)
    service.report_build(report_id=report.pk)
    assert service.report_email(report_id=report.pk) == 1
    assert mail.outbox[0].attachments == []
    assert "/report.pdf" in mail.outbox[0].body


def test_a_report_that_is_not_ready_is_not_emailed(dataset, steering_member):
    report = _request(by=steering_member)
    assert service.report_email(report_id=report.pk) == 0
    assert mail.outbox == []


def test_an_inverted_period_is_refused(steering_member):
    from coalition.errors import RuleBroken

    with pytest.raises(RuleBroken):
        service.report_request(by=steering_member, start=END, end=START)


def test_a_long_list_figure_is_cut_to_its_first_items_and_a_count():
    from reporting.pdf import FIGURE_ITEMS, figure_text

    text = figure_text([f"Group {n}" for n in range(FIGURE_ITEMS + 30)])
    assert text.startswith("Group 0; Group 1;")
    assert f"Group {FIGURE_ITEMS - 1}" in text
    assert f"Group {FIGURE_ITEMS};" not in text
    assert text.endswith("… and 30 more")


def test_a_list_that_holds_only_the_first_names_counts_them_all():
    from reporting.pdf import FIGURE_ITEMS, figure_text

    text = figure_text([f"Group {n}" for n in range(FIGURE_ITEMS + 5)], total=7047)
    assert text.endswith(f"… and {7047 - FIGURE_ITEMS} more")

"""Full reports (a PDF and a ZIP of CSVs) built by a worker, and the schedules that order them."""

from __future__ import annotations

import csv
import io
import logging
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coalition.errors import RuleBroken
from coalition.mail import language_for
from coalition.models import Coalition, Place, Role
from coalition.outbox import outbox_add
from coalition.reversing import url_for_ids
from coalition.selectors import in_place
from reporting.models import Frequency, Report, ReportSchedule, ReportStatus

logger = logging.getLogger(__name__)

# The PDF is attached only below this size: larger mail is often refused,
# and the link in the message always works.
ATTACH_MAX_BYTES = 5 * 1024 * 1024
# Rows fetched per round trip for the raw exports: large enough to keep the
# number of queries low, small enough that a chunk never weighs much in memory.
EXPORT_CHUNK = 2000
# A report covers at most this many months: the PDF draws one bar group per month.
MAX_MONTHS = 120
# Who may receive scheduled reports: the people who may see the dashboard.
RECIPIENT_ROLES = (Role.STEERING, Role.WEAVER)
ERROR_MAX = 300  # Report.error's length


# --- Requests -----------------------------------------------------------------


def _months_spanned(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def report_request(
    *,
    by,
    start: date,
    end: date,
    place: Place | None = None,
    schedule: ReportSchedule | None = None,
) -> Report:
    """Queue a report of ``start``–``end`` in ``place``; a worker builds it after commit."""
    if start > end:
        raise RuleBroken(_("The period ends before it starts."), field="end")
    if _months_spanned(start, end) > MAX_MONTHS:
        raise RuleBroken(
            _("A report covers at most %(months)s months.") % {"months": MAX_MONTHS}, field="end"
        )
    report = Report.objects.create(
        requested_by=by if getattr(by, "is_authenticated", False) else None,
        schedule=schedule,
        place=place,
        period_start=start,
        period_end=end,
    )
    from reporting.tasks import report_build as build_task

    # Through the outbox: a broker down at the commit neither fails the page nor
    # leaves the report queued forever (coalition/outbox.py).
    outbox_add(build_task, report_id=report.pk)
    return report


# --- Building -----------------------------------------------------------------


def _progress(report_id: int, percent: int) -> None:
    Report.objects.filter(pk=report_id, status=ReportStatus.BUILDING).update(progress=percent)


def csv_cell(value: object) -> object:
    """A spreadsheet runs text starting with one of these as a formula (CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + value
    return value


def _write_csv(bundle: zipfile.ZipFile, name: str, header: list[str], rows: Iterable) -> int:
    """Stream ``rows`` into the entry ``name`` of ``bundle``; the number of rows written."""
    count = 0
    with bundle.open(name, "w") as entry:
        text = io.TextIOWrapper(entry, encoding="utf-8", newline="")
        writer = csv.writer(text)
        writer.writerow(header)
        for row in rows:
            writer.writerow([csv_cell(value) for value in row])
            count += 1
        text.flush()
        text.detach()  # the ZIP entry is closed by its own context manager
    return count


def _period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The period's first and after-last instants in the site's time zone."""
    zone = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(start, time.min), zone),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), zone),
    )


def _raw_exports(report: Report) -> list[tuple[str, list[str], Iterator]]:
    """(file name, header, rows) of each raw export, each rows an iterator over the database."""
    from actions.selectors import actions_public
    from convergence.models import Event
    from reporting.models import ClimateSignal, Win

    start, end, place = report.period_start, report.period_end, report.place
    since, until = _period_bounds(start, end)
    wins = (
        Win.objects.filter(won_on__gte=start, won_on__lte=end)
        .filter(in_place(place))
        .order_by("won_on", "id")
        .values_list(
            "won_on", "title", "level", "place__name", "shifted_climate", "is_public",
            "evidence_url", "description",
        )
        .iterator(chunk_size=EXPORT_CHUNK)
    )  # fmt: skip
    signals = (
        ClimateSignal.objects.filter(said_on__gte=start, said_on__lte=end)
        .filter(in_place(place))
        .order_by("said_on", "id")
        .values_list(
            "said_on", "kind", "source", "stance", "place__name", "day_of_action__title", "url",
            "summary",
        )
        .iterator(chunk_size=EXPORT_CHUNK)
    )  # fmt: skip
    public = (
        actions_public()
        .filter(starts_at__gte=since, starts_at__lt=until)
        .filter(in_place(place))
        .order_by("starts_at", "id")
        .values_list(
            "id", "title", "host_group__name", "kind", "place__name", "starts_at", "ends_at",
            "status", "rsvp_count", "participants", "letters_sent", "signatures_gathered",
            "media_pieces",
        )
        .iterator(chunk_size=EXPORT_CHUNK)
    )  # fmt: skip
    # Events of days of action: only those whose action is public, as above,
    # since a report travels by email beyond the people who may see the rest.
    events = (
        Event.objects.filter(
            action__visibility="public",
            action__hidden_at__isnull=True,
            action__starts_at__gte=since,
            action__starts_at__lt=until,
        )
        .filter(in_place(place, "action__place"))
        .order_by("day__starts_at", "action__starts_at", "id")
        .values_list(
            "day__title", "action_id", "action__title", "action__host_group__name",
            "action__place__name", "action__starts_at", "action__status", "action__rsvp_count",
            "action__participants", "action__letters_sent", "action__signatures_gathered",
            "action__media_pieces",
        )
        .iterator(chunk_size=EXPORT_CHUNK)
    )  # fmt: skip

    # Reversed once, not per row (157,000 rows at scale).
    action_url = url_for_ids("actions:detail", prefix=settings.SITE_URL)

    def with_url(rows: Iterator, at: int) -> Iterator:
        for row in rows:
            yield (*row, action_url(row[at]))

    return [
        (
            "wins.csv",
            [_("date"), _("title"), _("level"), _("place"), _("shifted the political climate"),
             _("public"), _("evidence"), _("description")],
            wins,
        ),
        (
            "climate-signals.csv",
            [_("date"), _("kind"), _("outlet or person"), _("stance"), _("place"),
             _("related day of action"), _("link"), _("summary")],
            signals,
        ),
        (
            "public-actions.csv",
            [_("id"), _("title"), _("host group"), _("kind"), _("place"), _("starts"), _("ends"),
             _("status"), _("RSVPs"), _("people who took part"), _("letters sent"),
             _("signatures gathered"), _("media pieces"), _("address of the page")],
            with_url(public, 0),
        ),
        (
            "day-of-action-events.csv",
            [_("day of action"), _("action id"), _("title"), _("host group"), _("place"),
             _("starts"), _("status"), _("RSVPs"), _("people who took part"), _("letters sent"),
             _("signatures gathered"), _("media pieces"), _("address of the page")],
            with_url(events, 1),
        ),
    ]  # fmt: skip


def coalition_name() -> str:
    name = Coalition.objects.filter(pk=1).values_list("name", flat=True).first()
    return name or settings.COALITION_NAME


def report_period_label(report: Report) -> str:
    return _("From %(start)s to %(end)s") % {
        "start": report.period_start.isoformat(),
        "end": report.period_end.isoformat(),
    }


def report_place_label(report: Report) -> str:
    if report.place is None:
        return _("The whole network")
    return _("%(place)s and everywhere in it") % {"place": report.place.name}


def _write_pdf(report: Report, out, charts, figures, *, compress: bool) -> None:
    from reporting.pdf import report_pdf_write

    total = max(len(charts), 1)
    report_pdf_write(
        out,
        coalition_name=coalition_name(),
        title=_("Report"),
        period=report_period_label(report),
        place=report_place_label(report),
        charts=charts,
        figures=figures,
        labels={
            "month": _("month"),
            "figures": _("Figures"),
            "no_figures": _("No single figures for this period."),
            "figure": _("figure"),
            "value": _("value"),
            "made_on": _("Made on %(date)s") % {"date": timezone.localdate().isoformat()},
        },
        compress=compress,
        # The PDF is the first 40% of the work.
        on_chart=lambda number: _progress(report.pk, 10 + 30 * number // total),
    )


def _write_bundle(report: Report, out, charts) -> None:
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for chart in charts:
            months = [month for month, _value in chart.series[0].points] if chart.series else []
            rows = (
                (month.strftime("%Y-%m"), *(series.points[i][1] for series in chart.series))
                for i, month in enumerate(months)
            )
            header = [_("month"), *(str(series.label) for series in chart.series)]
            _write_csv(bundle, f"chart-{chart.slug}.csv", header, rows)
        _progress(report.pk, 50)
        exports = _raw_exports(report)
        for number, (name, header, rows) in enumerate(exports, start=1):
            _write_csv(bundle, name, header, rows)
            _progress(report.pk, 50 + 45 * number // len(exports))


def _fail(report_id: int, message: str) -> None:
    Report.objects.filter(pk=report_id, status=ReportStatus.BUILDING).update(
        status=ReportStatus.FAILED, error=message[:ERROR_MAX], finished_at=timezone.now()
    )


def report_build(*, report_id: int, final_attempt: bool = True) -> bool:
    """Build a queued report; True if this call built it, False if there was nothing to do.

    The report is claimed by a conditional update (queued → building), so a
    second run, or a second worker, does nothing. An ``OSError`` (a full disk,
    storage out of reach) gives the report back to the queue for the task to
    retry, unless this is the ``final_attempt``; any other error marks it
    failed with a message the steering committee sees on the page.
    PDF compression follows ``settings.REPORT_PDF_COMPRESS`` (on by default).
    """
    from reporting.metrics import dashboard_charts, dashboard_figures

    claimed = Report.objects.filter(pk=report_id, status=ReportStatus.QUEUED).update(
        status=ReportStatus.BUILDING, progress=0, error=""
    )
    if not claimed:
        return False
    report = Report.objects.select_related("place").get(pk=report_id)
    compress = getattr(settings, "REPORT_PDF_COMPRESS", True)
    try:
        charts = dashboard_charts(
            start=report.period_start, end=report.period_end, place=report.place
        )
        figures = dashboard_figures(
            start=report.period_start, end=report.period_end, place=report.place
        )
        _progress(report_id, 10)
        stem = f"report-{report.pk}-{report.period_start:%Y%m%d}-{report.period_end:%Y%m%d}"
        # Temporary files, not memory: a bundle can be large.
        with tempfile.TemporaryFile() as pdf_file, tempfile.TemporaryFile() as zip_file:
            _write_pdf(report, pdf_file, charts, figures, compress=compress)
            _write_bundle(report, zip_file, charts)
            pdf_file.seek(0)
            zip_file.seek(0)
            pdf_name = default_storage.save(f"reports/{stem}.pdf", File(pdf_file))
            bundle_name = default_storage.save(f"reports/{stem}.zip", File(zip_file))
    except OSError as problem:
        if final_attempt:
            logger.exception("Report %s failed", report_id)
            _fail(report_id, _("The report could not be written: %(problem)s") % {
                "problem": problem.strerror or problem.__class__.__name__
            })  # fmt: skip
            return False
        Report.objects.filter(pk=report_id, status=ReportStatus.BUILDING).update(
            status=ReportStatus.QUEUED, progress=0
        )
        raise
    except Exception as problem:  # any failure: a person must see it on the page
        logger.exception("Report %s failed", report_id)
        _fail(
            report_id,
            _("The report could not be built (%(problem)s). Ask for it again, or tell the "
              "people who run the site.") % {"problem": problem.__class__.__name__},
        )  # fmt: skip
        return False
    done = Report.objects.filter(pk=report_id, status=ReportStatus.BUILDING).update(
        status=ReportStatus.READY,
        progress=100,
        pdf=pdf_name,
        bundle=bundle_name,
        finished_at=timezone.now(),
    )
    if not done:  # someone else changed it meanwhile: do not leave orphan files
        default_storage.delete(pdf_name)
        default_storage.delete(bundle_name)
        return False
    logger.info("Report %s built (%s, %s)", report_id, pdf_name, bundle_name)
    return True


# --- Email --------------------------------------------------------------------


def report_recipients(report: Report) -> list[str]:
    """The requester of an on-demand report; a schedule's recipients who still may see reports."""
    from members.models import User

    if report.schedule_id is None:
        person = report.requested_by
        return [person.email] if person and person.is_active else []
    people = (
        User.objects.filter(
            report_schedules=report.schedule_id,
            is_active=True,
            network_roles__role__in=RECIPIENT_ROLES,
        )
        .distinct()
        .order_by("email")
    )
    return list(people.values_list("email", flat=True))


def report_url(report: Report) -> str:
    return settings.SITE_URL + reverse("reporting:report", args=[report.pk])


def _languages_of(emails: list[str]) -> dict[str, str]:
    """Each address's language: the person's own, else the coalition's default."""
    from members.models import User

    people = {
        person.email: person
        for person in User.objects.filter(email__in=emails).only("email", "language")
    }
    return {email: language_for(people.get(email)) for email in emails}


def _report_words(report: Report, name: str, *, attached: bool) -> tuple[str, str]:
    """The subject and body of a report's email, in the active language."""
    context = {
        "coalition_name": name,
        "period": report_period_label(report),
        "place": report_place_label(report),
        "url": report_url(report),
        "pdf_url": settings.SITE_URL + reverse("reporting:report_pdf", args=[report.pk]),
        "bundle_url": settings.SITE_URL + reverse("reporting:report_bundle", args=[report.pk]),
        "scheduled": report.schedule_id is not None,
        "attached": attached,
    }
    body = render_to_string("reporting/email/report_ready.txt", context)
    subject = _("%(coalition)s report: %(period)s") % {
        "coalition": name,
        "period": context["period"],
    }
    return subject, body


def report_email(*, report_id: int) -> int:
    """Email a ready report once: a link to it, and the PDF when small; how many were sent.

    ``emailed_at`` is claimed by a conditional update before sending, so two
    runs never both send; if sending fails the claim is given back and the
    error raised, for the task to retry.
    """
    report = Report.objects.select_related("place", "requested_by").get(pk=report_id)
    if report.status != ReportStatus.READY:
        return 0
    recipients = report_recipients(report)
    if not recipients:
        return 0
    claimed = Report.objects.filter(pk=report_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return 0
    name = coalition_name()
    languages = _languages_of(recipients)
    attachment = None
    try:
        if report.pdf and report.pdf.size < ATTACH_MAX_BYTES:
            with report.pdf.open("rb") as pdf:
                attachment = pdf.read()
        written: dict[str, tuple[str, str]] = {}
        messages = []
        # One message per person: recipients never see each other's addresses. Each is
        # written in the recipient's language (beat runs with none of its own).
        for email in recipients:
            language = languages[email]
            if language not in written:
                with translation.override(language):
                    written[language] = _report_words(report, name, attached=attachment is not None)
            subject, body = written[language]
            message = EmailMessage(subject=subject, body=body, to=[email])
            if attachment is not None:
                message.attach(f"report-{report.pk}.pdf", attachment, "application/pdf")
            messages.append(message)
        with get_connection() as connection:
            sent = connection.send_messages(messages) or 0
    except Exception:
        Report.objects.filter(pk=report_id).update(emailed_at=None)
        raise
    logger.info("Report %s emailed to %s people", report_id, sent)
    return sent


# --- Schedules ----------------------------------------------------------------


def schedule_next_run(frequency: str, today: date) -> date:
    """The next Monday (weekly) or the first of next month (monthly), strictly after ``today``."""
    if frequency == Frequency.WEEKLY:
        return today + timedelta(days=7 - today.weekday())
    return date(today.year + (today.month == 12), today.month % 12 + 1, 1)


def schedule_period(frequency: str, today: date) -> tuple[date, date]:
    """The last complete week (Monday to Sunday) or month before ``today``."""
    if frequency == Frequency.WEEKLY:
        monday = today - timedelta(days=today.weekday())
        return monday - timedelta(days=7), monday - timedelta(days=1)
    first = today.replace(day=1)
    last = first - timedelta(days=1)
    return last.replace(day=1), last


def recipients_allowed():
    """People who may receive scheduled reports: the steering committee and weavers."""
    from members.models import User

    return (
        User.objects.filter(is_active=True, network_roles__role__in=RECIPIENT_ROLES)
        .distinct()
        .order_by("name", "email")
    )


def _check_schedule(frequency: str, recipients: list) -> None:
    if frequency not in Frequency.values:
        raise RuleBroken(_("Choose weekly or monthly."), field="frequency")
    if not recipients:
        raise RuleBroken(
            _("A schedule with no recipients would send nothing: choose at least one person."),
            field="recipients",
        )
    allowed = set(
        recipients_allowed()
        .filter(pk__in=[person.pk for person in recipients])
        .values_list("pk", flat=True)
    )
    if any(person.pk not in allowed for person in recipients):
        raise RuleBroken(
            _("Reports can only be sent to steering committee members and weavers."),
            field="recipients",
        )


@transaction.atomic
def schedule_create(
    *, by, frequency: str, place: Place | None, recipients: list, today: date | None = None
) -> ReportSchedule:
    _check_schedule(frequency, recipients)
    schedule = ReportSchedule.objects.create(
        frequency=frequency,
        place=place,
        next_run_on=schedule_next_run(frequency, today or timezone.localdate()),
        created_by=by,
    )
    schedule.recipients.set(recipients)
    return schedule


@transaction.atomic
def schedule_update(
    *,
    schedule: ReportSchedule,
    frequency: str,
    place: Place | None,
    recipients: list,
    is_active: bool = True,
    today: date | None = None,
) -> ReportSchedule:
    """Change a schedule; a new frequency, or switching it back on, sets its next run afresh."""
    _check_schedule(frequency, recipients)
    if frequency != schedule.frequency or (is_active and not schedule.is_active):
        schedule.next_run_on = schedule_next_run(frequency, today or timezone.localdate())
    schedule.frequency = frequency
    schedule.place = place
    schedule.is_active = is_active
    schedule.save()
    schedule.recipients.set(recipients)
    return schedule


def schedule_deactivate(*, schedule: ReportSchedule) -> None:
    ReportSchedule.objects.filter(pk=schedule.pk).update(is_active=False)
    schedule.is_active = False


def reports_due(*, today: date | None = None) -> list[int]:
    """Queue one report for each active schedule that is due; the new reports' ids.

    Each schedule's next run is moved on by a conditional update in the same
    transaction as the report's creation, so two beat runs at once, or a run
    repeated, never make the same report twice. A schedule missed for several
    periods gets one report, of the last complete period.
    """
    today = today or timezone.localdate()
    made: list[int] = []
    due = ReportSchedule.objects.filter(is_active=True, next_run_on__lte=today).select_related(
        "place"
    )
    for schedule in due:
        with transaction.atomic():
            moved = ReportSchedule.objects.filter(
                Q(pk=schedule.pk, is_active=True, next_run_on=schedule.next_run_on)
            ).update(next_run_on=schedule_next_run(schedule.frequency, today))
            if not moved:
                continue
            start, end = schedule_period(schedule.frequency, today)
            report = report_request(
                by=None, start=start, end=end, place=schedule.place, schedule=schedule
            )
            made.append(report.pk)
    return made

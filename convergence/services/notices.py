"""Reminders before an event of a day of action and the follow-up after it, each sent once.

Who gets what:

- ``rsvp_reminder``: each confirmed RSVP of an event starting within the next
  24 hours, with the time, the address and the link to cancel.
- ``host_reminder``: each host of that event — the host group's admins and
  contacts, and the person who registered the action — with the RSVP count.
  A person who is both a host and on the RSVP list gets the host reminder
  only: one reminder per person and event.
- ``host_follow_up``: each host of an event that ended in the last 7 days
  and has no outcomes recorded yet, with the link to the outcomes form.

Nothing is scheduled ahead: Celery beat runs ``notices_send_due`` every few
minutes and the database decides what is due, so a lost task, a restarted
worker or a broker outage only delays a notice until the next run.

Once only. Each notice is a ``NoticeSent`` row, unique per (kind, event,
address). A run claims a chunk of due notices by inserting their rows
(``bulk_create(ignore_conflicts=True)``: of two runs only one inserts each
row) with ``claimed_at`` set to this chunk's own timestamp, takes over rows
whose claim is older than ``STALE_MINUTES`` and still unsent (a conditional
UPDATE: only one run can move ``claimed_at`` off the old value), then sends
exactly the rows carrying its timestamp and sets ``sent_at`` on each, in its
own statement, right after the mail server accepted it. A worker killed
between its claim and its send leaves claims without ``sent_at``; fifteen
minutes later they count as abandoned and the next run sends them. The
window left is the same as for outreach (see members/services/outreach.py):
a crash between the server's "250 OK" and the commit of ``sent_at`` — or a
run that spends more than fifteen minutes on one message — sends that one
notice twice. Every notice carries a Message-ID made from its kind, event
and address, so the copy is recognisable and many providers drop it.

Outreach suppression is not applied here, on purpose: these are
transactional messages about an event the person said they would attend or
is running, not network news. An address that unsubscribed from outreach
still gets the reminder it asked for by RSVPing (and can cancel from it);
the RSVP confirmation is sent the same way.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import smtplib
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import formataddr, parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from actions.models import ActionStatus, Participation, ParticipationStatus
from actions.services.participation import action_url, cancel_token
from coalition.mail import language_for
from coalition.models import Coalition
from convergence.models import DayStatus, Event, NoticeKind, NoticeSent
from members.models import Membership, MembershipRole, User

logger = logging.getLogger(__name__)

REMINDER_HOURS = 24
FOLLOW_UP_DAYS = 7
# A claim this old without ``sent_at`` was left by a run that died: take it
# over. Well above the task time limit (300 s), so a live run is never
# overtaken while it is still sending.
STALE_MINUTES = 15
# 200 notices per chunk: one claim (three short statements) covers a few
# hundred messages, an SMTP connection carries that many before providers
# tend to close it, and a worker killed mid-chunk leaves at most 200 notices
# waiting the fifteen minutes before they are taken over.
CHUNK = 200
# A run stops claiming after this many seconds and leaves the rest to the
# next run (five minutes later), far inside the task's time limit.
RUN_SECONDS = 120
# New SMTP connections a run may open after the server hung up on it.
MAX_RECONNECTS = 3

HOST_ROLES = (MembershipRole.ADMIN, MembershipRole.CONTACT)
REMINDER_DAY_STATUSES = (DayStatus.OPEN, DayStatus.LIVE)
# Reported days have their totals signed off: no point asking for more.
FOLLOW_UP_DAY_STATUSES = (DayStatus.OPEN, DayStatus.LIVE, DayStatus.CLOSED)


@dataclass(frozen=True)
class Recipient:
    """One due notice: who, about which event, and what the message needs."""

    kind: str
    event_id: int
    email: str
    name: str = ""
    language: str = ""
    participation_id: int | None = None


@dataclass
class NoticesOutcome:
    """What a run did, for the log and for tests."""

    claimed: int = 0
    sent: int = 0
    refused: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    out_of_time: bool = False


# --- What is due ------------------------------------------------------------


def events_for_reminders(now: datetime) -> QuerySet[Event]:
    """Events of open or live days starting within 24 hours, not cancelled nor hidden."""
    return Event.objects.filter(
        day__status__in=REMINDER_DAY_STATUSES,
        action__starts_at__gt=now,
        action__starts_at__lte=now + timedelta(hours=REMINDER_HOURS),
        action__hidden_at__isnull=True,
    ).exclude(action__status=ActionStatus.CANCELLED)


def events_for_follow_up(now: datetime) -> QuerySet[Event]:
    """Events that ended in the last 7 days, not cancelled nor hidden, with no outcome recorded.

    A host who reported before the follow-up went out is not asked again.
    """
    return Event.objects.filter(
        day__status__in=FOLLOW_UP_DAY_STATUSES,
        action__ends_at__lte=now,
        action__ends_at__gt=now - timedelta(days=FOLLOW_UP_DAYS),
        action__hidden_at__isnull=True,
        action__participants__isnull=True,
        action__letters_sent__isnull=True,
        action__signatures_gathered__isnull=True,
        action__media_pieces__isnull=True,
        action__story="",
    ).exclude(action__status=ActionStatus.CANCELLED)


def _blocking(kind: str, cutoff: datetime) -> Q:
    """Notice rows that mean "not due" for ``kind``: sent, or claimed by a run still alive.

    The two reminders exclude each other, whatever the state of the other's
    row, so nobody gets two reminders for one event.
    """
    done_or_busy = Q(kind=kind) & (Q(sent_at__isnull=False) | Q(claimed_at__gte=cutoff))
    if kind == NoticeKind.RSVP_REMINDER:
        return done_or_busy | Q(kind=NoticeKind.HOST_REMINDER)
    if kind == NoticeKind.HOST_REMINDER:
        return done_or_busy | Q(kind=NoticeKind.RSVP_REMINDER)
    return done_or_busy


def _not_yet(kind: str, cutoff: datetime, event: str, address: str) -> Exists:
    return Exists(
        NoticeSent.objects.filter(
            _blocking(kind, cutoff), event_id=OuterRef(event), email=OuterRef(address)
        )
    )


def _hosts_due(kind: str, events: QuerySet[Event], cutoff: datetime, limit: int) -> list[Recipient]:
    """The hosts of ``events`` still to be sent ``kind``: two queries, deduplicated by address."""
    event_ids = events.values("pk")
    members = (
        Membership.objects.filter(role__in=HOST_ROLES)
        .annotate(event_id=F("group__actions__day_event"), address=Lower("person__email"))
        .filter(event_id__in=event_ids)
        .exclude(_not_yet(kind, cutoff, "event_id", "address"))
        .order_by("event_id", "address")
        .values_list("event_id", "address", "person__name", "person__language")[:limit]
    )
    # Whoever posted the event is a host only while still in its group
    # (``can_edit_action``): someone who left hears nothing more about it.
    creator_still_member = Exists(
        Membership.objects.filter(
            group_id=OuterRef("action__host_group_id"), person_id=OuterRef("action__created_by_id")
        )
    )
    creators = (
        Event.objects.filter(pk__in=event_ids, action__created_by__isnull=False)
        .filter(creator_still_member)
        .annotate(address=Lower("action__created_by__email"))
        .exclude(_not_yet(kind, cutoff, "pk", "address"))
        .order_by("pk")
        .values_list("pk", "address", "action__created_by__name", "action__created_by__language")[
            :limit
        ]
    )
    found: dict[tuple[int, str], Recipient] = {}
    for event_id, email, name, language in [*members, *creators]:
        email = email.lower()
        found.setdefault(
            (event_id, email),
            Recipient(kind=kind, event_id=event_id, email=email, name=name, language=language),
        )
    return sorted(found.values(), key=lambda r: (r.event_id, r.email))[:limit]


def _rsvps_due(events: QuerySet[Event], cutoff: datetime, limit: int) -> list[Recipient]:
    """Confirmed RSVPs of ``events`` still to be reminded, hosts left out: one query."""
    kind = NoticeKind.RSVP_REMINDER
    is_host = Exists(
        Membership.objects.annotate(address=Lower("person__email")).filter(
            group_id=OuterRef("action__host_group_id"),
            role__in=HOST_ROLES,
            address=OuterRef("address"),
        )
    ) | Exists(
        User.objects.annotate(address=Lower("email")).filter(
            pk=OuterRef("action__created_by_id"),
            address=OuterRef("address"),
            memberships__group_id=OuterRef("action__host_group_id"),
        )
    )
    rows = (
        Participation.objects.filter(
            status=ParticipationStatus.CONFIRMED, action__day_event__in=events.values("pk")
        )
        .annotate(event_id=F("action__day_event"), address=Lower("email"))
        .exclude(_not_yet(kind, cutoff, "event_id", "address"))
        .exclude(is_host)
        .order_by("event_id", "pk")
        .values_list("event_id", "address", "name", "person__language", "pk")[:limit]
    )
    return [
        Recipient(
            kind=kind,
            event_id=event_id,
            email=email,
            name=name,
            language=language or "",
            participation_id=pk,
        )
        for event_id, email, name, language, pk in rows
    ]


def notices_due(*, kind: str, now: datetime | None = None, limit: int = CHUNK) -> list[Recipient]:
    """Up to ``limit`` notices of ``kind`` that are due and not sent nor being sent."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=STALE_MINUTES)
    if kind == NoticeKind.RSVP_REMINDER:
        return _rsvps_due(events_for_reminders(now), cutoff, limit)
    if kind == NoticeKind.HOST_REMINDER:
        return _hosts_due(kind, events_for_reminders(now), cutoff, limit)
    if kind == NoticeKind.HOST_FOLLOW_UP:
        return _hosts_due(kind, events_for_follow_up(now), cutoff, limit)
    raise ValueError(f"Unknown notice kind: {kind!r}")


# --- Claiming ---------------------------------------------------------------


def notices_claim(*, recipients: list[Recipient]) -> tuple[dict[int, Recipient], datetime]:
    """Claim these notices for this run: {notice id: recipient} it won, and the claim time.

    The claim time is the run's token: only rows carrying it are this run's
    to send. Rows another run inserted first, or claimed less than
    ``STALE_MINUTES`` ago, are left to it.
    """
    if not recipients:
        return {}, timezone.now()
    kind = recipients[0].kind
    claimed_at = timezone.now()
    cutoff = claimed_at - timedelta(minutes=STALE_MINUTES)
    wanted = {(r.event_id, r.email): r for r in recipients}
    event_ids = {r.event_id for r in recipients}
    emails = {r.email for r in recipients}
    NoticeSent.objects.bulk_create(
        [
            NoticeSent(kind=kind, event_id=event_id, email=email, claimed_at=claimed_at)
            for event_id, email in wanted
        ],
        ignore_conflicts=True,
    )
    # Abandoned claims among these: the conditional UPDATE lets one run only
    # take each over (the other finds claimed_at no longer old).
    rows = NoticeSent.objects.filter(kind=kind, event_id__in=event_ids, email__in=emails)
    stale = [
        pk
        for pk, event_id, email in rows.filter(
            sent_at__isnull=True, claimed_at__lt=cutoff
        ).values_list("pk", "event_id", "email")
        if (event_id, email) in wanted
    ]
    if stale:
        taken = NoticeSent.objects.filter(
            pk__in=stale, sent_at__isnull=True, claimed_at__lt=cutoff
        ).update(claimed_at=claimed_at)
        logger.warning("Notices: took over %s abandoned %s claims", taken, kind)
    mine = {
        pk: wanted[(event_id, email)]
        for pk, event_id, email in rows.filter(
            sent_at__isnull=True, claimed_at=claimed_at
        ).values_list("pk", "event_id", "email")
        if (event_id, email) in wanted
    }
    return mine, claimed_at


def _mark_sent(pk: int, claimed_at: datetime) -> None:
    NoticeSent.objects.filter(pk=pk, claimed_at=claimed_at, sent_at__isnull=True).update(
        sent_at=timezone.now()
    )


def _release(pks: list[int], claimed_at: datetime) -> None:
    """Unsent claims of a run that met a mail server problem: due again at the next run."""
    if pks:
        NoticeSent.objects.filter(pk__in=pks, claimed_at=claimed_at, sent_at__isnull=True).update(
            claimed_at=claimed_at - timedelta(minutes=STALE_MINUTES, seconds=1)
        )


# --- Messages ---------------------------------------------------------------


def _coalition_name() -> str:
    name = Coalition.objects.filter(pk=1).values_list("name", flat=True).first()
    return name or settings.COALITION_NAME


def message_id_for(recipient: Recipient) -> str:
    """The same Message-ID every time this notice is sent, so a copy is recognisable."""
    digest = hashlib.sha256(recipient.email.encode()).hexdigest()[:16]
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<{recipient.kind.replace('_', '-')}-{recipient.event_id}-{digest}@{domain}>"


def outcomes_url(event: Event) -> str:
    try:
        return reverse(
            "convergence:event_outcomes", kwargs={"slug": event.day.slug, "event_id": event.pk}
        )
    except NoReverseMatch:  # the outcomes page is not wired in (yet)
        return f"/days/{event.day.slug}/events/{event.pk}/outcomes/"


def _rsvps_url(event: Event) -> str:
    try:
        return reverse("actions:rsvps", kwargs={"pk": event.action_id})
    except NoReverseMatch:
        return f"/actions/{event.action_id}/rsvps/"


_TEMPLATES = {
    NoticeKind.RSVP_REMINDER: "convergence/email/rsvp_reminder.txt",
    NoticeKind.HOST_REMINDER: "convergence/email/host_reminder.txt",
    NoticeKind.HOST_FOLLOW_UP: "convergence/email/host_follow_up.txt",
}


def _subject(recipient: Recipient, event: Event) -> str:
    title = event.action.title
    if recipient.kind == NoticeKind.RSVP_REMINDER:
        subject = _("Reminder: %(title)s starts soon") % {"title": title}
    elif recipient.kind == NoticeKind.HOST_REMINDER:
        subject = _("Your event starts soon: %(title)s") % {"title": title}
    else:
        subject = _("How did it go? Report the outcomes of %(title)s") % {"title": title}
    return " ".join(subject.split())


def notice_email(*, recipient: Recipient, event: Event, coalition_name: str) -> EmailMessage:
    """The text/plain email for one notice, in the recipient's language and the site's time zone."""
    action = event.action
    site = settings.SITE_URL
    context = {
        "recipient": recipient,
        "event": event,
        "day": event.day,
        "action": action,
        "group": action.host_group,
        "place": action.place,
        "coalition_name": coalition_name,
        "action_link": site + action_url(action),
    }
    if recipient.kind == NoticeKind.RSVP_REMINDER:
        # cancel_token only reads the pk: no need to load the participation.
        token = cancel_token(Participation(pk=recipient.participation_id))
        context["cancel_link"] = site + reverse("actions:rsvp_cancel", kwargs={"token": token})
        # RSVPers hear from the group whose event it is, as in the confirmation.
        sender_name = action.host_group.name
    else:
        context["rsvps_link"] = site + _rsvps_url(event)
        context["outcomes_link"] = site + outcomes_url(event)
        sender_name = coalition_name
    with (
        translation.override(language_for(recipient)),
        timezone.override(settings.TIME_ZONE),
    ):
        subject = _subject(recipient, event)
        body = render_to_string(_TEMPLATES[recipient.kind], context)
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=formataddr(
            (" ".join(sender_name.split()), parseaddr(settings.DEFAULT_FROM_EMAIL)[1])
        ),
        to=[recipient.email],
        headers={"Message-ID": message_id_for(recipient)},
    )


# --- Sending ----------------------------------------------------------------


def _hung_up(problem: Exception) -> bool:
    """The server closed the connection, or said it is closing it (421)."""
    if isinstance(problem, smtplib.SMTPServerDisconnected):
        return True
    return isinstance(problem, smtplib.SMTPResponseException) and problem.smtp_code == 421


def _send_chunk(
    connection,
    mine: dict[int, Recipient],
    claimed_at: datetime,
    outcome: NoticesOutcome,
    *,
    deadline: float,
) -> None:
    """Send this run's claimed notices; unsent ones go back for the next run on any stop."""
    events = {
        event.pk: event
        for event in Event.objects.filter(
            pk__in={r.event_id for r in mine.values()}
        ).select_related("day", "action", "action__place", "action__host_group")
    }
    coalition_name = _coalition_name()
    unsent = sorted(mine, reverse=True)  # popped from the end, in id order
    reconnects = 0
    try:
        while unsent:
            if time.monotonic() > deadline:
                outcome.out_of_time = True
                break
            pk = unsent[-1]
            recipient = mine[pk]
            message = notice_email(
                recipient=recipient, event=events[recipient.event_id], coalition_name=coalition_name
            )
            try:
                connection.send_messages([message])
            except smtplib.SMTPRecipientsRefused:
                # This address will never take it: finished with, not retried.
                logger.warning("Notice %s refused by the mail server", pk)
                outcome.refused += 1
            except (smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException) as problem:
                if _hung_up(problem) and reconnects < MAX_RECONNECTS:
                    # Servers close connections after so many messages: reopen
                    # and try this notice again.
                    reconnects += 1
                    connection.close()
                    connection.open()
                    continue
                permanent = (
                    isinstance(problem, smtplib.SMTPResponseException)
                    and problem.smtp_code >= 500
                    and not isinstance(problem, smtplib.SMTPSenderRefused)
                )
                if not permanent:
                    raise  # temporary, or about us rather than this message
                logger.warning("Notice %s rejected: %s", pk, problem.smtp_code)
                outcome.refused += 1
            else:
                outcome.sent += 1
                outcome.by_kind[recipient.kind] = outcome.by_kind.get(recipient.kind, 0) + 1
            # Recorded at once, in its own statement: only a crash between the
            # server's reply and this line can repeat this notice.
            _mark_sent(pk, claimed_at)
            unsent.pop()
    except (smtplib.SMTPException, OSError) as problem:
        logger.warning(
            "Notices: mail server problem (%s); %s wait for the next run", problem, len(unsent)
        )
        _release(unsent, claimed_at)
        raise
    _release(unsent, claimed_at)


KINDS = (NoticeKind.HOST_REMINDER, NoticeKind.RSVP_REMINDER, NoticeKind.HOST_FOLLOW_UP)


def notices_send_due(*, chunk: int = CHUNK, seconds: float = RUN_SECONDS) -> NoticesOutcome:
    """Send every due reminder and follow-up not sent yet, over one connection.

    Safe to run twice or at the same time: each notice is claimed once (see
    the module docstring). Stops after ``seconds``; the next run carries on.
    A mail server that fails mid-run gives the unsent claims back for the
    next run, and the error is raised for the task's log.
    """
    outcome = NoticesOutcome()
    deadline = time.monotonic() + seconds
    connection = get_connection()
    opened = False
    try:
        for kind in KINDS:
            while not outcome.out_of_time:
                if time.monotonic() > deadline:
                    outcome.out_of_time = True
                    break
                recipients = notices_due(kind=kind, limit=chunk)
                mine, claimed_at = notices_claim(recipients=recipients)
                if not mine:
                    break  # nothing due, or all of it claimed by another run
                outcome.claimed += len(mine)
                if not opened:
                    connection.open()
                    opened = True
                _send_chunk(connection, mine, claimed_at, outcome, deadline=deadline)
                if len(recipients) < chunk:
                    break
    finally:
        if opened:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                connection.close()
    return outcome

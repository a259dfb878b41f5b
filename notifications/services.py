"""Recording news for people and delivering it: at once, in digests, or only on the site.

``notify`` is the one entry point every app calls. It records one row per
recipient in the caller's transaction and, for those who want it at once,
queues the email through the outbox (coalition/outbox.py), so it leaves only
if the change commits and survives a broker that is down.

Exactly once, as for outreach and reminders: an immediate email is claimed
on its row (``email_claimed_at``) before it is sent and marked
(``emailed_at``) after; a digest is one unique row per person and period,
claimed with a conditional UPDATE, re-claimed by the next run when a worker
died holding it (after ``STALE_MINUTES``). The window left is the same as
elsewhere: a crash between the mail server's "250 OK" and the commit of
``sent_at`` sends that one email twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coalition.errors import RuleBroken
from coalition.mail import coalition_name, language_for
from coalition.models import Coalition
from members.models import User
from notifications.models import Delivery, Digest, DigestStatus, Notification, NotificationChoice
from notifications.registry import kind as kind_named

logger = logging.getLogger(__name__)

# At most one email at once per person and thing in this window; later news
# about the same thing waits for the daily digest.
IMMEDIATE_WINDOW = timedelta(hours=1)
# A claim older than this without its email sent belonged to a worker that died.
STALE_MINUTES = 15
# Digests go out at this local hour (the coalition's time zone); weekly ones on Mondays.
DIGEST_HOUR = 7
# A digest lists this many items; the rest are counted ("and 12 more").
DIGEST_ITEMS = 30
UNSUBSCRIBE_SALT = "notifications.unsubscribe"


def about_key(thing) -> str:
    """ "app.model:pk" for a row, or the string itself."""
    if thing is None:
        return ""
    if isinstance(thing, str):
        return thing[:100]
    return f"{thing._meta.label_lower}:{thing.pk}"


def _deliveries(people: list[User], kind: str) -> dict[int, str]:
    chosen = dict(
        NotificationChoice.objects.filter(person__in=people, kind=kind).values_list(
            "person_id", "delivery"
        )
    )
    default = kind_named(kind).default
    return {person.pk: chosen.get(person.pk, default) for person in people}


def _render(kind: str, person: User, context: dict) -> tuple[str, str]:
    with translation.override(language_for(person)):
        text = render_to_string(
            kind_named(kind).template,
            {**context, "recipient": person, "coalition_name": coalition_name()},
        ).strip()
    title, _sep, body = text.partition("\n")
    return " ".join(title.split())[:300], body.strip()


@transaction.atomic
def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    about=None,
    url: str = "",
    context: dict | None = None,
    exclude: Iterable[User | None] = (),
    delivery: str | None = None,
) -> list[Notification]:
    """Tell each of ``recipients`` (once each, whoever appears twice) about ``about``.

    ``exclude``: people who caused the news and need not hear of it (the
    person who amplified is not told they amplified). Inactive and erased
    accounts are skipped. ``delivery`` overrides everyone's choice, for news
    that already reached them another way (a day's announcement is already an
    email: its notification is for the site). Returns the notifications recorded.
    """
    kind_named(kind)  # an unknown kind is a programming error, raised at once
    skip = {person.pk for person in exclude if person is not None}
    people: dict[int, User] = {}
    for person in recipients:
        if person is not None and person.pk not in skip and person.is_active:
            people.setdefault(person.pk, person)
    if not people:
        return []
    key = about_key(about)
    deliveries = (
        dict.fromkeys(people, delivery)
        if delivery is not None
        else _deliveries(list(people.values()), kind)
    )
    recent: set[int] = set()
    if key and Delivery.IMMEDIATE in deliveries.values():
        recent = set(
            Notification.objects.filter(
                recipient_id__in=list(people),
                about=key,
                delivery=Delivery.IMMEDIATE,
                created_at__gte=timezone.now() - IMMEDIATE_WINDOW,
            ).values_list("recipient_id", flat=True)
        )
    rows = []
    for pk, person in people.items():
        delivery = deliveries[pk]
        if delivery == Delivery.IMMEDIATE and pk in recent:
            delivery = Delivery.DAILY
        title, body = _render(kind, person, context or {})
        rows.append(
            Notification(
                recipient=person,
                kind=kind,
                title=title,
                body=body,
                url=url[:500],
                about=key,
                delivery=delivery,
            )
        )
    created = Notification.objects.bulk_create(rows)
    User.objects.filter(pk__in=list(people)).update(
        notifications_unread=F("notifications_unread") + 1
    )
    immediate = [n.pk for n in created if n.delivery == Delivery.IMMEDIATE]
    if immediate:
        from coalition.outbox import outbox_add
        from notifications.tasks import notifications_email

        outbox_add(notifications_email, notification_ids=immediate)
    return created


# --- Reading ----------------------------------------------------------------


@transaction.atomic
def notification_read(*, person: User, notification_id: int) -> bool:
    """Mark one of the person's notifications read; False if it was not theirs or already read."""
    marked = Notification.objects.filter(
        pk=notification_id, recipient=person, read_at__isnull=True
    ).update(read_at=timezone.now())
    if marked:
        User.objects.filter(pk=person.pk, notifications_unread__gt=0).update(
            notifications_unread=F("notifications_unread") - 1
        )
    return bool(marked)


@transaction.atomic
def notifications_read_all(*, person: User) -> int:
    # Lock the person's row so a notification recorded meanwhile is counted after.
    User.objects.select_for_update().filter(pk=person.pk).first()
    marked = Notification.objects.filter(recipient=person, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    User.objects.filter(pk=person.pk).update(notifications_unread=0)
    person.notifications_unread = 0
    return marked


@transaction.atomic
def notification_choices_set(*, person: User, choices: dict[str, str]) -> None:
    """Save how the person wants each kind; a choice equal to the default is stored too."""
    for name, delivery in choices.items():
        kind_named(name)
        if delivery not in Delivery.values:
            raise RuleBroken(_("Choose how to hear of each kind of news."))
        NotificationChoice.objects.update_or_create(
            person=person, kind=name, defaults={"delivery": delivery}
        )


# --- Unsubscribing ----------------------------------------------------------


def unsubscribe_token(*, person: User, kinds: Iterable[str]) -> str:
    # Signed, not timed: the link in a year-old email still works.
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object(
        {"p": person.pk, "k": sorted(set(kinds))}
    )


def unsubscribe_link(*, person: User, kinds: Iterable[str]) -> str:
    token = unsubscribe_token(person=person, kinds=kinds)
    return settings.SITE_URL + reverse("notifications:unsubscribe", kwargs={"token": token})


def unsubscribe_target(token: str) -> tuple[User, list[str]]:
    """The person and kinds behind a token, or RuleBroken if it was tampered with."""
    invalid = RuleBroken(_("This unsubscribe link is not valid. Check that it was copied whole."))
    try:
        data = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, UnicodeDecodeError):
        raise invalid from None
    if not isinstance(data, dict) or not isinstance(data.get("k"), list):
        raise invalid
    person = User.objects.filter(pk=data.get("p"), is_active=True).first()
    from notifications.registry import KINDS

    kinds = [name for name in data["k"] if isinstance(name, str) and name in KINDS]
    if person is None or not kinds:
        raise invalid
    return person, kinds


@transaction.atomic
def notifications_unsubscribe(*, token: str) -> tuple[User, list[str]]:
    """One click: those kinds stop coming by email; they stay on the site."""
    person, kinds = unsubscribe_target(token)
    notification_choices_set(person=person, choices=dict.fromkeys(kinds, Delivery.SITE))
    return person, kinds


def _headers(link: str) -> dict[str, str]:
    # RFC 8058 one-click unsubscribe: mail clients POST to this address.
    return {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


# --- Sending at once --------------------------------------------------------


def _immediate_email(notification: Notification) -> EmailMessage:
    person = notification.recipient
    link = unsubscribe_link(person=person, kinds=[notification.kind])
    with translation.override(language_for(person)):
        body = render_to_string(
            "notifications/email/immediate.txt",
            {
                "notification": notification,
                "link": settings.SITE_URL + notification.url if notification.url else "",
                "settings_link": settings.SITE_URL + reverse("notifications:settings"),
                "unsubscribe": link,
                "kind_label": kind_named(notification.kind).label,
            },
        )
    return EmailMessage(
        subject=notification.title, body=body, to=[person.email], headers=_headers(link)
    )


def notifications_email_send(*, notification_ids: list[int]) -> int:
    """Email each of these notifications that is still to be emailed; returns how many were sent."""
    from django.core.mail import get_connection

    now = timezone.now()
    stale = now - timedelta(minutes=STALE_MINUTES)
    sent = 0
    with get_connection() as connection:
        for pk in notification_ids:
            claimed = (
                Notification.objects.filter(pk=pk, emailed_at__isnull=True)
                .filter(Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=stale))
                .update(email_claimed_at=now)
            )
            if not claimed:
                continue
            notification = Notification.objects.select_related("recipient").get(pk=pk)
            connection.send_messages([_immediate_email(notification)])
            Notification.objects.filter(pk=pk).update(emailed_at=timezone.now())
            sent += 1
    return sent


# --- Digests ----------------------------------------------------------------


def _zone() -> ZoneInfo:
    name = Coalition.objects.filter(pk=1).values_list("time_zone", flat=True).first()
    try:
        return ZoneInfo(name or settings.TIME_ZONE)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def digest_period(period: str, now: datetime) -> tuple[date, datetime] | None:
    """(first day, cut) of the latest ``period`` whose sending time has come, in local time."""
    zone = _zone()
    local = now.astimezone(zone)
    day = local.date()
    if period == Delivery.WEEKLY:
        day -= timedelta(days=day.weekday())
    cut = datetime.combine(day, time(DIGEST_HOUR), tzinfo=zone)
    if cut > now:
        day -= timedelta(days=7 if period == Delivery.WEEKLY else 1)
        cut = datetime.combine(day, time(DIGEST_HOUR), tzinfo=zone)
    return day, cut


def digests_create_due(*, now: datetime | None = None) -> int:
    """Make the digest rows that are due (one per person and period); returns how many are new."""
    now = now or timezone.now()
    made = 0
    for period in (Delivery.DAILY, Delivery.WEEKLY):
        day, cut = digest_period(period, now)
        people = (
            Notification.objects.filter(delivery=period, digest__isnull=True, created_at__lt=cut)
            .values_list("recipient_id", flat=True)
            .distinct()
        )
        rows = [Digest(person_id=pk, period=period, period_start=day, cut=cut) for pk in people]
        before = Digest.objects.filter(period=period, period_start=day).count()
        Digest.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
        made += Digest.objects.filter(period=period, period_start=day).count() - before
    return made


def digests_to_send(*, now: datetime | None = None) -> list[int]:
    """Digests not sent yet: new ones, and those a dead worker held longer than STALE_MINUTES."""
    stale = (now or timezone.now()) - timedelta(minutes=STALE_MINUTES)
    return list(
        Digest.objects.filter(
            Q(status=DigestStatus.PENDING) | Q(status=DigestStatus.SENDING, claimed_at__lt=stale)
        ).values_list("pk", flat=True)[:5000]
    )


def digest_send(*, digest_id: int) -> bool:
    """Send one digest if nobody else is or did; True if this call sent it."""
    now = timezone.now()
    stale = now - timedelta(minutes=STALE_MINUTES)
    claimed = (
        Digest.objects.filter(pk=digest_id)
        .filter(
            Q(status=DigestStatus.PENDING) | Q(status=DigestStatus.SENDING, claimed_at__lt=stale)
        )
        .update(status=DigestStatus.SENDING, claimed_at=now)
    )
    if not claimed:
        return False
    digest = Digest.objects.select_related("person").get(pk=digest_id)
    Notification.objects.filter(
        recipient=digest.person,
        delivery=digest.period,
        digest__isnull=True,
        created_at__lt=digest.cut,
    ).update(digest=digest)
    items = list(digest.notifications.order_by("created_at", "pk"))
    if not items or not digest.person.is_active:
        Digest.objects.filter(pk=digest.pk).update(status=DigestStatus.EMPTY, count=len(items))
        return False
    person = digest.person
    kinds = sorted({item.kind for item in items})
    link = unsubscribe_link(person=person, kinds=kinds)
    with translation.override(language_for(person)):
        subject = (
            _("%(coalition)s: your daily news")
            if digest.period == Delivery.DAILY
            else _("%(coalition)s: your weekly news")
        ) % {"coalition": coalition_name()}
        body = render_to_string(
            "notifications/email/digest.txt",
            {
                "items": items[:DIGEST_ITEMS],
                "more": max(0, len(items) - DIGEST_ITEMS),
                "site": settings.SITE_URL,
                "inbox": settings.SITE_URL + reverse("notifications:inbox"),
                "settings_link": settings.SITE_URL + reverse("notifications:settings"),
                "unsubscribe": link,
                "daily": digest.period == Delivery.DAILY,
            },
        )
    EmailMessage(subject=subject, body=body, to=[person.email], headers=_headers(link)).send()
    Digest.objects.filter(pk=digest.pk).update(
        status=DigestStatus.SENT, sent_at=timezone.now(), count=len(items)
    )
    return True


# --- 1-1 meeting follow-ups -------------------------------------------------


def meeting_follow_ups_remind(*, today: date | None = None) -> int:
    """Remind whoever logged each meeting whose follow-up day has come; returns how many.

    Each meeting is claimed by a conditional UPDATE of ``follow_up_reminded_at``
    in the same transaction as its notification: of two runs, one claims it,
    and a run that fails leaves it unclaimed for the next.
    """
    from members.models import RelationalMeeting

    today = today or timezone.localdate()
    due = RelationalMeeting.objects.filter(
        follow_up_on__lte=today, follow_up_reminded_at__isnull=True
    ).values_list("pk", flat=True)
    reminded = 0
    for pk in list(due[:1000]):
        with transaction.atomic():
            claimed = RelationalMeeting.objects.filter(
                pk=pk, follow_up_reminded_at__isnull=True
            ).update(follow_up_reminded_at=timezone.now())
            if not claimed:
                continue
            meeting = RelationalMeeting.objects.select_related(
                "person_a", "person_b", "logged_by"
            ).get(pk=pk)
            weaver = meeting.logged_by or meeting.person_a
            other = meeting.person_b if weaver.pk == meeting.person_a_id else meeting.person_a
            notify(
                recipients=[weaver],
                kind="meeting_follow_up",
                about=meeting,
                url=reverse("members:meeting_detail", args=[meeting.pk]),
                context={"meeting": meeting, "other": other},
            )
            reminded += 1
    return reminded

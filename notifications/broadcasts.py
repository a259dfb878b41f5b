"""Messages to many: a host to the people who RSVPed, a coordinator to hosts or groups.

The services of one shape, written once for every app that speaks to many
people: ``broadcast_create`` records the message and one delivery row per
address in the caller's transaction, and queues ``broadcast_send`` through
the outbox (coalition/outbox.py). ``broadcast_send`` claims a batch of rows
with a conditional UPDATE stamping its own ``claimed_at``, sends exactly the
rows carrying that stamp over one connection, and sets ``sent_at`` on each
right after the mail server took it. Run twice, or by two workers, each row
is sent once; a worker that dies leaves claims that count as abandoned after
``STALE_MINUTES``, and the beat sweep (``broadcasts_resume``) hands the
message out again. As for reminders, a crash between the server's "250 OK"
and the commit of ``sent_at`` sends that one email twice.

They are about an action the person RSVPed to or is running, not network
news, so the outreach suppression list does not apply; but each email carries
a one-click unsubscribe for its kind (RFC 8058 headers and a link in the
footer). An address that used it gets no more messages of that kind, from any
host or coordinator: ``EmailOptOut``, keyed by address because most people
who RSVP have no account. Each kind stands alone, so someone who stopped hosts'
messages still hears that an action they said they would come to is cancelled.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from coalition.errors import RuleBroken
from coalition.mail import language_for, sender
from members.models import User
from notifications.models import Broadcast, BroadcastDelivery, BroadcastKind, EmailOptOut
from notifications.services import notify

logger = logging.getLogger(__name__)

SUBJECT_MAX = 200
BODY_MAX = 10_000
# A claim this old without ``sent_at`` belonged to a worker that died; it
# outlasts the task time limit, so a live worker is never overtaken.
STALE_MINUTES = 15
# Rows per claim: one SMTP connection carries a few hundred messages before
# providers tend to close it, and a dead worker strands at most this many
# for STALE_MINUTES.
BATCH = 200
UNSUBSCRIBE_SALT = "notifications.broadcasts.unsubscribe"
# Every kind of email to an address that one click stops: the messages to many,
# and the moderators' one-off notices to people who flagged or RSVPed.
OPT_OUT_KINDS = {
    **dict(BroadcastKind.choices),
    "flag_outcome": gettext_lazy("the outcome of an action you flagged"),
    "action_hidden": gettext_lazy("an action you RSVPed to is hidden by the moderators"),
}
# C0 control characters but tab and line feed: they break headers and nobody types them.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")


@dataclass(frozen=True)
class Addressee:
    """Someone to write to: an address, and the account behind it if there is one."""

    email: str
    name: str = ""
    person: User | None = None


def _clean_subject(subject: str) -> str:
    subject = " ".join(_CONTROL.sub("", subject or "").split())
    if not subject:
        raise RuleBroken(_("Give the message a subject."), field="subject")
    if len(subject) > SUBJECT_MAX:
        raise RuleBroken(
            _("A subject is at most %(max)s characters.") % {"max": SUBJECT_MAX}, field="subject"
        )
    return subject


def _clean_body(body: str) -> str:
    body = _CONTROL.sub("", (body or "").replace("\r\n", "\n")).strip()
    if not body:
        raise RuleBroken(_("Write the message."), field="body")
    if len(body) > BODY_MAX:
        raise RuleBroken(
            _("A message is at most %(max)s characters.") % {"max": BODY_MAX}, field="body"
        )
    return body


def broadcast_check(*, subject: str, body: str) -> tuple[str, str]:
    """The subject and text as they will be sent, or RuleBroken saying what is wrong."""
    return _clean_subject(subject), _clean_body(body)


@transaction.atomic
def broadcast_create(
    *,
    kind: str,
    by: User,
    subject: str,
    body: str,
    addressees: Iterable[Addressee],
    sender_name: str,
    about=None,
    about_title: str = "",
    url: str = "",
) -> Broadcast:
    """Record a message to ``addressees`` (once per address) and queue it after the commit.

    People with an account also find it in their notifications (on the site
    only: the email is the message), and ``by`` keeps a copy in theirs.
    """
    from notifications.services import about_key

    if kind not in BroadcastKind.values:
        raise ValueError(f"{kind!r} is not a kind of broadcast.")
    subject, body = broadcast_check(subject=subject, body=body)
    broadcast = Broadcast.objects.create(
        kind=kind,
        subject=subject,
        body=body,
        sender_name=" ".join(sender_name.split())[:200],
        about=about_key(about),
        about_title=" ".join(about_title.split())[:300],
        url=url[:500],
        by=by,
    )
    addressees = list(addressees)
    emails = {(addressee.email or "").strip().lower() for addressee in addressees}
    stopped = set(
        EmailOptOut.objects.filter(kind=kind, email__in=emails).values_list("email", flat=True)
    )
    rows: dict[str, BroadcastDelivery] = {}
    for addressee in addressees:
        email = (addressee.email or "").strip().lower()
        if not email or email in rows or email in stopped:
            continue
        rows[email] = BroadcastDelivery(
            broadcast=broadcast,
            email=email,
            name=addressee.name[:150],
            person=addressee.person,
            language=language_for(addressee.person) if addressee.person else "",
        )
    BroadcastDelivery.objects.bulk_create(rows.values(), batch_size=500)
    readers = [row.person for row in rows.values() if row.person is not None]
    context = {"broadcast": broadcast, "count": len(rows)}
    notify(
        recipients=readers,
        kind="broadcast_received",
        about=broadcast,
        url=url,
        context=context,
        exclude=[by],
    )
    notify(recipients=[by], kind="broadcast_sent", about=broadcast, url=url, context=context)
    if rows:
        from coalition.outbox import outbox_add
        from notifications.tasks import broadcast_send as task

        outbox_add(task, broadcast_id=broadcast.pk)
    else:
        Broadcast.objects.filter(pk=broadcast.pk).update(sent_at=timezone.now())
    return broadcast


# --- Unsubscribing from a kind ----------------------------------------------


def address_unsubscribe_token(*, email: str, kind: str) -> str:
    # Signed, not timed: the link in a year-old email still works.
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object(
        {"e": email.strip().lower(), "k": kind}
    )


def address_unsubscribe_link(*, email: str, kind: str) -> str:
    token = address_unsubscribe_token(email=email, kind=kind)
    return settings.SITE_URL + reverse("notifications:address_unsubscribe", kwargs={"token": token})


def address_unsubscribe_target(token: str) -> tuple[str, str]:
    """The address and kind behind a token, or RuleBroken if it was tampered with."""
    invalid = RuleBroken(_("This unsubscribe link is not valid. Check that it was copied whole."))
    try:
        data = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, UnicodeDecodeError):
        raise invalid from None
    if not isinstance(data, dict):
        raise invalid
    email, kind = data.get("e"), data.get("k")
    if not isinstance(email, str) or not email or kind not in OPT_OUT_KINDS:
        raise invalid
    return email, kind


def email_opted_out(*, email: str, kind: str) -> bool:
    """Did this address stop this kind of email?"""
    return EmailOptOut.objects.filter(email=email.strip().lower(), kind=kind).exists()


def unsubscribe_headers(link: str) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe: mail clients POST to the link."""
    return {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def address_unsubscribe(*, token: str) -> tuple[str, str]:
    """One click: this address gets no more messages of this kind. Clicking twice is harmless."""
    email, kind = address_unsubscribe_target(token)
    EmailOptOut.objects.get_or_create(email=email, kind=kind)
    return email, kind


def _message(broadcast: Broadcast, row: BroadcastDelivery) -> EmailMessage:
    link = address_unsubscribe_link(email=row.email, kind=broadcast.kind)
    with translation.override(row.language or language_for()):
        body = render_to_string(
            "notifications/email/broadcast.txt",
            {
                "broadcast": broadcast,
                "name": row.name,
                "link": settings.SITE_URL + broadcast.url if broadcast.url else "",
                "unsubscribe": link,
            },
        )
    domain = settings.SITE_URL.split("//")[-1].split("/")[0].split(":")[0] or "localhost"
    return EmailMessage(
        subject=broadcast.subject,
        body=body,
        from_email=sender(broadcast.sender_name),
        to=[row.email],
        headers={
            # The same id for the same message and address, so a copy is recognisable.
            "Message-ID": f"<broadcast-{broadcast.pk}-{row.pk}@{domain}>",
            **unsubscribe_headers(link),
        },
    )


def _claim(broadcast_id: int) -> list[BroadcastDelivery]:
    """Claim up to BATCH unsent rows (new, or abandoned by a dead worker) for this run."""
    now = timezone.now()
    stale = now - timedelta(minutes=STALE_MINUTES)
    due = Q(sent_at__isnull=True) & (Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale))
    ids = list(
        BroadcastDelivery.objects.filter(due, broadcast_id=broadcast_id)
        .order_by("pk")
        .values_list("pk", flat=True)[:BATCH]
    )
    if not ids:
        return []
    # The conditional UPDATE decides: of two runs, each row moves to one stamp.
    BroadcastDelivery.objects.filter(due, pk__in=ids).update(claimed_at=now)
    return list(
        BroadcastDelivery.objects.filter(pk__in=ids, claimed_at=now, sent_at__isnull=True).order_by(
            "pk"
        )
    )


def broadcast_send(*, broadcast_id: int) -> int:
    """Send every delivery of a broadcast still to be sent; returns how many this run sent."""
    broadcast = Broadcast.objects.filter(pk=broadcast_id).first()
    if broadcast is None or broadcast.sent_at is not None:
        return 0
    sent = 0
    with get_connection() as connection:
        while batch := _claim(broadcast_id):
            for row in batch:
                connection.send_messages([_message(broadcast, row)])
                BroadcastDelivery.objects.filter(pk=row.pk).update(sent_at=timezone.now())
                sent += 1
    if not BroadcastDelivery.objects.filter(
        broadcast_id=broadcast_id, sent_at__isnull=True
    ).exists():
        Broadcast.objects.filter(pk=broadcast_id, sent_at__isnull=True).update(
            sent_at=timezone.now()
        )
    logger.info("Broadcast %s: %s sent by this run", broadcast_id, sent)
    return sent


def broadcasts_unfinished() -> list[int]:
    """Broadcasts older than STALE_MINUTES not yet all sent: the sweep hands them out again."""
    cutoff = timezone.now() - timedelta(minutes=STALE_MINUTES)
    return list(
        Broadcast.objects.filter(sent_at__isnull=True, created_at__lt=cutoff).values_list(
            "pk", flat=True
        )[:500]
    )


def on_its_way(broadcast: Broadcast) -> str:
    """What the sender reads once a message to many is queued."""
    count = broadcast.deliveries.count()
    return ngettext(
        "Your message is on its way to %(count)s person.",
        "Your message is on its way to %(count)s people.",
        count,
    ) % {"count": count}

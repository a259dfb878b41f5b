"""Outreach email: compose with merge fields, send once per recipient, unsubscribe.

Exactly-once, as far as SMTP allows. Each recipient is a ``Delivery`` row. A
worker claims a batch of pending rows (``sending`` + ``claimed_at``,
committed), sends them over one SMTP connection, and marks each row ``sent``
in its own tiny transaction right after the server accepted it. A worker
killed mid-batch leaves its rows ``sending``; the sweep gives rows claimed
longer ago than ``OUTREACH_STALE_SECONDS`` back to ``pending`` and a fresh
worker sends them. The one window left is between the server's "250 OK" and
the commit of that row's ``sent`` mark: a crash exactly there (or a server
that hangs up after taking the message but before saying so) sends that one
recipient the message twice. Every message has a Message-ID made from its
delivery id, so the copy is recognisable (and many mailbox providers drop it).

Per-batch work is done once per batch, not per email: the suppression list is
read for the whole batch in one query (suppressed rows marked in one UPDATE),
the personal invitations are written in one INSERT, and the rows are not
re-read before each email while the batch is younger than half the stale
threshold (nothing but the sweep can take them away before that). What is
left per email is rendering, the SMTP exchange and the one ``sent`` UPDATE.
"""

from __future__ import annotations

import contextlib
import logging
import re
import smtplib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from email.utils import formataddr, parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Count, F, Max, Q, Subquery
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coalition import audit
from coalition.errors import RuleBroken
from coalition.models import (
    AuditVerb,
    Caucus,
    Coalition,
    Place,
    StatementVersion,
    WorkingGroup,
)
from coalition.outbox import outbox_add
from members.models import (
    Delivery,
    DeliveryStatus,
    Group,
    Invitation,
    InvitationKind,
    OutreachMessage,
    OutreachStatus,
    Stage,
    Suppression,
    SuppressionReason,
    User,
)
from members.names import greeting_name
from members.selectors_outreach import Recipient, audience_recipients
from members.services.groups import groups_mark_contacted
from members.services.invitations import INVITATION_DAYS, invitation_link
from members.services.invitations import _hash as invitation_token_hash

logger = logging.getLogger(__name__)

# Batches of 200: one SMTP connection carries a few hundred messages before
# providers tend to close it, 200 messages at a few per second finish well
# inside BATCH_SECONDS and the task time limit, and a retry redoes little.
BATCH_SIZE = 200
# A batch stops claiming time after this many seconds and hands the rest to
# the next task, so no batch comes near the task time limit (300 s) or the
# stale threshold (OUTREACH_STALE_SECONDS, 600 s by default).
BATCH_SECONDS = 120
# New SMTP connections a batch may open after the server hung up on it.
MAX_RECONNECTS = 3

SUBJECT_MAX = 200
BODY_MAX = 20_000
SENDER_NAME_MAX = 120
PURPOSES = ("outreach", "resign")
UNSUBSCRIBE_SALT = "unsubscribe"

MERGE_FIELDS = (
    "group.name",
    "person.first_name",
    "person.name",
    "invitation_link",
    "resign_link",
    "unsubscribe_link",
)
# Merge fields are substituted by this regex over a whitelist, never by the
# template engine: text written by a person must not run template code.
_MERGE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")

# Stages where a group has not joined yet: {{ invitation_link }} invites it.
_NOT_JOINED = (Stage.PROSPECT, Stage.CONTACTED)


def merge_field_help() -> list[tuple[str, str]]:
    """Each merge field with what it becomes, for the compose page."""
    return [
        ("{{ group.name }}", _("the group's name")),
        (
            "{{ person.first_name }}",
            _(
                "the recipient's first name, or their whole name when the first name is "
                "not clear (titles are never used alone); the group's name when no name "
                "is known"
            ),
        ),
        ("{{ person.name }}", _("the recipient's full name (or the group's name)")),
        (
            "{{ invitation_link }}",
            _(
                "a personal link to join the network, for groups that have not joined; "
                "for the others, the link to sign the current statement"
            ),
        ),
        ("{{ resign_link }}", _("the link to sign the current statement for the group")),
        ("{{ unsubscribe_link }}", _("the recipient's unsubscribe link (also in the footer)")),
    ]


def _shown(name: str) -> str:
    return "{{ " + name + " }}"


def merge_fields_check(text: str, *, field: str) -> None:
    """Refuse any ``{{ … }}`` that is not a merge field, naming it."""
    for match in _MERGE.finditer(text):
        name = match.group(1)
        if name not in MERGE_FIELDS:
            raise RuleBroken(
                _("%(field)s is not a merge field; use one of %(fields)s.")
                % {
                    "field": _shown(name),
                    "fields": ", ".join(_shown(known) for known in MERGE_FIELDS),
                },
                field=field,
            )


def _merge(text: str, values: dict[str, Callable[[], str]]) -> str:
    """Replace each merge field; a value is only computed if the text uses it."""
    cache: dict[str, str] = {}

    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)
        if name not in cache:
            cache[name] = values[name]()
        return cache[name]

    return _MERGE.sub(replace, text)


# --- Links ------------------------------------------------------------------


def unsubscribe_token(email: str) -> str:
    """A signed, never-expiring token for ``email`` (the same address gives the same token)."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object(email.strip().lower())


def unsubscribe_email_for(token: str) -> str:
    """The address behind an unsubscribe token, or RuleBroken if it was tampered with."""
    try:
        email = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, UnicodeDecodeError):
        raise RuleBroken(
            _("This unsubscribe link is not valid. Check that it was copied whole.")
        ) from None
    if not isinstance(email, str) or "@" not in email:
        raise RuleBroken(_("This unsubscribe link is not valid. Check that it was copied whole."))
    return email


def unsubscribe_link(email: str) -> str:
    return settings.SITE_URL + reverse(
        "members:unsubscribe", kwargs={"token": unsubscribe_token(email)}
    )


def resign_link(group: Group) -> str:
    return settings.SITE_URL + reverse("members:group_sign", kwargs={"slug": group.slug})


def _invitation_token(delivery: Delivery) -> str:
    # Deterministic per delivery, so a retry renders the same link; secret
    # because it is derived from SECRET_KEY.
    return salted_hmac(
        "members.outreach.invitation", str(delivery.pk), algorithm="sha256"
    ).hexdigest()


def _invites(delivery: Delivery) -> bool:
    """Whether ``{{ invitation_link }}`` is a personal invitation for this delivery."""
    return delivery.group is not None and delivery.group.stage in _NOT_JOINED


def _new_invitation(delivery: Delivery, message: OutreachMessage, token: str) -> Invitation:
    group = delivery.group
    return Invitation(
        token_hash=invitation_token_hash(token),
        kind=InvitationKind.GROUP,
        group=group,
        email=delivery.email,
        name=delivery.person.name if delivery.person else group.contact_name,
        created_by_id=message.created_by_id,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )


def _invitation_link(delivery: Delivery, message: OutreachMessage, *, made: bool = False) -> str:
    """The delivery's personal invitation to join, created the first time it is rendered.

    ``made``: the batch has already written the invitation row (``_make_invitations``).
    """
    group = delivery.group
    if group is None:
        return ""
    if not _invites(delivery):
        return resign_link(group)
    token = _invitation_token(delivery)
    if not made:
        invitation = _new_invitation(delivery, message, token)
        Invitation.objects.get_or_create(
            token_hash=invitation.token_hash,
            defaults={
                "kind": invitation.kind,
                "group": group,
                "email": invitation.email,
                "name": invitation.name,
                "created_by_id": invitation.created_by_id,
                "expires_at": invitation.expires_at,
            },
        )
    return invitation_link(token=token, base_url=settings.SITE_URL)


def _make_invitations(message: OutreachMessage, deliveries: list[Delivery]) -> bool:
    """Write the batch's personal invitations in one INSERT; True if the message needs them.

    The tokens are deterministic per delivery, so a row a retry already wrote
    is kept as it is (its expiry too), like ``get_or_create`` would.
    """
    if not any(
        "invitation_link" in merge_fields_used(text) for text in (message.subject, message.body)
    ):
        return False
    Invitation.objects.bulk_create(
        [
            _new_invitation(delivery, message, _invitation_token(delivery))
            for delivery in deliveries
            if _invites(delivery)
        ],
        batch_size=500,
        ignore_conflicts=True,
    )
    return True


def merge_fields_used(text: str) -> set[str]:
    return {match.group(1) for match in _MERGE.finditer(text)}


# --- Rendering --------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    """One recipient's email as it will be sent (or was)."""

    from_email: str
    to: str
    subject: str
    body: str
    headers: dict[str, str]


def _coalition_name() -> str:
    name = Coalition.objects.filter(pk=1).values_list("name", flat=True).first()
    return name or settings.COALITION_NAME


def _site_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def _from_header(message: OutreachMessage, coalition_name: str) -> str:
    name = " ".join((message.sender_name or coalition_name).split())
    return formataddr((name, parseaddr(settings.DEFAULT_FROM_EMAIL)[1]))


def message_id_for(delivery: Delivery) -> str:
    """The same Message-ID every time this delivery is sent, so a re-send is recognisable."""
    return f"<outreach-{delivery.message_id}-{delivery.pk}@{_site_domain()}>"


def _render(
    message: OutreachMessage,
    *,
    email: str,
    group: Group | None,
    person: User | None,
    invitation: Callable[[], str],
    coalition_name: str,
    unsubscribe: str | None = None,
) -> tuple[str, str]:
    group_name = group.name if group is not None else ""
    if person is not None:
        known_name = " ".join(person.name.split())
    else:
        known_name = " ".join(group.contact_name.split()) if group is not None else ""

    def first_name() -> str:
        # Never a title alone ("Dear Father"); no name known: greet the group.
        return greeting_name(known_name) or group_name

    link = unsubscribe or unsubscribe_link(email)
    values: dict[str, Callable[[], str]] = {
        "group.name": lambda: group_name,
        "person.name": lambda: known_name or group_name,
        "person.first_name": first_name,
        "invitation_link": invitation,
        "resign_link": lambda: resign_link(group) if group is not None else "",
        "unsubscribe_link": lambda: link,
    }
    subject = " ".join(_merge(message.subject, values).split())
    with translation.override(settings.LANGUAGE_CODE):
        footer = _(
            "You receive this email because your group is part of %(coalition)s, "
            "or was invited to join it.\nTo receive no more of these emails: %(link)s"
        ) % {"coalition": coalition_name, "link": link}
    body = _merge(message.body, values).rstrip() + "\n\n-- \n" + footer + "\n"
    return subject, body


def _headers(delivery: Delivery, email: str, unsubscribe: str | None = None) -> dict[str, str]:
    return {
        "Message-ID": message_id_for(delivery),
        # RFC 8058 one-click unsubscribe: mail clients POST to this address.
        "List-Unsubscribe": f"<{unsubscribe or unsubscribe_link(email)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def _invitation_placeholder(group: Group | None) -> str:
    """``{{ invitation_link }}`` where no invitation may be made (a preview, a test)."""
    if group is not None and group.stage not in _NOT_JOINED:
        return resign_link(group)
    return _("[a personal invitation link, made when the message is sent]")


def outreach_preview(
    *, message: OutreachMessage, delivery_or_recipient: Delivery | Recipient
) -> Rendered:
    """What one recipient gets, without side effects.

    The personal invitation link is shown as a placeholder: it is made when
    the message is really sent.
    """
    target = delivery_or_recipient
    group = target.group
    coalition_name = _coalition_name()
    subject, body = _render(
        message,
        email=target.email,
        group=group,
        person=target.person,
        invitation=lambda: _invitation_placeholder(group),
        coalition_name=coalition_name,
    )
    headers = (
        _headers(target, target.email)
        if isinstance(target, Delivery)
        else {
            "List-Unsubscribe": f"<{unsubscribe_link(target.email)}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    )
    return Rendered(
        from_email=_from_header(message, coalition_name),
        to=target.email,
        subject=subject,
        body=body,
        headers=headers,
    )


def outreach_email(
    *,
    delivery: Delivery,
    message: OutreachMessage,
    coalition_name: str | None = None,
    invitation_made: bool = False,
) -> EmailMessage:
    """The email for one delivery, as sent: text/plain, unsubscribe footer and headers.

    ``invitation_made``: the batch wrote the delivery's invitation row already.
    """
    coalition_name = coalition_name or _coalition_name()
    unsubscribe = unsubscribe_link(delivery.email)
    subject, body = _render(
        message,
        email=delivery.email,
        group=delivery.group,
        person=delivery.person,
        invitation=lambda: _invitation_link(delivery, message, made=invitation_made),
        coalition_name=coalition_name,
        unsubscribe=unsubscribe,
    )
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=_from_header(message, coalition_name),
        to=[delivery.email],
        headers=_headers(delivery, delivery.email, unsubscribe),
    )


# --- Compose and send -------------------------------------------------------


def _clean_audience(audience: dict) -> dict:
    """Keep only known filters, each checked; the stored audience is what was asked."""
    clean: dict = {}
    stages = [str(stage) for stage in audience.get("stages") or []]
    unknown = [stage for stage in stages if stage not in Stage.values]
    if unknown:
        raise RuleBroken(_("%(stage)s is not a stage.") % {"stage": unknown[0]}, field="stages")
    if stages:
        clean["stages"] = sorted(set(stages), key=Stage.values.index)
    for key, model, message in (
        ("place", Place, _("Choose a place from the list.")),
        ("working_group", WorkingGroup, _("Choose a working group from the list.")),
        ("caucus", Caucus, _("Choose a caucus from the list.")),
    ):
        value = audience.get(key)
        if value in (None, ""):
            continue
        pk = getattr(value, "pk", value)
        if not model.objects.filter(pk=pk).exists():
            raise RuleBroken(message, field=key)
        clean[key] = int(pk)
    # Several places at once (any of these subtrees): a day of action's announcement.
    places = audience.get("places") or []
    if places:
        try:
            ids = sorted({int(getattr(value, "pk", value)) for value in places})
        except (TypeError, ValueError):
            raise RuleBroken(_("Choose places from the list."), field="places") from None
        if Place.objects.filter(pk__in=ids).count() != len(ids):
            raise RuleBroken(_("Choose places from the list."), field="places")
        clean["places"] = ids
    if audience.get("resign"):
        clean["resign"] = True
    return clean


@dataclass(frozen=True)
class _Written:
    subject: str
    body: str
    sender_name: str


def _checked_writing(*, subject: str, body: str, sender_name: str) -> _Written:
    """The subject, body and sender name of a message, checked once for creating and editing."""
    subject = subject.strip()
    sender_name = " ".join(sender_name.split())
    if not subject:
        raise RuleBroken(_("Write a subject."), field="subject")
    if "\n" in subject or "\r" in subject:
        raise RuleBroken(_("A subject is a single line."), field="subject")
    if len(subject) > SUBJECT_MAX:
        raise RuleBroken(
            _("A subject is at most %(max)s characters.") % {"max": SUBJECT_MAX}, field="subject"
        )
    if not body.strip():
        raise RuleBroken(_("Write a message."), field="body")
    if len(body) > BODY_MAX:
        raise RuleBroken(
            _("A message is at most %(max)s characters.") % {"max": BODY_MAX}, field="body"
        )
    if len(sender_name) > SENDER_NAME_MAX:
        raise RuleBroken(
            _("A sender name is at most %(max)s characters.") % {"max": SENDER_NAME_MAX},
            field="sender_name",
        )
    merge_fields_check(subject, field="subject")
    merge_fields_check(body, field="body")
    return _Written(subject=subject, body=body, sender_name=sender_name)


def outreach_create(
    *,
    subject: str,
    body: str,
    audience: dict,
    by: User | None,
    sender_name: str = "",
    purpose: str = "outreach",
    statement_version: StatementVersion | None = None,
) -> OutreachMessage:
    """A draft outreach message; merge fields and the audience are checked here."""
    written = _checked_writing(subject=subject, body=body, sender_name=sender_name)
    if purpose not in PURPOSES:
        raise RuleBroken(_("Unknown purpose."), field="purpose")
    audience = _clean_audience(audience)
    if purpose == "resign":
        audience["resign"] = True
    return OutreachMessage.objects.create(
        subject=written.subject,
        body=written.body,
        audience=audience,
        purpose=purpose,
        sender_name=written.sender_name,
        created_by=by,
        statement_version=statement_version,
    )


NOT_A_DRAFT = gettext_lazy(
    "This message was sent, or is being sent: it can no longer be changed. "
    "Write a new message instead."
)


@transaction.atomic
def outreach_update(
    *,
    message: OutreachMessage,
    by: User | None,
    subject: str,
    body: str,
    audience: dict,
    sender_name: str = "",
) -> OutreachMessage:
    """Change a draft: its words and its audience, checked as when it was written.

    Only a draft changes. The row is locked while it is checked and saved,
    and ``outreach_send`` claims a draft with a conditional UPDATE, so an
    edit and a send at the same moment cannot both win: once sending has
    started (or finished) the edit is refused and the message stays as sent.
    """
    locked = OutreachMessage.objects.select_for_update().filter(pk=message.pk).first()
    if locked is None or locked.status != OutreachStatus.DRAFT:
        raise RuleBroken(str(NOT_A_DRAFT))
    written = _checked_writing(subject=subject, body=body, sender_name=sender_name)
    audience = _clean_audience(audience)
    if locked.purpose == "resign":
        audience["resign"] = True
    locked.subject = written.subject
    locked.body = written.body
    locked.sender_name = written.sender_name
    locked.audience = audience
    locked.save(update_fields=["subject", "body", "sender_name", "audience"])
    logger.info("Outreach %s: draft edited by %s", locked.pk, getattr(by, "pk", None))
    return locked


def _first_recipient(message: OutreachMessage) -> Recipient | Delivery | None:
    """Whose merge fields a test uses: the recipient mailed first."""
    if message.status == OutreachStatus.DRAFT:
        recipients = audience_recipients(message.audience)
        return recipients[0] if recipients else None
    return message.deliveries.select_related("group", "person").order_by("id").first()


@dataclass(frozen=True)
class OutreachTestSent:
    to: str
    merged_from: str  # the address whose merge fields were used


def outreach_send_test(*, message: OutreachMessage, by: User) -> OutreachTestSent:
    """Send ``by`` alone the message as its first recipient will get it, marked "[Test] ".

    Rendered by the same code as the real emails, with the first recipient's
    merge fields; the unsubscribe link is the tester's own. Nothing is
    recorded: no delivery, no personal invitation (its link is a placeholder,
    as in the preview), no stage change, no "last contact".
    """
    to = (getattr(by, "email", "") or "").strip()
    if not to:
        raise RuleBroken(_("Your account has no email address to send the test to."))
    target = _first_recipient(message)
    if target is None:
        raise RuleBroken(
            _("No one in this audience has an email address: there are no merge fields to test.")
        )
    coalition_name = _coalition_name()
    unsubscribe = unsubscribe_link(to)
    subject, body = _render(
        message,
        email=to,
        group=target.group,
        person=target.person,
        invitation=lambda: _invitation_placeholder(target.group),
        coalition_name=coalition_name,
        unsubscribe=unsubscribe,
    )
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("[Test] %(subject)s") % {"subject": subject}
    email = EmailMessage(
        subject=subject,
        body=body,
        from_email=_from_header(message, coalition_name),
        to=[to],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    try:
        email.send()
    except (smtplib.SMTPException, OSError) as problem:
        logger.warning("Outreach %s: test to %s failed (%s)", message.pk, to, problem)
        raise RuleBroken(
            _("The test could not be sent: the mail server refused it. Try again later.")
        ) from None
    logger.info("Outreach %s: test sent to %s", message.pk, getattr(by, "pk", None))
    return OutreachTestSent(to=to, merged_from=target.email)


@transaction.atomic
def outreach_send(*, message: OutreachMessage, by: User | None) -> int:
    """Fix the recipients of a draft and start sending it once the transaction commits.

    The draft is claimed with a conditional UPDATE: a second click, a second
    request or a second tab finds it no longer a draft and is refused, so the
    recipients are written down once. Suppressed addresses get a delivery
    row marked ``suppressed`` and are never mailed. Returns how many will be
    sent.
    """
    from members.tasks import outreach_send_batch

    claimed = OutreachMessage.objects.filter(pk=message.pk, status=OutreachStatus.DRAFT).update(
        status=OutreachStatus.SENDING
    )
    if not claimed:
        raise RuleBroken(
            _("This message is already being sent, or was sent: nothing was sent twice.")
        )
    recipients = audience_recipients(message.audience)
    if not recipients:
        raise RuleBroken(_("No one in this audience has an email address to write to."))
    Delivery.objects.bulk_create(
        (
            Delivery(
                message_id=message.pk,
                email=recipient.email,
                group=recipient.group,
                person=recipient.person,
            )
            for recipient in recipients
        ),
        batch_size=500,
        ignore_conflicts=True,
    )
    Delivery.objects.filter(
        message_id=message.pk,
        status=DeliveryStatus.PENDING,
        email__in=Subquery(Suppression.objects.annotate(address=Lower("email")).values("address")),
    ).update(status=DeliveryStatus.SUPPRESSED)
    to_send = Delivery.objects.filter(message_id=message.pk, status=DeliveryStatus.PENDING).count()
    message.status = OutreachStatus.SENDING
    audit.record(
        by,
        AuditVerb.OUTREACH_SENT,
        f"outreach message #{message.pk}",
        purpose=message.purpose,
        recipients=len(recipients),
        to_send=to_send,
    )
    logger.info(
        "Outreach %s: %s recipients, %s to send, started by %s",
        message.pk,
        len(recipients),
        to_send,
        getattr(by, "pk", None),
    )
    # Through the outbox: a broker down at the commit neither fails the page nor
    # loses the send (coalition/outbox.py).
    outbox_add(outreach_send_batch, message_id=message.pk)
    return to_send


@transaction.atomic
def outreach_resign_send(
    *, version: StatementVersion, by: User | None = None
) -> OutreachMessage | None:
    """Ask every group flagged "to re-sign" to sign ``version``; None if there is no one."""
    audience = {"resign": True}
    if not audience_recipients(audience):
        return None
    coalition_name = _coalition_name()
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Please sign the new version of our unity statement (version %(number)s)") % {
            "number": version.number
        }
        body = _(
            "Hello {{ person.first_name }},\n\n"
            "%(coalition)s has published a new version of its unity statement "
            "(version %(number)s). {{ group.name }} signed an earlier version. "
            "Please read the new one and sign it, so that {{ group.name }} stays "
            "among the signatories:\n\n"
            "{{ resign_link }}\n\n"
            "Thank you,\n%(coalition)s"
        ) % {"coalition": coalition_name, "number": version.number}
    message = outreach_create(
        subject=subject,
        body=body,
        audience=audience,
        by=by,
        purpose="resign",
        statement_version=version,
    )
    outreach_send(message=message, by=by)
    return message


# --- Delivery (called by members.tasks) --------------------------------------


@dataclass
class BatchOutcome:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    suppressed: int = 0
    given_back: int = 0
    more: bool = False
    finished: bool = False


def _claim(message_id: int, batch_size: int) -> tuple[list[int], object]:
    """Claim up to ``batch_size`` pending deliveries; committed before anything is sent."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(message_id=message_id, status=DeliveryStatus.PENDING)
            .order_by("id")
            .values_list("id", flat=True)[:batch_size]
        )
        if ids:
            Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.PENDING).update(
                status=DeliveryStatus.SENDING,
                claimed_at=now,
                attempts=F("attempts") + 1,
            )
    return ids, now


def _mine(delivery: Delivery, claimed_at) -> Q:
    """The row as this batch claimed it: untouched by the sweep or another worker since."""
    return Q(pk=delivery.pk, status=DeliveryStatus.SENDING, claimed_at=claimed_at)


def _give_back(deliveries: Iterable[Delivery], claimed_at, *, error: str = "", fail: bool) -> int:
    """Unsent claimed rows: back to pending for a later try, or failed after the last one."""
    ids = [delivery.pk for delivery in deliveries]
    if not ids:
        return 0
    rows = Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.SENDING, claimed_at=claimed_at)
    if fail:
        return rows.update(status=DeliveryStatus.FAILED, error=error[:300])
    return rows.update(status=DeliveryStatus.PENDING, error=error[:300])


def _is_suppressed(email: str) -> bool:
    return Suppression.objects.filter(email__iexact=email).exists()


def _suppress(email: str, reason: str) -> None:
    """Write the address down once; an existing entry keeps its first reason."""
    email = email.strip().lower()
    if not _is_suppressed(email):
        Suppression.objects.get_or_create(email=email, defaults={"reason": reason})


def outreach_deliver_batch(
    *, message_id: int, last_try: bool = False, batch_size: int | None = None
) -> BatchOutcome:
    """Send one batch of a message's pending deliveries over one SMTP connection.

    Safe to run twice or concurrently: only ``pending`` rows are claimed, and
    only rows this batch claimed are marked. A connection-level failure gives
    the unsent rows back to ``pending`` and raises so the task retries; on the
    last try they are marked ``failed`` with the error, for a person to see.
    """
    outcome = BatchOutcome()
    message = OutreachMessage.objects.filter(pk=message_id).first()
    if message is None or message.status != OutreachStatus.SENDING:
        return outcome
    ids, claimed_at = _claim(message.pk, batch_size or BATCH_SIZE)
    outcome.claimed = len(ids)
    if ids:
        _send_claimed(message, ids, claimed_at, outcome, last_try=last_try)
    pending = Delivery.objects.filter(message_id=message.pk, status=DeliveryStatus.PENDING)
    outcome.more = pending.exists()
    if not outcome.more:
        outcome.finished = outreach_finish(message_id=message.pk)
    return outcome


def _send_claimed(
    message: OutreachMessage, ids: list[int], claimed_at, outcome: BatchOutcome, *, last_try: bool
) -> None:
    deliveries = list(
        Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.SENDING, claimed_at=claimed_at)
        .select_related("group", "person")
        .order_by("id")
    )
    # Per-batch work, done once: the batch's suppressed addresses (one query,
    # one UPDATE) and its personal invitations (one INSERT).
    suppressed = _suppressed_among(deliveries)
    if suppressed:
        outcome.suppressed += Delivery.objects.filter(
            pk__in=[delivery.pk for delivery in deliveries if delivery.email.lower() in suppressed],
            status=DeliveryStatus.SENDING,
            claimed_at=claimed_at,
        ).update(status=DeliveryStatus.SUPPRESSED)
        deliveries = [
            delivery for delivery in deliveries if delivery.email.lower() not in suppressed
        ]
    invitations_made = _make_invitations(message, deliveries)
    # Only the sweep takes claimed rows away, and only rows claimed longer ago
    # than OUTREACH_STALE_SECONDS: until half of that has passed, the batch's
    # rows are its own without asking; after, each row is checked before sending.
    own_until = time.monotonic() + (
        settings.OUTREACH_STALE_SECONDS / 2 - (timezone.now() - claimed_at).total_seconds()
    )
    coalition_name = _coalition_name()
    contacted: set[int] = set()
    unsent = list(reversed(deliveries))  # popped from the end, in id order
    connection = get_connection()
    started = time.monotonic()
    reconnects = 0
    try:
        connection.open()
        while unsent and time.monotonic() - started < BATCH_SECONDS:
            delivery = unsent[-1]
            try:
                result = _send_one(
                    connection,
                    message,
                    delivery,
                    claimed_at,
                    coalition_name,
                    check=time.monotonic() >= own_until,
                    suppressed=suppressed,
                    invitation_made=invitations_made,
                )
            except (smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException) as problem:
                # Servers close connections after so many messages or seconds:
                # open a new one and try this delivery again (a few times).
                reconnects += 1
                if not _hung_up(problem) or reconnects > MAX_RECONNECTS:
                    raise
                connection.close()
                connection.open()
                continue
            unsent.pop()
            if result == DeliveryStatus.SENT:
                outcome.sent += 1
                if delivery.group_id:
                    contacted.add(delivery.group_id)
            elif result == DeliveryStatus.FAILED:
                outcome.failed += 1
            elif result == DeliveryStatus.SUPPRESSED:
                outcome.suppressed += 1
    except (smtplib.SMTPException, OSError) as problem:
        error = f"{type(problem).__name__}: {problem}"
        logger.warning("Outreach %s: batch interrupted (%s)", message.pk, error)
        if last_try:
            outcome.failed += _give_back(unsent, claimed_at, error=error, fail=True)
        else:
            outcome.given_back += _give_back(unsent, claimed_at, error=error, fail=False)
            raise
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            connection.close()
        if contacted:
            # One UPDATE per batch records that the network was in touch, and
            # the prospects among the groups really written to are now contacted.
            Group.objects.filter(pk__in=contacted).update(last_contact_at=timezone.now())
            with translation.override(settings.LANGUAGE_CODE):
                reason = _("Outreach email sent")
            groups_mark_contacted(
                group_ids=contacted, by_id=message.created_by_id, reason=str(reason)
            )
    # Out of time: the rest goes to the next batch.
    outcome.given_back += _give_back(unsent, claimed_at, fail=False)


def _hung_up(problem: Exception) -> bool:
    """The server closed the connection (or said it is closing it: 421)."""
    if isinstance(problem, smtplib.SMTPServerDisconnected):
        return True
    return isinstance(problem, smtplib.SMTPResponseException) and problem.smtp_code == 421


def _suppressed_among(deliveries: list[Delivery]) -> set[str]:
    """The lower-cased addresses of ``deliveries`` on the suppression list, in one query."""
    addresses = {delivery.email.lower() for delivery in deliveries}
    if not addresses:
        return set()
    return set(
        Suppression.objects.annotate(address=Lower("email"))
        .filter(address__in=addresses)
        .values_list("address", flat=True)
    )


def _send_one(
    connection,
    message,
    delivery: Delivery,
    claimed_at,
    coalition_name: str,
    *,
    check: bool = True,
    suppressed: set[str] | None = None,
    invitation_made: bool = False,
) -> str:
    """Send one claimed delivery and record the result at once; returns its new status.

    ``check``: ask the database whether the row is still this batch's and the
    address not suppressed (else ``suppressed`` is what the batch read).
    """
    if check:
        if not Delivery.objects.filter(_mine(delivery, claimed_at)).exists():
            return ""  # the sweep took it back: someone else sends it
        is_suppressed = _is_suppressed(delivery.email)
    else:
        is_suppressed = delivery.email.lower() in (suppressed or ())
    if is_suppressed:
        Delivery.objects.filter(_mine(delivery, claimed_at)).update(
            status=DeliveryStatus.SUPPRESSED
        )
        return DeliveryStatus.SUPPRESSED
    email = outreach_email(
        delivery=delivery,
        message=message,
        coalition_name=coalition_name,
        invitation_made=invitation_made,
    )
    try:
        connection.send_messages([email])
    except smtplib.SMTPRecipientsRefused as refused:
        detail = "; ".join(
            f"{code} {reply.decode(errors='replace') if isinstance(reply, bytes) else reply}"
            for code, reply in refused.recipients.values()
        )
        Delivery.objects.filter(_mine(delivery, claimed_at)).update(
            status=DeliveryStatus.FAILED, error=(_("Refused: %s") % detail)[:300]
        )
        _suppress(delivery.email, SuppressionReason.BOUNCED)
        if suppressed is not None:
            suppressed.add(delivery.email.lower())
        return DeliveryStatus.FAILED
    except smtplib.SMTPResponseException as rejected:
        if rejected.smtp_code < 500 or isinstance(rejected, smtplib.SMTPSenderRefused):
            raise  # temporary, or about us rather than this message: retry the batch
        Delivery.objects.filter(_mine(delivery, claimed_at)).update(
            status=DeliveryStatus.FAILED,
            error=f"{rejected.smtp_code} {rejected.smtp_error!r}"[:300],
        )
        return DeliveryStatus.FAILED
    # The server accepted it. Record that now, in its own transaction: a crash
    # between the server's reply and this commit is the only way this
    # recipient could get the message twice.
    Delivery.objects.filter(_mine(delivery, claimed_at)).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), error=""
    )
    return DeliveryStatus.SENT


def outreach_finish(*, message_id: int) -> bool:
    """Mark a message sent once no delivery is pending or being sent; True if it was now."""
    busy = Delivery.objects.filter(
        message_id=message_id,
        status__in=(DeliveryStatus.PENDING, DeliveryStatus.SENDING),
    )
    if busy.exists():
        return False
    return bool(
        OutreachMessage.objects.filter(pk=message_id, status=OutreachStatus.SENDING).update(
            status=OutreachStatus.SENT, sent_at=timezone.now()
        )
    )


def outreach_sweep(*, stale_seconds: int | None = None) -> list[int]:
    """Heal what crashes and lost enqueues left behind; return the messages to resume.

    Deliveries claimed longer ago than ``stale_seconds`` (a worker died
    mid-batch) go back to pending. A message still sending with pending rows
    and no recent claim has lost its task: its id is returned to enqueue
    again. A message with nothing left is marked sent.
    """
    if stale_seconds is None:
        stale_seconds = settings.OUTREACH_STALE_SECONDS
    cutoff = timezone.now() - timedelta(seconds=stale_seconds)
    taken_back = Delivery.objects.filter(
        status=DeliveryStatus.SENDING, claimed_at__lt=cutoff
    ).update(status=DeliveryStatus.PENDING)
    if taken_back:
        logger.warning("Outreach sweep: %s stale deliveries are pending again", taken_back)
    resume: list[int] = []
    sending = OutreachMessage.objects.filter(status=OutreachStatus.SENDING).annotate(
        pending=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PENDING)),
        in_flight=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.SENDING)),
        last_claim=Max("deliveries__claimed_at"),
    )
    for message in sending:
        if message.pending and not message.in_flight:
            if message.last_claim is None or message.last_claim < cutoff:
                resume.append(message.pk)
        elif not message.pending and not message.in_flight:
            outreach_finish(message_id=message.pk)
    return resume


# --- Unsubscribing ----------------------------------------------------------


def outreach_unsubscribe(*, token: str) -> str:
    """Record that the address behind ``token`` wants no more outreach; safe to repeat.

    An address already suppressed (bounced, complained) keeps its reason.
    Transactional email (verification, password reset) is not affected.
    """
    email = unsubscribe_email_for(token)
    _suppress(email, SuppressionReason.UNSUBSCRIBED)
    return email

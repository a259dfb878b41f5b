"""Support requests (what an action asks of the network), pledges, and the weekly digest."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date
from email.utils import formataddr, parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from actions import notification_kinds
from actions.models import (
    Action,
    ActionStatus,
    DigestSent,
    SupportKind,
    SupportPledge,
    SupportRequest,
)
from actions.selectors_amplification import DigestContent, action_url, digest_content
from coalition.errors import RuleBroken
from coalition.mail import language_for
from coalition.models import Coalition
from coalition.permissions import can_act_for_group, can_edit_action, can_see_action
from members.models import Group

logger = logging.getLogger(__name__)

# Bounds that keep numbers meaningful (and inside a 32-bit column when summed).
SUPPORT_AMOUNT_MAX = 1_000_000
DESCRIPTION_MAX = 300
NOTE_MAX = 300


def _check_open_action(action: Action) -> None:
    if action.is_hidden:
        raise RuleBroken(_("This action was hidden by the network's stewards."))
    if action.status == ActionStatus.CANCELLED:
        raise RuleBroken(_("This action was cancelled."))


def _check_action_takes_requests(action: Action) -> None:
    """A request only makes sense while the action can still use the help."""
    if action.status == ActionStatus.CANCELLED:
        raise RuleBroken(
            _("This action was cancelled: it can no longer ask the network for support.")
        )
    if action.ends_at < timezone.now():
        raise RuleBroken(_("This action is over: it can no longer ask the network for support."))


def _check_amount(amount: int | None, *, field: str = "amount") -> int:
    if amount is None:
        raise RuleBroken(_("Give an amount."), field=field)
    if not 1 <= amount <= SUPPORT_AMOUNT_MAX:
        raise RuleBroken(
            _("Give an amount between 1 and %(max)s.") % {"max": f"{SUPPORT_AMOUNT_MAX:,}"},
            field=field,
        )
    return amount


@transaction.atomic
def support_request_create(
    *, action: Action, by, kind: str, amount: int, description: str = ""
) -> SupportRequest:
    """The host asks the network for support of one kind, with an amount."""
    if not can_edit_action(by, action):
        raise RuleBroken(_("Only the host group can ask for support for its action."))
    _check_action_takes_requests(action)
    _check_open_action(action)
    if kind not in SupportKind.values:
        raise RuleBroken(_("Choose a kind of support from the list."), field="kind")
    description = " ".join(description.split())
    if len(description) > DESCRIPTION_MAX:
        raise RuleBroken(
            _("Describe it in at most %(max)s characters.") % {"max": DESCRIPTION_MAX},
            field="description",
        )
    amount = _check_amount(amount)
    made = SupportRequest.objects.create(
        action=action, kind=kind, amount=amount, description=description
    )
    notification_kinds.tell_support_requested(support_request=made, by=by)
    return made


@transaction.atomic
def support_request_close(*, support_request: SupportRequest, by) -> SupportRequest:
    """The host closes a request by hand (met elsewhere, no longer needed).

    ``met_at`` stays empty: it marks requests closed because the pledges met
    them, which undoing a pledge may reopen; a request closed by hand stays
    closed.
    """
    locked = (
        SupportRequest.objects.select_for_update()
        .select_related("action")
        .get(pk=support_request.pk)
    )
    if not can_edit_action(by, locked.action):
        raise RuleBroken(_("Only the host group can close its support requests."))
    if locked.is_open:
        locked.is_open = False
        locked.save(update_fields=["is_open"])
    return locked


def support_requests_close_ended(*, now=None) -> int:
    """Close the open requests of actions that have ended; how many were closed.

    An action that is over can use no more help, so its requests leave the
    lists of open requests, the digest and the coordination view, which then
    read only requests that can still be met. ``met_at`` stays empty, as for
    a request closed by hand. Run by Celery beat (actions/tasks.py).
    """
    now = now or timezone.now()
    return SupportRequest.objects.filter(is_open=True, action__ends_at__lt=now).update(
        is_open=False
    )


@dataclass(frozen=True)
class PledgeMade:
    """A pledge as it stands after ``support_pledge_add``, and what it replaced."""

    pledge: SupportPledge
    previous_amount: int | None = None  # None: the group's first pledge to this request

    @property
    def changed(self) -> bool:
        return self.previous_amount is not None


@transaction.atomic
def support_pledge_add(
    *, support_request: SupportRequest, group: Group, by, amount: int, note: str = ""
) -> PledgeMade:
    """``group`` pledges ``amount`` towards an open request; it closes once met.

    A group pledges once per request: pledging again replaces the amount (and
    the note) of its pledge rather than adding a second one, and the result
    says what the amount was, so the page can tell the person it changed.
    A pledge beyond what was asked is welcome. ``pledged`` is moved with an
    F() expression while the request row is locked, so pledges made at the
    same moment all count.
    """
    locked = (
        SupportRequest.objects.select_for_update()
        .select_related("action", "action__host_group")
        .get(pk=support_request.pk)
    )
    action = locked.action
    if not can_act_for_group(by, group):
        raise RuleBroken(
            _("Only the admins and contact people of %(group)s can pledge in its name.")
            % {"group": group.name}
        )
    if group.pk == action.host_group_id:
        raise RuleBroken(_("Your group hosts this action: it cannot pledge to its own request."))
    if not can_see_action(by, action):
        raise RuleBroken(_("This action is not open to you."))
    _check_open_action(action)
    if action.ends_at < timezone.now():
        raise RuleBroken(_("This action is over: it can no longer take pledges."))
    if not locked.is_open:
        raise RuleBroken(
            _("This request is closed: it has all the support it asked for, or the host closed it.")
        )
    amount = _check_amount(amount)
    note = " ".join(note.split())
    if len(note) > NOTE_MAX:
        raise RuleBroken(
            _("Keep the note under %(max)s characters.") % {"max": NOTE_MAX}, field="note"
        )

    pledge = SupportPledge.objects.filter(request=locked, group=group).first()
    previous = None
    if pledge is None:
        pledge = SupportPledge.objects.create(
            request=locked, group=group, amount=amount, note=note, by=by
        )
        change = amount
    else:
        previous = pledge.amount
        change = amount - pledge.amount
        pledge.amount, pledge.note, pledge.by = amount, note, by
        pledge.save(update_fields=["amount", "note", "by"])
    SupportRequest.objects.filter(pk=locked.pk).update(pledged=F("pledged") + change)
    locked.refresh_from_db(fields=["pledged"])
    if locked.pledged >= locked.amount:
        locked.is_open = False
        locked.met_at = timezone.now()
        locked.save(update_fields=["is_open", "met_at"])
    if change:
        notification_kinds.tell_pledged(
            pledge=pledge, support_request=locked, previous=previous, by=by
        )
    return PledgeMade(pledge=pledge, previous_amount=previous)


@transaction.atomic
def support_pledge_remove(*, support_request: SupportRequest, group: Group, by) -> bool:
    """Take back ``group``'s pledge; a request met by pledges reopens if it falls short.

    True if there was a pledge to take back.
    """
    locked = SupportRequest.objects.select_for_update().get(pk=support_request.pk)
    if not can_act_for_group(by, group):
        raise RuleBroken(
            _("Only the admins and contact people of %(group)s can act in its name.")
            % {"group": group.name}
        )
    pledge = SupportPledge.objects.filter(request=locked, group=group).first()
    if pledge is None:
        return False
    pledge.delete()
    SupportRequest.objects.filter(pk=locked.pk).update(pledged=F("pledged") - pledge.amount)
    locked.refresh_from_db(fields=["pledged"])
    if locked.met_at is not None and locked.pledged < locked.amount:
        locked.is_open = True
        locked.met_at = None
        locked.save(update_fields=["is_open", "met_at"])
    return True


# --- The weekly digest ------------------------------------------------------


def digest_week_of(day: date) -> date:
    """The Monday that names the week ``day`` falls in."""
    return date.fromordinal(day.toordinal() - day.weekday())


@dataclass(frozen=True)
class DigestOutcome:
    sent: int = 0  # messages handed to the mail server
    skipped: str = ""  # why nothing was sent, if nothing was


def _coalition_name() -> str:
    name = Coalition.objects.filter(pk=1).values_list("name", flat=True).first()
    return name or settings.COALITION_NAME


def _unsubscribe_link(email: str) -> str:
    # The outreach module owns unsubscribing: one signed link, one suppression list.
    from members.services.outreach import unsubscribe_link

    return unsubscribe_link(email)


def _message_id(group_id: int, week: date, email: str) -> str:
    # The same id for the same digest and address, so a copy is recognisable.
    digest = hashlib.sha256(email.lower().encode()).hexdigest()[:12]
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<digest-{group_id}-{week.isoformat()}-{digest}@{domain}>"


def digest_messages(
    *, content: DigestContent, week: date, coalition_name: str
) -> list[EmailMessage]:
    """One text/plain message per recipient, with its own one-click unsubscribe."""
    group = content.group
    sender = formataddr((coalition_name, parseaddr(settings.DEFAULT_FROM_EMAIL)[1]))
    support_list = settings.SITE_URL + reverse("actions:support_list")
    messages = []
    for recipient in content.recipients:
        link = _unsubscribe_link(recipient.email)
        with translation.override(language_for(recipient)):
            subject = _("%(coalition)s: this week near %(group)s") % {
                "coalition": coalition_name,
                "group": group.name,
            }
            body = render_to_string(
                "actions/email/digest.txt",
                {
                    "coalition_name": coalition_name,
                    "group": group,
                    "area": content.area,
                    "requests": [
                        (item, settings.SITE_URL + action_url(item.action_id))
                        for item in content.requests
                    ],
                    "more_requests": content.more_requests,
                    "actions": [
                        (item, settings.SITE_URL + action_url(item.pk)) for item in content.actions
                    ],
                    "more_actions": content.more_actions,
                    "support_list": f"{support_list}?place={content.area.pk}",
                    "unsubscribe_link": link,
                },
            )
        messages.append(
            EmailMessage(
                subject=" ".join(subject.split()),
                body=body,
                from_email=sender,
                to=[recipient.email],
                headers={
                    "Message-ID": _message_id(group.pk, week, recipient.email),
                    # RFC 8058 one-click unsubscribe, the same as outreach.
                    "List-Unsubscribe": f"<{link}>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                },
            )
        )
    return messages


def digest_send_for_group(
    *, group_id: int, week: date, connection=None, coalition_name: str | None = None
) -> DigestOutcome:
    """Send ``group`` its digest for ``week``, at most once whatever happens.

    Groups with nothing near them, or no one to write to, are skipped without
    a record (a later run that week may find something). Otherwise the week
    is claimed first (a committed ``DigestSent`` row, unique per group and
    week) and ``sent_at`` set once the mail server took the messages: a crash
    or an error in between leaves the claim without ``sent_at`` and the digest
    is not sent again — a missed digest is better than a repeated one.
    """
    content = digest_content(group_id=group_id, now=timezone.now())
    if content is None:
        return DigestOutcome(skipped="not a group that gets digests")
    if not content.requests and not content.actions:
        return DigestOutcome(skipped="nothing near the group")
    if not content.recipients:
        return DigestOutcome(skipped="no one to write to")
    _claim, created = DigestSent.objects.get_or_create(group_id=group_id, week=week)
    if not created:
        return DigestOutcome(skipped="already sent this week")
    messages = digest_messages(
        content=content, week=week, coalition_name=coalition_name or _coalition_name()
    )
    connection = connection or get_connection()
    sent = connection.send_messages(messages) or 0
    DigestSent.objects.filter(group_id=group_id, week=week).update(sent_at=timezone.now())
    return DigestOutcome(sent=sent)


def digest_send_batch(*, group_ids: list[int], week: date) -> int:
    """Send the digests of a batch of groups over one connection; the number of messages sent."""
    coalition_name = _coalition_name()
    sent = 0
    with get_connection() as connection:
        for group_id in group_ids:
            try:
                outcome = digest_send_for_group(
                    group_id=group_id,
                    week=week,
                    connection=connection,
                    coalition_name=coalition_name,
                )
            except Exception:
                # One group's failure must not cost the others their digest;
                # its claim stays, so it is not retried into a duplicate.
                logger.exception("Weekly digest for group %s failed", group_id)
                continue
            sent += outcome.sent
    return sent

"""Hosts speak to their people: a message to everyone who RSVPed, and cancelling with notice.

Both go out as one broadcast (notifications/broadcasts.py): one delivery row
per address, sent by Celery once each, whatever happens to the workers. The
people with an account also find the message in their notifications; the
host keeps a copy in theirs.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from actions import notification_kinds
from actions.models import Action, ActionStatus, Participation, ParticipationStatus
from actions.services.participation import action_url
from coalition.errors import RuleBroken
from coalition.permissions import can_edit_action
from members.models import User
from notifications.broadcasts import Addressee, broadcast_check, broadcast_create
from notifications.models import Broadcast, BroadcastKind

MESSAGE_MAX = 10_000


def rsvp_addressees(action: Action) -> list[Addressee]:
    """Everyone still coming to the action (one query)."""
    rows = (
        Participation.objects.filter(action=action, status=ParticipationStatus.CONFIRMED)
        .select_related("person")
        .order_by("pk")
    )
    return [
        Addressee(
            email=row.email,
            name=row.name,
            person=row.person if row.person is not None and row.person.is_active else None,
        )
        for row in rows
    ]


def _check_host(action: Action, by: User) -> None:
    if not can_edit_action(by, action):
        raise RuleBroken(_("Only the hosts of this action can write to the people coming."))


@transaction.atomic
def host_message_send(*, action: Action, by: User, subject: str, body: str) -> Broadcast:
    """The host writes to everyone who RSVPed; each address gets it once."""
    _check_host(action, by)
    broadcast_check(subject=subject, body=body)
    addressees = rsvp_addressees(action)
    if not addressees:
        raise RuleBroken(_("Nobody has said they are coming yet: there is no one to write to."))
    return broadcast_create(
        kind=BroadcastKind.HOST_MESSAGE,
        by=by,
        subject=subject,
        body=body,
        addressees=addressees,
        sender_name=action.host_group.name,
        about=action,
        about_title=action.title,
        url=action_url(action),
    )


def cancellation_notices_send(*, action: Action, by: User, message: str = "") -> Broadcast | None:
    """Tell everyone who RSVPed (by email, and in their notifications if they have an
    account), and the co-hosts and the groups that pledged, that ``action`` is cancelled.

    Called by the service that cancelled it, inside its transaction.
    """
    message = message.strip() or _("The hosts gave no reason.")
    addressees = rsvp_addressees(action)
    broadcast = None
    if addressees:
        broadcast = broadcast_create(
            kind=BroadcastKind.CANCELLATION,
            by=by,
            subject=_("Cancelled: %(title)s") % {"title": " ".join(action.title.split())},
            body=message,
            addressees=addressees,
            sender_name=action.host_group.name,
            about=action,
            about_title=action.title,
            url=action_url(action),
        )
    coming = [addressee.person for addressee in addressees if addressee.person is not None]
    notification_kinds.tell_cancelled(action=action, message=message, by=by, exclude=coming)
    return broadcast


@transaction.atomic
def action_cancel(*, action: Action, by: User, message: str) -> Broadcast | None:
    """The host cancels a planned action (or event) with a message to the people it concerns.

    Claimed with a conditional UPDATE: a double click cancels, and tells, once.
    """
    _check_host(action, by)
    message = message.replace("\r\n", "\n").strip()
    if not message:
        raise RuleBroken(
            _("Tell the people coming why it is cancelled (and what happens instead)."),
            field="message",
        )
    if len(message) > MESSAGE_MAX:
        raise RuleBroken(
            _("A message is at most %(max)s characters.") % {"max": MESSAGE_MAX}, field="message"
        )
    # A higher sequence makes subscribed calendars replace their copy (actions/calendars.py).
    claimed = Action.objects.filter(pk=action.pk, status=ActionStatus.PLANNED).update(
        status=ActionStatus.CANCELLED, updated_at=timezone.now(), sequence=F("sequence") + 1
    )
    if not claimed:
        raise RuleBroken(_("Only a planned action can be cancelled; this one is not."))
    action.status = ActionStatus.CANCELLED
    return cancellation_notices_send(action=action, by=by, message=message)

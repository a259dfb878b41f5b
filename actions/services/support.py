"""Support requests (what an action asks of the network) and pledges."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from actions import notification_kinds
from actions.models import (
    Action,
    ActionStatus,
    SupportKind,
    SupportPledge,
    SupportRequest,
)
from coalition.errors import RuleBroken
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
    lists of open requests and the coordination view, which then
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

"""Other groups backing an action: endorse, co-host, share or pledge people; and undoing it."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from actions import notification_kinds
from actions.models import Action, ActionStatus, Amplification, AmplificationKind
from coalition.errors import RuleBroken
from coalition.permissions import can_act_for_group, can_see_action
from members.models import Group

# A pledge of people is a promise a group can keep; past this it is a typo.
PLEDGE_PEOPLE_MAX = 10_000


def _check_acting(*, action: Action, group: Group, by) -> None:
    if not can_act_for_group(by, group):
        raise RuleBroken(
            _("Only the admins and contact people of %(group)s can act in its name.")
            % {"group": group.name}
        )
    if group.pk == action.host_group_id:
        raise RuleBroken(_("You cannot amplify your own group's action."))


def _check_people(kind: str, people: int | None) -> int | None:
    if kind != AmplificationKind.PLEDGE:
        return None
    if people is None:
        raise RuleBroken(_("Say how many people your group pledges."), field="people")
    if not 1 <= people <= PLEDGE_PEOPLE_MAX:
        raise RuleBroken(
            _("Pledge between 1 and %(max)s people.") % {"max": PLEDGE_PEOPLE_MAX},
            field="people",
        )
    return people


def amplification_add(
    *, action: Action, group: Group, kind: str, by, people: int | None = None
) -> Amplification:
    """``group`` backs ``action`` in one way; doing it again changes nothing.

    A pledge done again with another number of people changes the number: it
    stays one pledge per group. Co-hosting never hands over the RSVPs' personal
    data: ``sees_rsvps`` starts off and only the host can turn it on.
    """
    if kind not in AmplificationKind.values:
        raise RuleBroken(_("Choose endorse, co-host, share or pledge people."), field="kind")
    _check_acting(action=action, group=group, by=by)
    if not can_see_action(by, action):
        raise RuleBroken(_("This action is not open to you."))
    if action.is_hidden:
        raise RuleBroken(_("This action was hidden by the network's stewards."))
    if action.status == ActionStatus.CANCELLED:
        raise RuleBroken(_("This action was cancelled."))
    people = _check_people(kind, people)

    existing = Amplification.objects.filter(action=action, group=group, kind=kind).first()
    if existing is None:
        try:
            # A savepoint: a double click loses the race on the unique
            # constraint, and the outer transaction must survive it.
            with transaction.atomic():
                made = Amplification.objects.create(
                    action=action, group=group, kind=kind, people=people, by=by
                )
                notification_kinds.tell_amplified(amplification=made, by=by)
                return made
        except IntegrityError:
            existing = Amplification.objects.get(action=action, group=group, kind=kind)
    if kind == AmplificationKind.PLEDGE and existing.people != people:
        existing.people = people
        existing.by = by
        existing.save(update_fields=["people", "by"])
        notification_kinds.tell_amplified(amplification=existing, by=by)
    return existing


def amplification_remove(*, action: Action, group: Group, kind: str, by) -> bool:
    """Undo ``group``'s amplification of this kind; True if there was one to undo.

    Allowed also once the action is hidden or cancelled: a group can always
    take its name off something.
    """
    if kind not in AmplificationKind.values:
        raise RuleBroken(_("Choose endorse, co-host, share or pledge people."), field="kind")
    _check_acting(action=action, group=group, by=by)
    deleted, _rows = Amplification.objects.filter(action=action, group=group, kind=kind).delete()
    return bool(deleted)


@transaction.atomic
def cohost_rsvp_access_set(*, action: Action, group: Group, sees_rsvps: bool, by) -> Amplification:
    """The host lets a co-host see who RSVPed (names and emails), or stops it.

    Only the host group's admins and contacts decide: the RSVPs trusted the
    host with their data, not the co-hosts.
    """
    if not can_act_for_group(by, action.host_group):
        raise RuleBroken(_("Only the host group's admins and contacts decide who sees the RSVPs."))
    cohost = (
        Amplification.objects.select_for_update()
        .filter(action=action, group=group, kind=AmplificationKind.COHOST)
        .first()
    )
    if cohost is None:
        raise RuleBroken(
            _("%(group)s does not co-host this action.") % {"group": group.name}, field="group"
        )
    if cohost.sees_rsvps != sees_rsvps:
        cohost.sees_rsvps = sees_rsvps
        cohost.save(update_fields=["sees_rsvps"])
    return cohost

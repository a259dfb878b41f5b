"""The news the actions app sends to the notification centre, and who hears it.

Registered once from ``ActionsConfig.ready``. Each ``tell_*`` function is
called by the service that made the change, inside its transaction, so the
news is recorded only if the change commits. The defaults never flood:
amplifications and support requests near a group come weekly, pledges and
RSVPs daily, a cancellation at once.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from actions.models import (
    Action,
    ActionStatus,
    Amplification,
    AmplificationKind,
    Participation,
    SupportPledge,
    SupportRequest,
    Visibility,
)
from members.models import Group, Membership, MembershipRole, Stage, User
from notifications.models import Delivery
from notifications.registry import register
from notifications.services import notify

ACTING_ROLES = (MembershipRole.ADMIN, MembershipRole.CONTACT)
NEAR_STAGES = (Stage.ALIGNED, Stage.PRODUCING)


def _acts_for_a_group(person: User) -> bool:
    return Membership.objects.filter(person=person, role__in=ACTING_ROLES).exists()


ACTION_AMPLIFIED = register(
    "action_amplified",
    label=_("Your group's action endorsed, co-hosted, shared or given people"),
    template="notifications/kinds/action_amplified.txt",
    default=Delivery.WEEKLY,
    for_person=_acts_for_a_group,
)
SUPPORT_PLEDGED = register(
    "support_pledged",
    label=_("A pledge to your group's support request"),
    template="notifications/kinds/support_pledged.txt",
    default=Delivery.DAILY,
    for_person=_acts_for_a_group,
)
RSVP_RECEIVED = register(
    "rsvp_received",
    label=_("Someone RSVPed to your action or event"),
    template="notifications/kinds/rsvp_received.txt",
    default=Delivery.DAILY,
    for_person=_acts_for_a_group,
)
SUPPORT_REQUEST_NEAR = register(
    "support_request_near",
    label=_("A group near yours asks the network for support"),
    template="notifications/kinds/support_request_near.txt",
    default=Delivery.WEEKLY,
    for_person=_acts_for_a_group,
)
ACTION_CANCELLED = register(
    "action_cancelled",
    label=_("An action you co-host or pledged to is cancelled"),
    template="notifications/kinds/action_cancelled.txt",
    default=Delivery.IMMEDIATE,
    for_person=_acts_for_a_group,
)


def acting_people(group_ids: Iterable[int]) -> list[User]:
    """The active admins and contacts of these groups (one query)."""
    return list(
        User.objects.filter(
            is_active=True,
            memberships__group_id__in=list(group_ids),
            memberships__role__in=ACTING_ROLES,
        ).distinct()
    )


def action_hosts(action: Action) -> list[User]:
    """Who may edit the action (``can_edit_action``): the host group's admins and contacts,
    and the person who posted it while still in the group (two queries)."""
    hosts = acting_people([action.host_group_id])
    if action.created_by_id and not any(p.pk == action.created_by_id for p in hosts):
        poster = User.objects.filter(
            pk=action.created_by_id, is_active=True, memberships__group_id=action.host_group_id
        ).first()
        if poster is not None:
            hosts.append(poster)
    return hosts


def _url(action: Action) -> str:
    from actions.services.participation import action_url

    return action_url(action)


def tell_amplified(*, amplification: Amplification, by: User) -> None:
    action = amplification.action
    notify(
        recipients=action_hosts(action),
        kind=ACTION_AMPLIFIED.name,
        about=action,
        url=_url(action),
        context={
            "action": action,
            "group": amplification.group,
            "kind": amplification.kind,
            "people": amplification.people,
            "is_pledge": amplification.kind == AmplificationKind.PLEDGE,
        },
        exclude=[by],
    )


def tell_pledged(
    *, pledge: SupportPledge, support_request: SupportRequest, previous: int | None, by: User
) -> None:
    action = support_request.action
    notify(
        recipients=action_hosts(action),
        kind=SUPPORT_PLEDGED.name,
        about=action,
        url=_url(action),
        context={
            "action": action,
            "request": support_request,
            "group": pledge.group,
            "amount": pledge.amount,
            "previous": previous,
        },
        exclude=[by],
    )


def tell_rsvp(*, participation: Participation) -> None:
    action = participation.action
    notify(
        recipients=action_hosts(action),
        kind=RSVP_RECEIVED.name,
        about=action,
        url=_url(action),
        # The RSVP's name only: the hosts see the rest on the list they may read.
        context={"action": action, "name": participation.name, "count": action.rsvp_count},
        exclude=[participation.person],
    )


def near_groups(action: Action) -> list[int]:
    """Signed groups near the action (in the subtree of its place's parent), not its host."""
    place = action.place
    area = place.parent if place.parent_id else place
    return list(
        Group.objects.filter(place__path__startswith=area.path, stage__in=NEAR_STAGES)
        .exclude(pk=action.host_group_id)
        .values_list("pk", flat=True)
    )


def tell_support_requested(*, support_request: SupportRequest, by: User) -> None:
    action = support_request.action
    # Only what the whole network may see is announced to other groups.
    if action.hidden_at is not None or action.visibility == Visibility.GROUP:
        return
    notify(
        recipients=acting_people(near_groups(action)),
        kind=SUPPORT_REQUEST_NEAR.name,
        about=support_request,
        url=_url(action),
        context={"action": action, "request": support_request, "group": action.host_group},
        exclude=[by],
    )


def cancellation_partners(action: Action) -> list[User]:
    """The admins and contacts of the co-hosts and of the groups that pledged to it."""
    group_ids = set(
        Amplification.objects.filter(action=action)
        .filter(Q(kind=AmplificationKind.COHOST) | Q(kind=AmplificationKind.PLEDGE))
        .values_list("group_id", flat=True)
    )
    group_ids |= set(
        SupportPledge.objects.filter(request__action=action).values_list("group_id", flat=True)
    )
    group_ids.discard(action.host_group_id)
    return acting_people(group_ids)


def tell_cancelled(*, action: Action, message: str, by: User, exclude: Iterable[User] = ()) -> None:
    if action.status != ActionStatus.CANCELLED:
        return
    notify(
        recipients=cancellation_partners(action),
        kind=ACTION_CANCELLED.name,
        about=action,
        url=_url(action),
        context={"action": action, "message": message, "group": action.host_group},
        exclude=[by, *exclude],
    )

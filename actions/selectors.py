"""Reads of actions, always filtered to what the person may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from actions.models import Action, Visibility
from coalition.permissions import can_moderate, is_in_network, memberships_of


def actions_visible_q(user, prefix: str = "") -> Q:
    """The one rule for who sees which action (mirrored by permissions.can_see_action).

    Public actions for everyone; network actions for people in the network;
    group actions for the host group's members; hidden actions only for the
    host group (so it sees what was hidden and why) and stewards. ``prefix``
    ("action__") applies it to the action a row points to, in the same join
    rather than through a subquery on the actions.
    """
    mine = list(memberships_of(user))
    steward = can_moderate(user)
    visible = Q(**{prefix + "visibility": Visibility.PUBLIC})
    if is_in_network(user):
        visible |= Q(**{prefix + "visibility": Visibility.NETWORK})
    if mine:
        visible |= Q(
            **{prefix + "visibility": Visibility.GROUP, prefix + "host_group_id__in": mine}
        )
    if steward:
        return Q()
    shown = Q(**{prefix + "hidden_at__isnull": True})
    if mine:
        shown |= Q(**{prefix + "host_group_id__in": mine})
    return visible & shown


def actions_visible_to(user) -> QuerySet[Action]:
    return Action.objects.filter(actions_visible_q(user))


def actions_public() -> QuerySet[Action]:
    """What anonymous visitors, feeds and public maps may show."""
    return Action.objects.filter(visibility=Visibility.PUBLIC, hidden_at__isnull=True)

"""Reads for the API, each starting from the apps' own visibility rules.

Actions come only through ``actions.selectors.actions_visible_to`` (and
everything hung on an action — amplifications, support requests, events,
RSVPs — only through the actions it returns); days through
``convergence.selectors.days_visible_to``; tactics through the playbook's
selector. Groups follow ``members.selectors.group_public``, wins and
climate signals the dashboard's and the impact page's rules. Every function
returns a queryset whose rows carry what the serializers read, so a page of
any length costs the same queries.
"""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from actions.models import Action, Amplification, Participation, Tactic
from actions.selectors import actions_visible_q, actions_visible_to
from actions.selectors_playbook import tactics_most_adopted
from coalition.models import Place
from coalition.permissions import can_see_dashboard, can_weave, memberships_of
from convergence.models import DayOfAction, Event
from convergence.selectors import days_visible_q, days_visible_to
from members.models import Group
from reporting.models import ClimateSignal, Win


def places_for_api() -> QuerySet[Place]:
    """The place tree is public: every page's place filter lists it."""
    return Place.objects.only("id", "name", "kind", "parent_id", "path", "depth")


def groups_for_api(user) -> QuerySet[Group]:
    """The groups ``user`` may know of, by the rule of ``members.selectors.group_public``:
    listed signatories for everyone, their own groups for members, all for weavers."""
    groups = Group.objects.select_related("place")
    if can_weave(user):
        return groups
    listed = Q(listing_consent=True, signed_version__isnull=False)
    mine = list(memberships_of(user))
    if mine:
        listed |= Q(pk__in=mine)
    return groups.filter(listed)


def tactics_for_api(user) -> QuerySet[Tactic]:
    """The playbook, with its stored counts of public adoptions (the same for everyone)."""
    return tactics_most_adopted()


def actions_for_api(user) -> QuerySet[Action]:
    return actions_visible_to(user).select_related("host_group", "place", "tactic")


def amplifications_for_api(user) -> QuerySet[Amplification]:
    """Amplifications of the actions ``user`` may see."""
    return Amplification.objects.filter(actions_visible_q(user, "action__")).select_related(
        "group", "action", "action__host_group"
    )


def days_for_api(user) -> QuerySet[DayOfAction]:
    return days_visible_to(user).prefetch_related(
        Prefetch("places", queryset=Place.objects.only("id", "name", "path").order_by("path"))
    )


def events_for_api(user) -> QuerySet[Event]:
    """Events of days ``user`` may see, whose actions ``user`` may see."""
    # The rules on the joined rows, not as subqueries: two semi-joins on top of five
    # joins made PostgreSQL spend 36 ms planning a query that runs in under one.
    return Event.objects.filter(
        days_visible_q(user, "day__"), actions_visible_q(user, "action__")
    ).select_related("day", "action", "action__host_group", "action__place", "action__tactic")


def participations_for_api(*, action: Action | None = None, person=None) -> QuerySet:
    """RSVPs of one action (callers check ``can_see_rsvps``) or one person's own RSVPs."""
    rows = Participation.objects.all()
    if action is not None:
        rows = rows.filter(action=action)
    if person is not None:
        rows = rows.filter(person=person)
    return rows


def wins_for_api(user) -> QuerySet[Win]:
    """Every win for the dashboard's readers; the public ones (``/impact/``) for others."""
    wins = Win.objects.select_related("place")
    if can_see_dashboard(user):
        return wins
    return wins.filter(is_public=True)


def signals_for_api(user) -> QuerySet[ClimateSignal]:
    """Climate signals: only the dashboard's readers (callers check the permission)."""
    if not can_see_dashboard(user):
        return ClimateSignal.objects.none()
    return ClimateSignal.objects.select_related("place", "day_of_action")

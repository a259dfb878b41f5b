"""Who may see and do what: the one place permission rules are written.

Pages use the ``permission_required`` decorator, the API
``HasCoalitionPermission`` and templates the ``can`` filter; all of them ask the
predicates in ``PERMISSIONS``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from coalition.models import Role

_ROLES_CACHE = "_coalition_roles"


def roles_of(user) -> frozenset[str]:
    """The network roles a person holds, read once per request and kept on the user."""
    if user is None or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, _ROLES_CACHE, None)
    if cached is None:
        cached = frozenset(user.network_roles.values_list("role", flat=True))
        setattr(user, _ROLES_CACHE, cached)
    return cached


def forget_roles(user) -> None:
    """Drop the cached roles after they change within the same request."""
    if hasattr(user, _ROLES_CACHE):
        delattr(user, _ROLES_CACHE)


def has_role(user, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def can_weave(user) -> bool:
    """The weaver's pipeline: weavers and the stewards who look after the network."""
    return has_role(user, Role.WEAVER, Role.STEWARD)


def can_see_dashboard(user) -> bool:
    """The success dashboard: the steering committee and weavers."""
    return has_role(user, Role.STEERING, Role.WEAVER)


def can_coordinate(user) -> bool:
    """Create and run days of action: coordinators and the steering committee."""
    return has_role(user, Role.COORDINATOR, Role.STEERING)


def can_steward(user) -> bool:
    """Grant roles, read the audit log: stewards and the steering committee."""
    return has_role(user, Role.STEWARD, Role.STEERING)


def can_publish_statement(user) -> bool:
    """Draft and publish unity statement versions: the steering committee and stewards."""
    return has_role(user, Role.STEERING, Role.STEWARD)


def can_send_outreach(user) -> bool:
    """Compose and send outreach email to groups: weavers and stewards."""
    return has_role(user, Role.WEAVER, Role.STEWARD)


def can_manage_roles(user) -> bool:
    """Grant and withdraw network roles, invite people into them, set the coalition
    up after first run: network stewards only (the steering committee does not
    give itself powers)."""
    return has_role(user, Role.STEWARD)


PERMISSIONS: dict[str, Callable[[object], bool]] = {
    "manage_roles": can_manage_roles,
    "weave": can_weave,
    "see_dashboard": can_see_dashboard,
    "coordinate": can_coordinate,
    "steward": can_steward,
    "publish_statement": can_publish_statement,
    "send_outreach": can_send_outreach,
}


# --- Groups -----------------------------------------------------------------
# Built on the person's memberships, read once per request. The frame does not
# import the members app: it only follows the ``memberships`` relation.

_MEMBERSHIPS_CACHE = "_coalition_memberships"


def memberships_of(user) -> dict[int, str]:
    """{group id: role} for every group the person belongs to."""
    if user is None or not user.is_authenticated:
        return {}
    cached = getattr(user, _MEMBERSHIPS_CACHE, None)
    if cached is None:
        cached = dict(user.memberships.values_list("group_id", "role"))
        setattr(user, _MEMBERSHIPS_CACHE, cached)
    return cached


def forget_memberships(user) -> None:
    if hasattr(user, _MEMBERSHIPS_CACHE):
        delattr(user, _MEMBERSHIPS_CACHE)


def is_group_member(user, group) -> bool:
    return group.pk in memberships_of(user)


def is_group_admin(user, group) -> bool:
    return memberships_of(user).get(group.pk) == "admin"


def can_act_for_group(user, group) -> bool:
    """Sign, post and amplify in the group's name: its admins and contacts."""
    return memberships_of(user).get(group.pk) in {"admin", "contact"}


def can_manage_group(user, group) -> bool:
    """Edit the group, manage its members, invite people: its admins."""
    return is_group_admin(user, group)


def can_see_group_members(user, group) -> bool:
    """Who belongs to a group: its own members, and weavers and stewards."""
    return is_group_member(user, group) or can_weave(user)


def can_moderate(user) -> bool:
    """Hide, restore and dismiss flags on actions: moderators and network stewards."""
    return has_role(user, Role.MODERATOR, Role.STEWARD)


PERMISSIONS["moderate"] = can_moderate


def can_see_moderation(user) -> bool:
    """Read the moderation queue: whoever moderates, and the steering committee, who
    answer for the network's public face (deciding stays with moderators and stewards)."""
    return has_role(user, Role.MODERATOR, Role.STEWARD, Role.STEERING)


PERMISSIONS["see_moderation"] = can_see_moderation


def can_report_day(user) -> bool:
    """Mark a day of action as reported: the steering committee."""
    return has_role(user, Role.STEERING)


PERMISSIONS["report_day"] = can_report_day


def can_schedule_reports(user) -> bool:
    """Set the standing report schedule and its recipients: the steering committee."""
    return has_role(user, Role.STEERING)


PERMISSIONS["schedule_reports"] = can_schedule_reports


def is_in_network(user) -> bool:
    """Network-only content: people in a member group, or holding a network role."""
    return bool(memberships_of(user)) or bool(roles_of(user))


def can_see_action(user, action) -> bool:
    """The same rule as ``actions.selectors.actions_visible_to``, for one action."""
    own = is_group_member(user, action.host_group)
    if action.hidden_at is not None and not (own or can_moderate(user)):
        return False
    if action.visibility == "public":
        return True
    if action.visibility == "network":
        return is_in_network(user)
    return own or can_moderate(user)


def can_post_action_for(user, group) -> bool:
    """Any member of a signed group posts without approval."""
    return is_group_member(user, group) and group.signed_version_id is not None


def can_edit_action(user, action) -> bool:
    """The host group's admins and contacts, and the person who posted it while they
    still belong to the group (someone who left loses the action and its RSVPs)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if can_act_for_group(user, action.host_group):
        return True
    return action.created_by_id == user.pk and is_group_member(user, action.host_group)


def can_ask_for_review(user, action) -> bool:
    """The hosts of a hidden action ask the moderators to look at it again."""
    return action.hidden_at is not None and can_edit_action(user, action)


def can_see_rsvps(user, action) -> bool:
    """Who RSVPed (names, emails): whoever may edit the action, and the co-hosts the
    host chose to show them to (one query, for people who act for a group)."""
    if can_edit_action(user, action):
        return True
    acting = [pk for pk, role in memberships_of(user).items() if role in {"admin", "contact"}]
    return bool(acting) and (
        action.amplifications.filter(kind="cohost", sees_rsvps=True, group_id__in=acting).exists()
    )


def can_see_meeting_notes(user, meeting) -> bool:
    """A relational meeting's notes: the two people who met, and weavers."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.pk in {meeting.person_a_id, meeting.person_b_id} or can_weave(user)


def can_read_people(user) -> bool:
    """People's personal data through OSDI (exchange.selectors.people_visible_to narrows
    it): weavers and stewards see everyone; a group's admins and contacts see their
    own members and the people who RSVPed to their group's actions."""
    if can_weave(user):
        return True
    return any(role in {"admin", "contact"} for role in memberships_of(user).values())


PERMISSIONS["read_people"] = can_read_people


def check(user, permission: str) -> bool:
    """Ask a named permission; an unknown name is a programming error, not a denial."""
    try:
        predicate = PERMISSIONS[permission]
    except KeyError:
        raise LookupError(f"No permission named {permission!r}.") from None
    return predicate(user or AnonymousUser())


def permission_required(permission: str):
    """Page decorator: anonymous people are sent to log in, others without it get 403."""
    if permission not in PERMISSIONS:
        raise LookupError(f"No permission named {permission!r}.")

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request.user, permission):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class HasCoalitionPermission(BasePermission):
    """DRF permission: set ``coalition_permission`` on the view to a name above."""

    def has_permission(self, request, view) -> bool:
        return check(request.user, view.coalition_permission)


def can_publish_privacy_policy(user) -> bool:
    """Draft and publish privacy policy versions: the steering committee and stewards."""
    return has_role(user, Role.STEERING, Role.STEWARD)


PERMISSIONS["publish_privacy_policy"] = can_publish_privacy_policy


def can_keep_supporters(user, group) -> bool:
    """Add, update and tag a group's own supporter records (exchange.Supporter): its
    admins and contacts, and nobody else, not even weavers (the list is the group's)."""
    return memberships_of(user).get(getattr(group, "pk", group)) in {"admin", "contact"}


def can_manage_sources(user) -> bool:
    """The sources pages (OSDI sources and followed coalitions): stewards, coordinators and
    the steering committee for the whole network, group admins for their own groups."""
    if can_steward(user) or can_coordinate(user):
        return True
    return "admin" in memberships_of(user).values()


PERMISSIONS["manage_sources"] = can_manage_sources


def can_count_sources_in_figures(user) -> bool:
    """Mix a source's events into the network's own figures (else counted apart): the
    steering committee's choice."""
    return has_role(user, Role.STEERING)


def can_manage_source(user, source) -> bool:
    """One source: network sources for stewards and coordinators, a group's for its admins."""
    if can_steward(user) or can_coordinate(user):
        return True
    return source.group_id is not None and is_group_admin(user, source.group)

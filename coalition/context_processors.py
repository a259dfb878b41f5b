"""What every page's layout needs: the coalition's name and the navigation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from coalition import next_steps, permissions
from coalition.models import Coalition


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str | None = None  # a name in permissions.PERMISSIONS
    members_only: bool = False
    # Shown only while this answers True (asked after the permission).
    shown_while: Callable[[], bool] | None = None
    # Left out for people who have this permission: another entry of the same
    # label serves them better.
    unless: str | None = None


# Public first, then what group members, weavers and the steering committee
# need. An entry whose page is not built yet is left out rather than linked
# to a 404.
NAVIGATION = [
    NavItem(_("Statement"), "members:statement"),
    NavItem(_("Actions"), "actions:list"),
    NavItem(_("Playbook"), "actions:playbook"),
    NavItem(_("Days of action"), "convergence:days"),
    NavItem(_("Impact"), "reporting:impact"),
    NavItem(_("My groups"), "members:my_groups", members_only=True),
    NavItem(_("Meetings"), "members:meetings", members_only=True),
    NavItem(_("Weave"), "members:weave", permission="weave"),
    NavItem(_("Dashboard"), "reporting:dashboard", permission="see_dashboard"),
    NavItem(_("Moderation"), "actions:moderation", permission="see_moderation"),
    # Stewards land on people and roles; the steering committee on places, and from
    # there the statement versions.
    NavItem(_("Network"), "network_people", permission="manage_roles"),
    NavItem(_("Network"), "network_places", permission="steward", unless="manage_roles"),
    NavItem(
        _("Next steps"),
        "network_next_steps",
        permission="manage_roles",
        shown_while=lambda: not next_steps.known_all_done(),
    ),
]


def _navigation(request) -> list[dict[str, str | bool]]:
    items = []
    for item in NAVIGATION:
        if item.members_only and not request.user.is_authenticated:
            continue
        if item.permission and not permissions.check(request.user, item.permission):
            continue
        if item.unless and permissions.check(request.user, item.unless):
            continue
        if item.shown_while is not None and not item.shown_while():
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        current = request.path == url or (url != "/" and request.path.startswith(url))
        items.append({"label": item.label, "url": url, "current": current})
    return items


def _coalition() -> Coalition:
    return Coalition.objects.filter(pk=1).first() or Coalition(
        name=settings.COALITION_NAME, cause=""
    )


def site(request) -> dict[str, object]:
    return {
        "coalition": SimpleLazyObject(_coalition),
        "navigation": SimpleLazyObject(lambda: _navigation(request)),
    }

"""The home page's "coming up" list of actions."""

from __future__ import annotations

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from actions.models import ActionStatus
from actions.selectors import actions_visible_to
from actions.selectors_listing import coming_up
from coalition.panels import home_panel_register

HOME_ACTIONS = 6


def upcoming_actions_panel(request) -> str:
    """The next actions the viewer may see: one query."""
    visible = actions_visible_to(request.user).filter(~Q(status=ActionStatus.CANCELLED))
    actions = list(
        coming_up(visible, timezone.now())
        .select_related("host_group", "place")
        .order_by("starts_at", "id")[:HOME_ACTIONS]
    )
    return render_to_string("actions/home_panel.html", {"actions": actions}, request=request)


def register() -> None:
    home_panel_register(upcoming_actions_panel)

"""Reads for moderation: open flags, hidden actions and the decisions taken on an action."""

from __future__ import annotations

from django.db.models import QuerySet

from actions.models import Action, Flag, ModerationDecision
from actions.selectors import actions_visible_to

DECISIONS_SHOWN = 50


def flags_open() -> QuerySet[Flag]:
    """Flags no decision has answered yet, newest first (for stewards only)."""
    return (
        Flag.objects.filter(resolved_at__isnull=True)
        .select_related("action", "action__host_group", "by")
        .order_by("-created_at", "-pk")
    )


def flags_open_on(action: Action) -> list[Flag]:
    return list(flags_open().filter(action=action))


def actions_hidden(user) -> QuerySet[Action]:
    """Hidden actions ``user`` may see (all of them for stewards), most recently hidden first."""
    return (
        actions_visible_to(user)
        .filter(hidden_at__isnull=False)
        .select_related("host_group", "hidden_by")
        .order_by("-hidden_at", "-pk")
    )


def action_decisions(action: Action) -> list[ModerationDecision]:
    """The latest decisions on ``action``, newest first (for stewards only: they name who)."""
    return list(
        ModerationDecision.objects.filter(action=action)
        .select_related("by")
        .order_by("-at", "-pk")[:DECISIONS_SHOWN]
    )


def has_open_flag(action: Action, user) -> bool:
    return Flag.objects.filter(action=action, by=user, resolved_at__isnull=True).exists()

"""Reads for RSVPs: the action they are for, and the list only its hosts may see."""

from __future__ import annotations

from django.db.models import QuerySet

from actions.models import Action, Participation, ParticipationStatus
from actions.selectors import actions_visible_to


def action_for_page(pk: int, user) -> Action | None:
    """The action if ``user`` may see it, with what the RSVP pages show of it."""
    return actions_visible_to(user).select_related("host_group", "place").filter(pk=pk).first()


def participations_confirmed(action: Action) -> QuerySet[Participation]:
    """Who is coming, first come first listed (callers check ``can_see_rsvps``)."""
    return Participation.objects.filter(
        action=action, status=ParticipationStatus.CONFIRMED
    ).order_by("created_at", "id")

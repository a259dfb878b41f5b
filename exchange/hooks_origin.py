"""Adds an imported event's origin to the action page (actions.detail_context): where it
came from, and where to RSVP. Built from the action's own fields: no query."""

from __future__ import annotations

from django.urls import reverse

from actions.detail_context import detail_context_register


def origin_context(request, action) -> dict:
    if not action.origin_system:
        return {"origin": None}
    from exchange.forms_sources import OriginRsvpForm

    takes_rsvps = bool(action.origin_rsvp_url) and action.status == "planned"
    return {
        "origin": {
            "name": action.origin_name,
            "url": action.origin_url,
            "rsvp_url": reverse("exchange:origin_rsvp", args=[action.pk]) if takes_rsvps else "",
            "form": OriginRsvpForm() if takes_rsvps else None,
        }
    }


def register() -> None:
    detail_context_register(origin_context)

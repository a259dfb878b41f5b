"""Hooks of the RSVP, playbook and moderation areas: their boxes on the action page."""

from __future__ import annotations


def register() -> None:
    from actions import notification_kinds_moderation  # noqa: F401 - registers the kinds
    from actions.detail_context import detail_context_register
    from actions.views.moderation import moderation_detail_context
    from actions.views.participation import rsvp_detail_context

    detail_context_register(rsvp_detail_context)
    detail_context_register(moderation_detail_context)

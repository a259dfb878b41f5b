"""Hooks of amplification and support: the action page, group pages, the weaver's
timeline and the tie graph."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.template.loader import render_to_string

from actions.detail_context import detail_context_register
from actions.forms_amplification import SupportRequestForm
from actions.models import Action, Amplification, AmplificationKind
from actions.selectors_amplification import (
    amplification_entries,
    amplify_panel,
    cohost_ties,
    group_amplification_panel,
    hosted_action_entries,
    support_panel,
)
from members.panels import group_panel_register
from members.ties import tie_source_register
from members.timeline import timeline_source_register


def amplify_context(request, action) -> dict:
    """For templates/actions/detail/_amplify.html."""
    return {"amplify": amplify_panel(request, action)}


def support_context(request, action) -> dict:
    """For templates/actions/detail/_support.html (the host's form asks for support)."""
    panel = support_panel(request, action)
    if panel.is_host:
        panel.form = SupportRequestForm(auto_id="support-new-%s")
    return {"support": panel}


def amplification_group_panel(request, group) -> str:
    """Amplification given and received, on the group's page."""
    return render_to_string(
        "actions/amplify/group_panel.html",
        {"panel": group_amplification_panel(request.user, group)},
        request=request,
    )


def calendar_group_panel(request, group) -> str:
    """Subscribe to the group's public actions; only for a group the public may see,
    as the feed itself (``actions.views.feeds.group_calendar``)."""
    if not (group.listing_consent and group.signed_version_id):
        return ""
    return render_to_string("actions/calendars/group_panel.html", {"group": group}, request=request)


def refresh_cohost_ties(sender, *, instance: Amplification, **kwargs) -> None:
    """A co-hosting came or went: both groups' ``has_tie`` (members.services.ties), in the
    same transaction. Deleting an action or a group cascades here row by row."""
    if instance.kind != AmplificationKind.COHOST:
        return
    from members.services.ties import group_ties_refresh

    host = Action.objects.filter(pk=instance.action_id).values_list("host_group_id", flat=True)
    group_ties_refresh(group_ids=[instance.group_id, *host])


def register() -> None:
    """Called once from ``ActionsConfig.ready()``; every registry ignores repeats."""
    detail_context_register(amplify_context)
    detail_context_register(support_context)
    group_panel_register(amplification_group_panel)
    group_panel_register(calendar_group_panel)
    timeline_source_register(amplification_entries)
    timeline_source_register(hosted_action_entries)
    tie_source_register(cohost_ties)
    post_save.connect(
        refresh_cohost_ties, sender=Amplification, dispatch_uid="actions.cohost_ties_saved"
    )
    post_delete.connect(
        refresh_cohost_ties, sender=Amplification, dispatch_uid="actions.cohost_ties_deleted"
    )

"""Posting an action (any member of a signed group, no approval) and editing it afterwards."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from actions.forms_posting import ActionEditForm, ActionPostForm
from actions.selectors_listing import action_for, listing_choices, posting_groups
from actions.services.posting import action_create, action_update
from coalition.errors import RuleBroken
from coalition.permissions import can_edit_action


def _rule_error(form, error: RuleBroken) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@login_required
@require_http_methods(["GET", "POST"])
def action_new(request: HttpRequest) -> HttpResponse:
    postable, unsigned = posting_groups(request.user)
    if not postable:
        # Not an error: the page says how to get there (join or sign).
        return render(
            request,
            "actions/detail/cannot_post.html",
            {"unsigned": unsigned},
            status=403 if request.method == "POST" else 200,
        )
    choices = listing_choices(request.POST if request.method == "POST" else None)
    form = ActionPostForm(
        request.POST if request.method == "POST" else None,
        groups=postable,
        places=choices.places,
        tactics=choices.tactics,
        tactic_slug=request.GET.get("tactic", "")[:80],
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                action = action_create(group=form.chosen_group(), by=request.user, **form.details())
            except RuleBroken as error:
                _rule_error(form, error)
            else:
                messages.success(request, _("Your action is posted."))
                return redirect("actions:detail", pk=action.pk)
        status = 400
    return render(
        request,
        "actions/detail/form.html",
        {"form": form, "unsigned": unsigned, "action": None},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def action_edit(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    action = action_for(request.user, pk)
    if action is None:
        raise Http404
    if not can_edit_action(request.user, action):
        raise PermissionDenied
    choices = listing_choices(
        request.POST if request.method == "POST" else None,
        chosen=None if request.method == "POST" else action.place_id,
    )
    form = ActionEditForm(
        request.POST if request.method == "POST" else None,
        action=action,
        places=choices.places,
        tactics=choices.tactics,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            changes = form.changes()
            try:
                if changes:
                    action_update(action=action, by=request.user, **changes)
            except RuleBroken as error:
                _rule_error(form, error)
            else:
                messages.success(request, _("Your changes are saved."))
                return redirect("actions:detail", pk=action.pk)
        status = 400
    return render(
        request,
        "actions/detail/form.html",
        {"form": form, "action": action, "unsigned": []},
        status=status,
    )


urlpatterns = [
    path("actions/new/", action_new, name="new"),
    path("actions/<int:pk>/edit/", action_edit, name="edit"),
]

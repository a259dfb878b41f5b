"""The playbook's pages: write up a done action, every tactic, and one tactic's spread."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from actions.forms_playbook import TacticForm
from actions.models import ActionStatus
from actions.selectors_participation import action_for_page
from actions.selectors_playbook import (
    tactic_adoptions_by_month,
    tactic_by_slug,
    tactic_places,
    tactic_recent_adoptions,
    tactics_most_adopted,
)
from actions.services.participation import action_url
from actions.services.playbook import tactic_create
from coalition.errors import RuleBroken
from coalition.permissions import can_edit_action, can_see_action

PER_PAGE = 30


@require_http_methods(["GET", "POST"])
def tactic_new(request: HttpRequest, pk: int) -> HttpResponse:
    """The action's hosts write it up once it is done."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    action = action_for_page(pk, request.user)
    if action is None:
        raise Http404
    if not can_edit_action(request.user, action):
        raise PermissionDenied
    problem = None
    if action.hidden_at is not None:
        problem = _("A hidden action cannot be written up.")
    elif action.status != ActionStatus.DONE:
        problem = _(
            "Only an action that has happened can be written up: record its outcomes first."
        )
    form = TacticForm(initial={"title": action.title, "summary": action.story})
    status = 200
    if request.method == "POST":
        status = 400
        form = TacticForm(request.POST)
        if problem is None and form.is_valid():
            try:
                tactic = tactic_create(action=action, by=request.user, **form.cleaned_data)
            except RuleBroken as broken:
                form.add_error(broken.field if broken.field in form.fields else None, broken)
            else:
                messages.success(
                    request,
                    _("“%(title)s” is in the playbook. Other groups can now adopt it.")
                    % {"title": tactic.title},
                )
                return redirect("actions:tactic", slug=tactic.slug)
    return render(
        request,
        "actions/playbook/new.html",
        {"action": action, "action_url": action_url(action), "form": form, "problem": problem},
        status=status,
    )


@require_safe
def playbook(request: HttpRequest) -> HttpResponse:
    page = Paginator(tactics_most_adopted(), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "actions/playbook/list.html", {"page": page})


@require_safe
def tactic(request: HttpRequest, slug: str) -> HttpResponse:
    found = tactic_by_slug(slug)
    if found is None:
        raise Http404
    source = found.source_action
    if source is not None and not can_see_action(request.user, source):
        source = None
    months = tactic_adoptions_by_month(found)
    places, places_cut = tactic_places(found)
    return render(
        request,
        "actions/playbook/tactic.html",
        {
            "tactic": found,
            "source": source,
            "source_url": action_url(source) if source else "",
            "months": months,
            "month_max": max((month.count for month in months), default=0),
            "adoption_count": found.adoption_count,
            "places": places,
            "place_count": found.place_count,
            "places_cut": places_cut,
            "recent": [
                (action, action_url(action))
                for action in tactic_recent_adoptions(found, request.user)
            ],
        },
    )


urlpatterns = [
    path("actions/<int:pk>/write-up/", tactic_new, name="tactic_new"),
    path("playbook/", playbook, name="playbook"),
    path("playbook/<slug:slug>/", tactic, name="tactic"),
]

"""Moderation pages: flag an action, the stewards' queue, and hiding or restoring an action."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from actions.forms_moderation import FlagForm, ModerateForm
from actions.models import Action
from actions.selectors_moderation import (
    action_decisions,
    actions_hidden,
    flags_open,
    flags_open_on,
    has_open_flag,
)
from actions.selectors_participation import action_for_page
from actions.services.moderation import action_hide, action_restore, flag_create
from actions.services.participation import TooManyRequests, action_url
from coalition.errors import RuleBroken
from coalition.permissions import can_moderate, is_group_member, permission_required

PER_PAGE = 50


def _action_or_404(request: HttpRequest, pk: int) -> Action:
    action = action_for_page(pk, request.user)
    if action is None:
        raise Http404
    return action


def _moderate_form(action: Action, *, next_url: str = "") -> ModerateForm:
    return ModerateForm(
        initial={"decision": "restore" if action.hidden_at else "hide", "next": next_url}
    )


def moderation_detail_context(request: HttpRequest, action: Action) -> dict:
    """The moderation box of the action page.

    Queries: none for visitors, one for other logged-in people (their open
    flag), two for stewards (decisions and open flags).
    """
    user = request.user
    steward = can_moderate(user)
    context = {
        "logged_in": user.is_authenticated,
        "login_url": reverse("account_login") + "?" + urlencode({"next": request.path}),
        "next_url": request.path,
        "flag_url": reverse("actions:flag", args=[action.pk]),
        "moderate_url": reverse("actions:moderate", args=[action.pk]),
        "is_hidden": action.hidden_at is not None,
        # The host group sees its hidden action with the reason, never who decided.
        "hidden_reason": action.hidden_reason if is_group_member(user, action.host_group) else "",
        "steward": steward,
        "flagged": False,
        "flag_form": None,
        "moderate_form": None,
        "decisions": [],
        "open_flags": [],
    }
    if steward:
        context["moderate_form"] = _moderate_form(action, next_url=request.path)
        context["decisions"] = action_decisions(action)
        context["open_flags"] = flags_open_on(action)
    elif user.is_authenticated:
        context["flagged"] = has_open_flag(action, user)
        if not context["flagged"]:
            context["flag_form"] = FlagForm()
    return {"moderation": context}


def _too_many(request: HttpRequest, problem: RuleBroken) -> HttpResponse:
    return render(request, "actions/participation/too_many.html", {"problem": problem}, status=429)


@require_http_methods(["GET", "POST"])
def flag(request: HttpRequest, pk: int) -> HttpResponse:
    """Any logged-in person asks the stewards to look at an action they can see."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    action = _action_or_404(request, pk)
    form = FlagForm()
    status = 200
    if request.method == "POST":
        status = 400
        form = FlagForm(request.POST)
        if form.is_valid():
            try:
                flag_create(action=action, by=request.user, reason=form.cleaned_data["reason"])
            except TooManyRequests as problem:
                return _too_many(request, problem)
            except RuleBroken as problem:
                form.add_error(problem.field if problem.field in form.fields else None, problem)
            else:
                messages.success(
                    request, _("Thank you. The network's stewards will look at this action.")
                )
                return redirect(action_url(action))
    return render(
        request,
        "actions/moderation/flag.html",
        {"action": action, "action_url": action_url(action), "form": form},
        status=status,
    )


@require_safe
@permission_required("moderate")
def moderation(request: HttpRequest) -> HttpResponse:
    """The stewards' queue: open flags, newest first, and the actions hidden so far."""
    flags = Paginator(flags_open(), PER_PAGE).get_page(request.GET.get("page"))
    hidden = Paginator(actions_hidden(request.user), PER_PAGE).get_page(
        request.GET.get("hidden_page")
    )
    return render(
        request,
        "actions/moderation/queue.html",
        {
            "flags": [(item, action_url(item.action)) for item in flags.object_list],
            "page": flags,
            "hidden": [(action, action_url(action)) for action in hidden.object_list],
            "hidden_page": hidden,
        },
    )


def _next_url(request: HttpRequest, wanted: str, action: Action) -> str:
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse("actions:moderate", args=[action.pk])


@require_http_methods(["GET", "POST"])
@permission_required("moderate")
def moderate(request: HttpRequest, pk: int) -> HttpResponse:
    """A steward hides or restores an action, with a reason the hosts are told."""
    action = _action_or_404(request, pk)
    form = _moderate_form(action)
    status = 200
    if request.method == "POST":
        status = 400
        form = ModerateForm(request.POST)
        if form.is_valid():
            decide = action_hide if form.cleaned_data["decision"] == "hide" else action_restore
            try:
                decision = decide(
                    action=action, by=request.user, reason=form.cleaned_data["reason"]
                )
            except RuleBroken as problem:
                form.add_error(problem.field if problem.field in form.fields else None, problem)
            else:
                messages.success(
                    request,
                    _("The action is hidden. Its hosts have been told why.")
                    if decision.hidden
                    else _("The action is shown again. Its hosts have been told."),
                )
                # Not redirect(): it would take a bare word for the name of a URL.
                return HttpResponseRedirect(_next_url(request, form.cleaned_data["next"], action))
    return render(
        request,
        "actions/moderation/moderate.html",
        {
            "action": action,
            "action_url": action_url(action),
            "form": form,
            "decisions": action_decisions(action),
            "open_flags": flags_open_on(action),
        },
        status=status,
    )


urlpatterns = [
    path("moderation/", moderation, name="moderation"),
    path("actions/<int:pk>/flag/", flag, name="flag"),
    path("actions/<int:pk>/moderate/", moderate, name="moderate"),
]

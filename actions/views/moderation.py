"""Moderation pages: flag an action, the moderators' queue and decisions, the hosts' request
for a review, and the public moderation log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from actions.forms_moderation import FlagForm, ModerateForm, ReviewForm
from actions.models import Action, ModerationRule
from actions.selectors_moderation import (
    action_decisions,
    actions_hidden,
    actions_to_moderate,
    flags_open_on,
    has_open_flag,
    has_open_review,
    moderation_log,
    to_review,
)
from actions.selectors_participation import action_for_page
from actions.services.moderation import (
    action_hide,
    action_restore,
    flag_create,
    flags_dismiss,
    review_request,
    role_label,
)
from actions.services.participation import TooManyRequests, action_url
from coalition.client_ip import client_ip
from coalition.errors import RuleBroken
from coalition.permissions import (
    can_ask_for_review,
    can_edit_action,
    can_moderate,
    is_group_member,
    permission_required,
)

PER_PAGE = 50
QUEUE_PER_PAGE = 20


def _action_or_404(request: HttpRequest, pk: int) -> Action:
    action = action_for_page(pk, request.user)
    if action is None:
        raise Http404
    return action


def _moderate_form(action: Action, *, next_url: str = "") -> ModerateForm:
    return ModerateForm(
        initial={"decision": "restore" if action.hidden_at else "hide", "next": next_url}
    )


DECIDE = {"dismiss": flags_dismiss, "restore": action_restore}


def moderation_detail_context(request: HttpRequest, action: Action) -> dict:
    """The moderation box of the action page.

    Queries: none for visitors, one for other logged-in people (their open
    flag), two for moderators (decisions and open flags), one more for the
    hosts of a hidden action (an open review request).
    """
    user = request.user
    steward = can_moderate(user)
    reviewable = can_ask_for_review(user, action)
    context = {
        "logged_in": user.is_authenticated,
        "login_url": reverse("account_login") + "?" + urlencode({"next": request.path}),
        "next_url": request.path,
        "flag_url": reverse("actions:flag", args=[action.pk]),
        "moderate_url": reverse("actions:moderate", args=[action.pk]),
        "review_url": reverse("actions:review", args=[action.pk]) if reviewable else "",
        "review_asked": reviewable and has_open_review(action),
        "is_hidden": action.hidden_at is not None,
        # The host group sees its hidden action with the reason and the role, never who.
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
    else:
        context["flag_form"] = FlagForm(anonymous=True)
    return {"moderation": context}


def _too_many(request: HttpRequest, problem: RuleBroken) -> HttpResponse:
    return render(request, "actions/participation/too_many.html", {"problem": problem}, status=429)


@require_http_methods(["GET", "POST"])
def flag(request: HttpRequest, pk: int) -> HttpResponse:
    """Anyone asks the moderators to look at an action they can see; a visitor may leave
    an address to be told the outcome."""
    action = _action_or_404(request, pk)
    anonymous = not request.user.is_authenticated
    form = FlagForm(anonymous=anonymous)
    status = 200
    if request.method == "POST":
        status = 400
        form = FlagForm(request.POST, anonymous=anonymous)
        if form.is_valid():
            try:
                flag_create(
                    action=action,
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                    email=form.cleaned_data.get("email", ""),
                    language=request.LANGUAGE_CODE,
                    ip=client_ip(request),
                )
            except TooManyRequests as problem:
                return _too_many(request, problem)
            except RuleBroken as problem:
                form.add_error(problem.field if problem.field in form.fields else None, problem)
            else:
                messages.success(
                    request, _("Thank you. The network's moderators will look at this action.")
                )
                return redirect(action_url(action))
    return render(
        request,
        "actions/moderation/flag.html",
        {"action": action, "action_url": action_url(action), "form": form},
        status=status,
    )


@require_safe
@permission_required("see_moderation")
def moderation(request: HttpRequest) -> HttpResponse:
    """The moderators' queue: actions with open flags (each with their flags and history),
    longest waiting first, and the actions hidden so far. The steering committee reads
    it; only moderators and stewards are offered the decisions."""
    page = Paginator(actions_to_moderate(), QUEUE_PER_PAGE).get_page(request.GET.get("page"))
    hidden = Paginator(actions_hidden(request.user), PER_PAGE).get_page(
        request.GET.get("hidden_page")
    )
    return render(
        request,
        "actions/moderation/queue.html",
        {
            "items": [
                {
                    "action": action,
                    "url": action_url(action),
                    "to_review": to_review(action),
                    "more_flags": max(0, action.open_count - len(action.open_flags)),
                }
                for action in page.object_list
            ],
            "page": page,
            "hidden": [(action, action_url(action)) for action in hidden.object_list],
            "hidden_page": hidden,
            "can_decide": can_moderate(request.user),
        },
    )


@require_safe
def moderation_log_page(request: HttpRequest) -> HttpResponse:
    """The public moderation log: what was hidden or restored, when, by which role and under
    which rule; no person named. Keyset pages (``?before=<id>``), one query each."""
    try:
        before = int(request.GET.get("before", ""))
    except ValueError:
        before = None
    if before is not None and not 0 < before < 2**63:
        before = None
    entries, next_before = moderation_log(before=before)
    return render(
        request,
        "actions/moderation/log.html",
        {
            "entries": [(entry, role_label(entry.role)) for entry in entries],
            "next_before": next_before,
            "first_page": before is None,
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
    """A moderator dismisses the flags, hides or restores an action, with a reason."""
    action = _action_or_404(request, pk)
    form = _moderate_form(action)
    status = 200
    if request.method == "POST":
        status = 400
        form = ModerateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["decision"] == "hide":
                    decision = action_hide(
                        action=action,
                        by=request.user,
                        reason=data["reason"],
                        rule=data["rule"] or ModerationRule.OTHER,
                    )
                else:
                    decision = DECIDE[data["decision"]](
                        action=action, by=request.user, reason=data["reason"]
                    )
            except RuleBroken as problem:
                form.add_error(problem.field if problem.field in form.fields else None, problem)
            else:
                messages.success(
                    request,
                    {
                        "hidden": _("The action is hidden. Everyone concerned has been told why."),
                        "restored": _("The action is shown again. Its hosts have been told."),
                        "dismissed": _("The flags are dismissed; whoever flagged has been told."),
                    }[decision.outcome],
                )
                # Not redirect(): it would take a bare word for the name of a URL.
                return HttpResponseRedirect(_next_url(request, data["next"], action))
    return render(
        request,
        "actions/moderation/moderate.html",
        {
            "action": action,
            "action_url": action_url(action),
            "form": form,
            "decisions": action_decisions(action),
            "open_flags": flags_open_on(action),
            "to_review": to_review(action),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """The hosts of a hidden action ask the moderators to look at it again."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    action = _action_or_404(request, pk)
    # Whoever may edit the action speaks for its hosts; an action that is not hidden is
    # told so on the page (the service refuses the request).
    if not can_edit_action(request.user, action):
        raise PermissionDenied
    form = ReviewForm()
    status = 200
    if request.method == "POST":
        status = 400
        form = ReviewForm(request.POST)
        if form.is_valid():
            try:
                review_request(action=action, by=request.user, message=form.cleaned_data["message"])
            except TooManyRequests as problem:
                return _too_many(request, problem)
            except RuleBroken as problem:
                form.add_error(None, problem)
            else:
                messages.success(
                    request, _("Your request is sent. A moderator will look at the action again.")
                )
                return redirect(action_url(action))
    return render(
        request,
        "actions/moderation/review.html",
        {"action": action, "action_url": action_url(action), "form": form},
        status=status,
    )


urlpatterns = [
    path("moderation/", moderation, name="moderation"),
    path("moderation/log/", moderation_log_page, name="moderation_log"),
    path("actions/<int:pk>/review/", review, name="review"),
    path("actions/<int:pk>/flag/", flag, name="flag"),
    path("actions/<int:pk>/moderate/", moderate, name="moderate"),
]

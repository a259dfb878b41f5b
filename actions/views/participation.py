"""RSVP pages: say you are coming, cancel from the emailed link, the hosts' list of who comes."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from actions.forms_participation import RsvpForm
from actions.models import Action, ParticipationStatus
from actions.selectors_participation import action_for_page, participations_confirmed
from actions.services.participation import (
    TooManyRequests,
    action_url,
    participation_cancel,
    participation_create,
    participation_for_token,
    participations_export_log,
    rsvp_rate_check,
    rsvp_refusal,
)
from coalition.client_ip import client_ip
from coalition.errors import RuleBroken
from coalition.permissions import can_see_rsvps

PER_PAGE = 100


def _action_or_404(request: HttpRequest, pk: int) -> Action:
    action = action_for_page(pk, request.user)
    if action is None:
        raise Http404
    return action


def _initial(request: HttpRequest) -> dict[str, str]:
    user = request.user
    if user.is_authenticated:
        return {"name": user.name, "email": user.email}
    return {}


def rsvp_detail_context(request: HttpRequest, action: Action) -> dict:
    """The RSVP box of the action page: counts, the form, and the list link for hosts.

    Queries: none for visitors, at most one for people who act for a group.
    """
    refusal = rsvp_refusal(action=action, person=request.user)
    return {
        "rsvp": {
            "count": action.rsvp_count,
            "capacity": action.capacity,
            "places_left": action.places_left,
            "refusal": refusal,
            "form": None if refusal else RsvpForm(initial=_initial(request)),
            "url": reverse("actions:rsvp", args=[action.pk]),
            "list_url": (
                reverse("actions:rsvps", args=[action.pk])
                if can_see_rsvps(request.user, action)
                else ""
            ),
        }
    }


def _too_many(request: HttpRequest, problem: RuleBroken) -> HttpResponse:
    return render(request, "actions/participation/too_many.html", {"problem": problem}, status=429)


@require_http_methods(["GET", "POST"])
def rsvp(request: HttpRequest, pk: int) -> HttpResponse:
    """The RSVP form on a page of its own: where the action page's form posts and errors show."""
    action = _action_or_404(request, pk)
    form = RsvpForm(initial=_initial(request))
    status = 200
    if request.method == "POST":
        try:
            rsvp_rate_check(ip=client_ip(request))
        except TooManyRequests as problem:
            return _too_many(request, problem)
        form = RsvpForm(request.POST)
        if form.is_valid():
            try:
                participation_create(
                    action=action,
                    name=form.cleaned_data["name"],
                    email=form.cleaned_data["email"],
                    consent=form.cleaned_data["consent"],
                    person=request.user,
                )
            except RuleBroken as problem:
                form.add_error(problem.field if problem.field in form.fields else None, problem)
            else:
                messages.success(
                    request,
                    _(
                        "You are on the list. We have sent a confirmation to %(email)s, "
                        "with a link to cancel if you cannot come."
                    )
                    # The address as typed: the same answer whether it was already there.
                    % {"email": form.cleaned_data["email"]},
                )
                return redirect(action_url(action))
        status = 400
        action.refresh_from_db(fields=["rsvp_count"])
    refusal = rsvp_refusal(action=action, person=request.user)
    return render(
        request,
        "actions/participation/rsvp.html",
        {
            "action": action,
            "action_url": action_url(action),
            "form": form,
            "refusal": refusal,
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def rsvp_cancel(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks to confirm (link checkers in mailboxes must not cancel anyone); POST cancels."""
    try:
        participation = participation_for_token(token)
    except RuleBroken as problem:
        return render(
            request, "actions/participation/cancel_invalid.html", {"problem": problem}, status=400
        )
    done = False
    if request.method == "POST":
        participation_cancel(participation=participation)
        done = True
    return render(
        request,
        "actions/participation/cancel.html",
        {
            "participation": participation,
            "action": participation.action,
            "already": participation.status == ParticipationStatus.CANCELLED and not done,
            "done": done,
        },
    )


def _csv_cell(value: str) -> str:
    # A spreadsheet runs a cell starting with one of these as a formula.
    return "'" + value if value[:1] in {"=", "+", "-", "@", "\t", "\r"} else value


@require_safe
def rsvps(request: HttpRequest, pk: int) -> HttpResponse:
    """Who is coming: the hosts (and co-hosts the host chose) only; as a page or CSV."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    action = _action_or_404(request, pk)
    if not can_see_rsvps(request.user, action):
        raise PermissionDenied
    wanted = request.GET.get("format", "html")
    if wanted == "csv":
        return _rsvps_csv(request, action)
    if wanted != "html":
        return render(
            request,
            "actions/participation/bad_request.html",
            {"problem": _("The list comes as a page or as CSV (format=csv).")},
            status=400,
        )
    page = Paginator(participations_confirmed(action), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "actions/participation/list.html",
        {"action": action, "action_url": action_url(action), "page": page},
    )


def _rsvps_csv(request: HttpRequest, action: Action) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rsvps-action-{action.pk}.csv"'
    response["Cache-Control"] = "private, no-store"
    writer = csv.writer(response)
    writer.writerow([_("name"), _("email"), _("RSVPed at")])
    rows = 0
    for name, email, created_at in participations_confirmed(action).values_list(
        "name", "email", "created_at"
    ):
        writer.writerow(
            [_csv_cell(name), _csv_cell(email), timezone.localtime(created_at).isoformat()]
        )
        rows += 1
    participations_export_log(action=action, by=request.user, rows=rows)
    return response


urlpatterns = [
    path("actions/<int:pk>/rsvp/", rsvp, name="rsvp"),
    path("actions/<int:pk>/rsvps/", rsvps, name="rsvps"),
    path("actions/rsvp/cancel/<str:token>/", rsvp_cancel, name="rsvp_cancel"),
]

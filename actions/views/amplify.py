"""Amplify an action in a group's name (endorse, co-host, share, pledge people), undo it,
and let a co-host see the RSVPs. Each answers a plain form with a redirect and a
message, and ``Accept: application/json`` (static/js/amplify.js) with JSON."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from actions.forms_amplification import AmplifyForm, AmplifyUndoForm, RsvpAccessForm
from actions.models import Action, AmplificationKind
from actions.selectors import actions_visible_to
from actions.selectors_amplification import action_url, amplification_counts
from actions.services.amplification import (
    amplification_add,
    amplification_remove,
    cohost_rsvp_access_set,
)
from coalition.errors import RuleBroken
from coalition.permissions import can_act_for_group
from members.models import Group


def wants_json(request: HttpRequest) -> bool:
    """The inline buttons ask for JSON; browsers' own Accept lists HTML first."""
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def visible_action(request: HttpRequest, pk: int) -> Action:
    """The action if the person may see it; 404 hides that it exists otherwise."""
    action = actions_visible_to(request.user).select_related("host_group", "place").filter(pk=pk)
    found = action.first()
    if found is None:
        raise Http404
    return found


def group_acted_for(request: HttpRequest, group_id: int) -> Group:
    """The group the person acts in the name of; 403 if they may not (or it does not exist)."""
    group = Group.objects.filter(pk=group_id).first()
    if group is None or not can_act_for_group(request.user, group):
        raise PermissionDenied
    return group


def _bad_request(request: HttpRequest) -> HttpResponse:
    message = _("This request was not understood. Reload the page and try again.")
    if wants_json(request):
        return JsonResponse({"ok": False, "message": message}, status=400)
    return HttpResponseBadRequest(message)


def _answer(
    request: HttpRequest, action: Action, *, ok: bool, message: str, **data
) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"ok": ok, "message": message, **data}, status=200 if ok else 400)
    (messages.success if ok else messages.error)(request, message)
    return redirect(action_url(action.pk) + "#amplify")


def _counts(action: Action) -> dict:
    counts, people = amplification_counts(action)
    return {"counts": {kind: n for kind, _label, n in counts}, "people_pledged": people}


def _done_message(kind: str, group: Group, people: int | None) -> str:
    name = group.name
    if kind == AmplificationKind.ENDORSE:
        return _("%(group)s endorses this action.") % {"group": name}
    if kind == AmplificationKind.COHOST:
        return _(
            "%(group)s co-hosts this action. It does not see the RSVPs' personal data "
            "unless the host group chooses to show them."
        ) % {"group": name}
    if kind == AmplificationKind.SHARE:
        return _("%(group)s shares this action: the text to paste is on this page.") % {
            "group": name
        }
    return _("%(group)s pledges %(count)s people.") % {"group": name, "count": people}


def _undone_message(kind: str, group: Group) -> str:
    name = group.name
    return {
        AmplificationKind.ENDORSE: _("%(group)s no longer endorses this action."),
        AmplificationKind.COHOST: _("%(group)s no longer co-hosts this action."),
        AmplificationKind.SHARE: _("%(group)s no longer shares this action."),
        AmplificationKind.PLEDGE: _("%(group)s took back its pledge of people."),
    }[kind] % {"group": name}


@require_POST
def amplify(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(action_url(pk))
    form = AmplifyForm(request.POST)
    if not form.is_valid():
        return _bad_request(request)
    action = visible_action(request, pk)
    group = group_acted_for(request, form.cleaned_data["group"])
    kind = form.cleaned_data["kind"]
    try:
        done = amplification_add(
            action=action, group=group, kind=kind, by=request.user,
            people=form.cleaned_data.get("people"),
        )  # fmt: skip
    except RuleBroken as problem:
        return _answer(request, action, ok=False, message=problem.message, field=problem.field)
    return _answer(
        request,
        action,
        ok=True,
        message=_done_message(kind, group, done.people),
        group=group.pk,
        kind=kind,
        active=True,
        people=done.people,
        **_counts(action),
    )


@require_POST
def amplify_undo(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(action_url(pk))
    form = AmplifyUndoForm(request.POST)
    if not form.is_valid():
        return _bad_request(request)
    action = visible_action(request, pk)
    group = group_acted_for(request, form.cleaned_data["group"])
    kind = form.cleaned_data["kind"]
    try:
        amplification_remove(action=action, group=group, kind=kind, by=request.user)
    except RuleBroken as problem:
        return _answer(request, action, ok=False, message=problem.message, field=problem.field)
    return _answer(
        request,
        action,
        ok=True,
        message=_undone_message(kind, group),
        group=group.pk,
        kind=kind,
        active=False,
        people=None,
        **_counts(action),
    )


@require_POST
def cohost_rsvp_access(request: HttpRequest, pk: int) -> HttpResponse:
    """The host group shows a co-host who RSVPed, or stops showing it."""
    if not request.user.is_authenticated:
        return redirect_to_login(action_url(pk))
    form = RsvpAccessForm(request.POST)
    if not form.is_valid():
        return _bad_request(request)
    action = visible_action(request, pk)
    if not can_act_for_group(request.user, action.host_group):
        raise PermissionDenied
    group = Group.objects.filter(pk=form.cleaned_data["group"]).first()
    if group is None:
        return _bad_request(request)
    sees = form.cleaned_data["sees_rsvps"]
    try:
        cohost_rsvp_access_set(action=action, group=group, sees_rsvps=sees, by=request.user)
    except RuleBroken as problem:
        return _answer(request, action, ok=False, message=problem.message, field=problem.field)
    if sees:
        message = _("%(group)s can now see the names and emails of the people who RSVPed.")
    else:
        message = _("%(group)s no longer sees who RSVPed.")
    return _answer(
        request,
        action,
        ok=True,
        message=message % {"group": group.name},
        group=group.pk,
        sees_rsvps=sees,
    )


urlpatterns = [
    path("actions/<int:pk>/amplify/", amplify, name="amplify"),
    path("actions/<int:pk>/amplify/undo/", amplify_undo, name="amplify_undo"),
    path(
        "actions/<int:pk>/amplify/rsvp-access/",
        cohost_rsvp_access,
        name="cohost_rsvp_access",
    ),
]

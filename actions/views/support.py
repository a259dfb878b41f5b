"""Support requests: the host asks and closes, other groups pledge (and take it back),
and everyone finds the open requests on the actions they may see."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from actions.forms_amplification import (
    PledgeForm,
    PledgeUndoForm,
    SupportFilterForm,
    SupportRequestForm,
)
from actions.models import SupportRequest
from actions.selectors_amplification import (
    acting_groups,
    action_url,
    support_open_for,
    support_request_for,
)
from actions.services.support import (
    PledgeMade,
    support_pledge_add,
    support_pledge_remove,
    support_request_close,
    support_request_create,
)
from actions.views.amplify import group_acted_for, visible_action
from coalition.errors import RuleBroken
from coalition.paging import page_counted_with_rows
from coalition.permissions import can_edit_action
from coalition.responses import form_status

OPEN_REQUESTS_PER_PAGE = 50


def _back_to_action(action_id: int) -> HttpResponse:
    return redirect(action_url(action_id) + "#support")


def _after_login() -> str:
    # A POST address cannot be opened after logging in: send people to the list.
    return reverse("actions:support_list")


def _visible_request(request: HttpRequest, request_id: int) -> SupportRequest:
    found = support_request_for(request.user, request_id)
    if found is None:
        raise Http404
    return found


@require_http_methods(["GET", "POST"])
def support_new(request: HttpRequest, pk: int) -> HttpResponse:
    """The host asks the network for support (the action page carries the same form)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    action = visible_action(request, pk)
    if not can_edit_action(request.user, action):
        raise PermissionDenied
    form = SupportRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            support_request_create(
                action=action, by=request.user, kind=data["kind"], amount=data["amount"],
                description=data["description"],
            )  # fmt: skip
        except RuleBroken as problem:
            form.add_error(problem.field, problem.message)
        else:
            messages.success(request, _("Your request for support is open to the network."))
            return _back_to_action(action.pk)
    return render(
        request,
        "actions/amplify/support_new.html",
        {"action": action, "form": form, "action_url": action_url(action.pk)},
        status=form_status(request, form),
    )


@require_POST
def support_close(request: HttpRequest, request_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(_after_login())
    support_request = _visible_request(request, request_id)
    if not can_edit_action(request.user, support_request.action):
        raise PermissionDenied
    try:
        support_request_close(support_request=support_request, by=request.user)
    except RuleBroken as problem:
        messages.error(request, problem.message)
    else:
        messages.success(request, _("The request is closed."))
    return _back_to_action(support_request.action_id)


def _pledge_said(made: PledgeMade, group) -> str:
    """What the person is told: a changed pledge is never replaced silently."""
    amount = made.pledge.amount
    if not made.changed:
        return _("%(group)s pledged %(amount)s. Thank you!") % {
            "group": group.name,
            "amount": amount,
        }
    if made.previous_amount == amount:
        return _("Your pledge stays at %(amount)s.") % {"amount": amount}
    return _("You changed your pledge from %(previous)s to %(amount)s.") % {
        "previous": made.previous_amount,
        "amount": amount,
    }


@require_http_methods(["GET", "POST"])
def support_pledge(request: HttpRequest, request_id: int) -> HttpResponse:
    """Pledge towards a request in one of the person's groups' names.

    A group pledges once per request: pledging again replaces its amount.
    """
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    support_request = _visible_request(request, request_id)
    action = support_request.action
    groups = acting_groups(request, action)
    form = PledgeForm(request.POST or None)
    if request.method == "POST":
        chosen = PledgeUndoForm(request.POST)
        if not chosen.is_valid():
            return HttpResponseBadRequest(_("Choose the group you pledge for."))
        group = group_acted_for(request, chosen.cleaned_data["group"])
        if form.is_valid():
            try:
                made = support_pledge_add(
                    support_request=support_request, group=group, by=request.user,
                    amount=form.cleaned_data["amount"], note=form.cleaned_data["note"],
                )  # fmt: skip
            except RuleBroken as problem:
                field = problem.field if problem.field in form.fields else None
                form.add_error(field, problem.message)
            else:
                messages.success(request, _pledge_said(made, group))
                return _back_to_action(action.pk)
    elif not groups:
        # Only people who act for a group other than the host can pledge.
        raise PermissionDenied
    return render(
        request,
        "actions/amplify/pledge.html",
        {
            "support_request": support_request,
            "action": action,
            "groups": groups,
            "form": form,
            "action_url": action_url(action.pk),
        },
        status=form_status(request, form),
    )


@require_POST
def support_pledge_undo(request: HttpRequest, request_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(_after_login())
    form = PledgeUndoForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Choose the group whose pledge to take back."))
    support_request = _visible_request(request, request_id)
    group = group_acted_for(request, form.cleaned_data["group"])
    try:
        support_pledge_remove(support_request=support_request, group=group, by=request.user)
    except RuleBroken as problem:
        messages.error(request, problem.message)
    else:
        messages.success(request, _("%(group)s took back its pledge.") % {"group": group.name})
    return _back_to_action(support_request.action_id)


@require_safe
def support_list(request: HttpRequest) -> HttpResponse:
    """Open requests on the actions the person may see, by place and kind."""
    form = SupportFilterForm(request.GET or None)
    place = kind = None
    if form.is_valid():
        place = form.cleaned_data["place"]
        kind = form.cleaned_data["kind"] or None
    requests = support_open_for(request.user, place=place, kind=kind)
    # The requests are sorted by their actions' start: the page reads them all,
    # so it counts them too (one query, not a count and a page).
    page = page_counted_with_rows(requests, OPEN_REQUESTS_PER_PAGE, request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "actions/amplify/support_list.html",
        {"form": form, "page": page, "querystring": query.urlencode()},
    )


urlpatterns = [
    path("actions/support/", support_list, name="support_list"),
    path("actions/support/<int:request_id>/pledge/", support_pledge, name="support_pledge"),
    path(
        "actions/support/<int:request_id>/pledge/undo/",
        support_pledge_undo,
        name="support_pledge_undo",
    ),
    path("actions/support/<int:request_id>/close/", support_close, name="support_close"),
    path("actions/<int:pk>/support/", support_new, name="support_new"),
]

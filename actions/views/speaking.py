"""Hosts speak: write to everyone who RSVPed, or cancel with a message to them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from actions.forms_speaking import CancelForm, MessageForm
from actions.models import ActionStatus
from actions.selectors_amplification import action_url
from actions.services.speaking import action_cancel, host_message_send
from actions.views.amplify import visible_action
from coalition.errors import RuleBroken
from coalition.permissions import can_edit_action
from coalition.responses import form_status
from notifications.broadcasts import on_its_way


def _host_action(request: HttpRequest, pk: int):
    action = visible_action(request, pk)
    if not can_edit_action(request.user, action):
        raise PermissionDenied
    return action


def _rule_error(form, error: RuleBroken) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@require_http_methods(["GET", "POST"])
def action_message(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    action = _host_action(request, pk)
    form = MessageForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            broadcast = host_message_send(
                action=action,
                by=request.user,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
            )
        except RuleBroken as error:
            _rule_error(form, error)
        else:
            messages.success(request, on_its_way(broadcast))
            return redirect(action_url(action.pk))
    return render(
        request,
        "actions/speaking/message.html",
        {"action": action, "form": form, "action_url": action_url(action.pk)},
        status=form_status(request, form),
    )


@require_http_methods(["GET", "POST"])
def action_cancel_page(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    action = _host_action(request, pk)
    form = CancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            action_cancel(action=action, by=request.user, message=form.cleaned_data["message"])
        except RuleBroken as error:
            _rule_error(form, error)
        else:
            messages.success(
                request, _("The action is cancelled; everyone it concerns is being told.")
            )
            return redirect(action_url(action.pk))
    return render(
        request,
        "actions/speaking/cancel.html",
        {
            "action": action,
            "form": form,
            "action_url": action_url(action.pk),
            "is_planned": action.status == ActionStatus.PLANNED,
        },
        status=form_status(request, form),
    )


urlpatterns = [
    path("actions/<int:pk>/message/", action_message, name="message"),
    path("actions/<int:pk>/cancel/", action_cancel_page, name="cancel"),
]

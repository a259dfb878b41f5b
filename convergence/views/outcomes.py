"""The outcomes form: after an event, its hosts tell the network what came of it.

Who: whoever may edit the event's action (the host group's admins and
contacts, and the person who registered it). Anyone else logged in gets 404
if they may not even see the event, 403 if they may see it. Coordinators and
the steering committee get 403 like anyone else: outcomes are the hosts'
own account of their event; the coordination view is where coordinators
chase hosts who have not reported.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from actions.services.participation import action_url
from coalition.errors import RuleBroken
from coalition.permissions import can_edit_action, can_see_action
from coalition.responses import form_status
from convergence.forms_outcomes import EventOutcomesForm
from convergence.models import DayStatus, Event
from convergence.selectors import days_visible_to
from convergence.services.lifecycle import event_outcomes_record, event_outcomes_refusal


def _event_for(request: HttpRequest, slug: str, event_id: int) -> Event:
    event = (
        Event.objects.select_related("day", "action", "action__host_group", "action__place")
        .filter(pk=event_id, day__slug=slug, day__in=days_visible_to(request.user))
        .first()
    )
    if event is None or not can_see_action(request.user, event.action):
        raise Http404
    if not can_edit_action(request.user, event.action):
        raise PermissionDenied
    return event


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def event_outcomes(request: HttpRequest, slug: str, event_id: int) -> HttpResponse:
    event = _event_for(request, slug, event_id)
    refusal = event_outcomes_refusal(event=event)
    data = request.POST if request.method == "POST" else None
    form = EventOutcomesForm(data, action=event.action)
    if request.method == "POST" and refusal is None and form.is_valid():
        try:
            event_outcomes_record(event=event, by=request.user, **form.cleaned_data)
        except RuleBroken as broken:
            form.add_error(broken.field if broken.field in form.fields else None, broken.message)
        else:
            messages.success(request, _("Thank you: the outcomes are recorded."))
            return redirect(action_url(event.action))
    return render(
        request,
        "convergence/outcomes/form.html",
        {
            "event": event,
            "day": event.day,
            "action": event.action,
            "form": form,
            "refusal": refusal,
            "totals_frozen": event.day.status == DayStatus.REPORTED,
        },
        # A POST refused because of the event's state is refused too, even with a valid form.
        status=400 if refusal and request.method == "POST" else form_status(request, form),
    )


urlpatterns = [
    path(
        "days/<slug:slug>/events/<int:event_id>/outcomes/",
        event_outcomes,
        name="event_outcomes",
    ),
]

"""A group registers a local event for a day of action; its hosts see the toolkit and a
checklist; toolkit files are served as downloads only."""

from __future__ import annotations

from datetime import timedelta
from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from actions.models import Tactic
from coalition.errors import RuleBroken
from coalition.permissions import can_coordinate, can_edit_action, can_see_action
from coalition.place_pick import typed_name
from convergence.forms_events import ChecklistForm, EventRegisterForm
from convergence.models import DayOfAction
from convergence.selectors_coordinate import (
    covered_places,
    day_covered_names,
    day_for_viewer,
    event_for_host,
    groups_for_registration,
    toolkit_of,
    toolkit_version_file,
)
from convergence.services.days import day_path
from convergence.services.events import (
    CHECKLIST,
    REGISTERING,
    can_host_event,
    event_checklist_update,
    event_register,
)


def _rule_error(form, error: RuleBroken) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _visible_day(request: HttpRequest, slug: str) -> DayOfAction:
    day = day_for_viewer(request.user, slug)
    if day is None:
        raise Http404
    return day


def _initial_times(day: DayOfAction) -> dict:
    """Start the form at the window's opening, two hours long (or the whole window if shorter)."""
    return {
        "starts_at": day.starts_at,
        "ends_at": min(day.starts_at + timedelta(hours=2), day.ends_at),
    }


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest, slug: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    day = _visible_day(request, slug)
    refusal_status = 400 if request.method == "POST" else 200
    if day.status not in REGISTERING:
        return render(
            request,
            "convergence/events/not_open.html",
            {"day": day, "day_url": day_path(day)},
            status=refusal_status,
        )
    postable, unsigned = groups_for_registration(request.user)
    if not postable:
        # Not an error: the page says how to get there (join a group, or sign).
        return render(
            request,
            "convergence/events/cannot_register.html",
            {"day": day, "unsigned": unsigned, "day_url": day_path(day)},
            status=403 if request.method == "POST" else 200,
        )
    form = EventRegisterForm(
        request.POST if request.method == "POST" else None,
        groups=postable,
        places=covered_places(
            day, name=typed_name(request.POST) if request.method == "POST" else ""
        ),
        covered=day_covered_names(day),
        tactics=list(Tactic.objects.only("id", "title", "slug").order_by("title")),
        initial=_initial_times(day),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                event = event_register(
                    day=day, group=form.chosen_group(), by=request.user, **form.details()
                )
            except RuleBroken as error:
                _rule_error(form, error)
            else:
                messages.success(
                    request,
                    _("Your event is registered for %(day)s. Here is the toolkit and your "
                      "checklist.") % {"day": day.title},
                )  # fmt: skip
                return redirect("convergence:event_host", slug=day.slug, event_id=event.pk)
        status = 400
    return render(
        request,
        "convergence/events/register.html",
        {"day": day, "form": form, "unsigned": unsigned, "day_url": day_path(day)},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def host(request: HttpRequest, slug: str, event_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    day = _visible_day(request, slug)
    event = event_for_host(day, event_id)
    if event is None:
        raise Http404
    if not can_host_event(request.user, event):
        # Someone who may not even see the action must not learn it exists.
        if can_see_action(request.user, event.action):
            raise PermissionDenied
        raise Http404
    done = [key for key, value in (event.checklist or {}).items() if value]
    form = ChecklistForm(request.POST if request.method == "POST" else None, initial={"done": done})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                event_checklist_update(event=event, by=request.user, done=form.cleaned_data["done"])
            except RuleBroken as error:
                _rule_error(form, error)
            else:
                messages.success(request, _("Your checklist is saved."))
                return redirect("convergence:event_host", slug=day.slug, event_id=event.pk)
        status = 400
    checklist = [(key, label, bool((event.checklist or {}).get(key))) for key, label in CHECKLIST]
    return render(
        request,
        "convergence/events/host.html",
        {
            "day": day,
            "event": event,
            "action": event.action,
            "toolkit": toolkit_of(day),
            "form": form,
            "checklist": checklist,
            "can_edit": can_edit_action(request.user, event.action),
            "is_coordinator": can_coordinate(request.user),
            "day_url": day_path(day),
        },
        status=status,
    )


@require_safe
def toolkit_file(request: HttpRequest, slug: str, file_key) -> HttpResponse:
    """A toolkit file by its random key, always as a download, never sniffed into anything else."""
    version = toolkit_version_file(request.user, slug=slug, key=file_key)
    if version is None:
        raise Http404
    try:
        handle = version.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=PurePath(version.file.name).name,
        content_type=version.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Even if a browser were to show it, it could run nothing and reach nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=300"
    return response


urlpatterns = [
    path("days/<slug:slug>/register/", register, name="event_register"),
    path("days/<slug:slug>/events/<int:event_id>/", host, name="event_host"),
    path("days/<slug:slug>/toolkit/files/<uuid:file_key>/", toolkit_file, name="toolkit_file"),
]

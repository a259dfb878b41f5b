"""The sources pages (/sources/): add other OSDI servers, see their last sync, sync now,
add their events to a day of action; and RSVPs sent on to an imported event's origin."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from actions.models import Action
from actions.selectors import actions_visible_to
from coalition.errors import RuleBroken
from coalition.permissions import (
    can_count_sources_in_figures,
    can_manage_source,
    permission_required,
)
from exchange.forms_sources import AttachForm, OriginRsvpForm, RuleForm, SourceForm
from exchange.selectors import source_events, sources_visible_to
from exchange.services.sources import (
    source_create,
    source_events_attach,
    source_figures_set,
    source_rule_set,
    source_sync_request,
)


def _source(request, pk: int):
    source = sources_visible_to(request.user).filter(pk=pk).first()
    if source is None:
        raise Http404
    if not can_manage_source(request.user, source):
        raise PermissionDenied
    return source


@require_safe
@permission_required("manage_sources")
def source_list(request: HttpRequest) -> HttpResponse:
    sources = list(sources_visible_to(request.user).order_by("name", "pk"))
    return render(request, "exchange/sources/list.html", {"sources": sources})


@permission_required("manage_sources")
def source_new(request: HttpRequest) -> HttpResponse:
    form = SourceForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                source = source_create(by=request.user, **form.cleaned_data)
            except RuleBroken as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("The source is added. Sync it to see its events."))
                return redirect("exchange:source", pk=source.pk)
        status = 400
    return render(request, "exchange/sources/form.html", {"form": form}, status=status)


@require_safe
@permission_required("manage_sources")
def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    source = _source(request, pk)
    events = source_events(source)
    attach = AttachForm(events=[event for event in events if event.status != "cancelled"])
    return render(
        request,
        "exchange/sources/detail.html",
        {
            "source": source, "events": events, "attach": attach,
            "rule": RuleForm(initial={"day": source.attach_day_id, "tag": source.attach_tag}),
            "may_choose_figures": can_count_sources_in_figures(request.user),
        },
    )  # fmt: skip


@require_POST
@permission_required("manage_sources")
def source_sync(request: HttpRequest, pk: int) -> HttpResponse:
    source = _source(request, pk)
    source_sync_request(source=source, by=request.user)
    messages.success(request, _("A sync is on its way; this page shows how it went."))
    return redirect("exchange:source", pk=source.pk)


@require_POST
@permission_required("manage_sources")
def source_figures(request: HttpRequest, pk: int) -> HttpResponse:
    """The steering committee counts the source's events in our figures, or apart."""
    source = _source(request, pk)
    if not can_count_sources_in_figures(request.user):
        raise PermissionDenied
    counted = request.POST.get("counted") == "on"
    source_figures_set(source=source, counted=counted, by=request.user)
    if counted:
        messages.success(request, _("Its events now count in our own figures."))
    else:
        messages.success(request, _("Its events are now counted apart from our own figures."))
    return redirect("exchange:source", pk=source.pk)


@require_POST
@permission_required("manage_sources")
def source_rule(request: HttpRequest, pk: int) -> HttpResponse:
    """Set or clear the rule that adds the source's tagged events to a day at each sync."""
    source = _source(request, pk)
    form = RuleForm(request.POST)
    if not form.is_valid():
        events = source_events(source)
        return render(
            request,
            "exchange/sources/detail.html",
            {
                "source": source, "events": events, "rule": form,
                "attach": AttachForm(events=[e for e in events if e.status != "cancelled"]),
                "may_choose_figures": can_count_sources_in_figures(request.user),
            },
            status=400,
        )  # fmt: skip
    day = form.cleaned_data["day"]
    source_rule_set(source=source, day=day, tag=form.cleaned_data["tag"], by=request.user)
    if day is None:
        messages.success(request, _("The rule is removed."))
    else:
        messages.success(
            request,
            _("At each sync, its events tagged %(tag)s inside the day's window join %(day)s.")
            % {"tag": source.attach_tag, "day": day.title},
        )
    return redirect("exchange:source", pk=source.pk)


@require_POST
@permission_required("manage_sources")
def source_attach(request: HttpRequest, pk: int) -> HttpResponse:
    source = _source(request, pk)
    events = source_events(source)
    form = AttachForm(request.POST, events=events)
    if form.is_valid():
        try:
            added = source_events_attach(
                source=source, day=form.cleaned_data["day"],
                action_ids=form.cleaned_data["events"], by=request.user,
            )  # fmt: skip
        except RuleBroken as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("%(count)s events added to %(day)s.")
                % {"count": added, "day": form.cleaned_data["day"].title},
            )
        return redirect("exchange:source", pk=source.pk)
    return render(
        request,
        "exchange/sources/detail.html",
        {"source": source, "events": events, "attach": form},
        status=400,
    )


@require_POST
def origin_rsvp(request: HttpRequest, pk: int) -> HttpResponse:
    """An RSVP for an imported event, sent on to the origin's record attendance helper."""
    from coalition.outbox import outbox_add
    from exchange.tasks import rsvp_forward

    action: Action = get_object_or_404(actions_visible_to(request.user), pk=pk)
    if not action.origin_rsvp_url or action.status != "planned":
        raise Http404
    form = OriginRsvpForm(request.POST)
    if not form.is_valid():
        return HttpResponse(
            _("Give your first name and a valid email address."), status=400,
            content_type="text/plain; charset=utf-8",
        )  # fmt: skip
    outbox_add(rsvp_forward, action_id=action.pk, **form.cleaned_data)
    messages.success(
        request,
        _("Thank you: your RSVP is sent to %(origin)s, who run this event.")
        % {"origin": action.origin_name},
    )
    return redirect("actions:detail", pk=action.pk)


urlpatterns = [
    path("sources/", source_list, name="sources"),
    path("sources/new/", source_new, name="source_new"),
    path("sources/<int:pk>/", source_detail, name="source"),
    path("sources/<int:pk>/sync/", source_sync, name="source_sync"),
    path("sources/<int:pk>/attach/", source_attach, name="source_attach"),
    path("sources/<int:pk>/figures/", source_figures, name="source_figures"),
    path("sources/<int:pk>/rule/", source_rule, name="source_rule"),
    path("sources/rsvp/<int:pk>/", origin_rsvp, name="origin_rsvp"),
]

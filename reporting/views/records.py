"""Wins and climate signals: their lists, and the forms that record and correct them."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from coalition.errors import RuleBroken
from coalition.permissions import permission_required
from coalition.responses import form_status
from reporting import selectors_records as selectors
from reporting.forms_records import RecordFilterForm, SignalForm, WinForm
from reporting.models import ClimateSignal, Win
from reporting.services.records import signal_save, win_save

TEMPLATES = "reporting/records/"


def _add_rule_error(form: forms.Form, error: RuleBroken) -> None:
    """Show a broken rule on the field it concerns, or on the form as a whole."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _list(request: HttpRequest, page_of, template: str) -> HttpResponse:
    form = RecordFilterForm(request.GET or None)
    filters = form.filters()
    page = page_of(page_number=request.GET.get("page", 1), **filters)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        TEMPLATES + template,
        {
            "page": page,
            "filter_form": form,
            "filtered": bool(filters),
            "querystring": query.urlencode(),
        },
    )


# --- Wins -----------------------------------------------------------------


@permission_required("see_dashboard")
@require_safe
def wins(request: HttpRequest) -> HttpResponse:
    return _list(request, selectors.wins_page, "wins.html")


def _win_form(request: HttpRequest, win: Win | None) -> WinForm:
    keep_days: list[int] = []
    keep_actions: list[int] = []
    initial = None
    if win is not None:
        keep_days = list(win.days_of_action.values_list("pk", flat=True))
        keep_actions = list(win.actions.values_list("pk", flat=True))
        initial = {
            "title": win.title,
            "won_on": win.won_on,
            "place": win.place_id,
            "level": win.level,
            "description": win.description,
            "evidence_url": win.evidence_url,
            "days_of_action": keep_days,
            "actions": keep_actions,
            "shifted_climate": win.shifted_climate,
            "is_public": win.is_public,
        }
    return WinForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        days_queryset=selectors.days_visible(request.user),
        days=selectors.days_for_choice(request.user, keep=keep_days),
        actions_queryset=selectors.actions_visible(request.user),
        actions=selectors.actions_for_choice(request.user, keep=keep_actions),
    )


def _win_page(request: HttpRequest, win: Win | None) -> HttpResponse:
    form = _win_form(request, win)
    if request.method == "POST" and form.is_valid():
        try:
            saved = win_save(by=request.user, win=win, **form.cleaned_data)
        except RuleBroken as error:
            _add_rule_error(form, error)
        else:
            if win is None:
                messages.success(request, _("The win “%(title)s” is recorded.") % {"title": saved})
            else:
                messages.success(request, _("The win “%(title)s” is updated.") % {"title": saved})
            return redirect("reporting:wins")
    return render(
        request,
        TEMPLATES + "win_form.html",
        {"form": form, "win": win},
        status=form_status(request, form),
    )


@permission_required("see_dashboard")
@require_http_methods(["GET", "HEAD", "POST"])
def win_new(request: HttpRequest) -> HttpResponse:
    return _win_page(request, None)


@permission_required("see_dashboard")
@require_http_methods(["GET", "HEAD", "POST"])
def win_edit(request: HttpRequest, pk: int) -> HttpResponse:
    win = selectors.win_get(pk)
    if win is None:
        raise Http404
    return _win_page(request, win)


# --- Climate signals --------------------------------------------------------


@permission_required("see_dashboard")
@require_safe
def signals(request: HttpRequest) -> HttpResponse:
    return _list(request, selectors.signals_page, "signals.html")


def _signal_page(request: HttpRequest, signal: ClimateSignal | None) -> HttpResponse:
    keep = [signal.day_of_action_id] if signal is not None and signal.day_of_action_id else []
    initial = None
    if signal is not None:
        initial = {
            "kind": signal.kind,
            "source": signal.source,
            "said_on": signal.said_on,
            "stance": signal.stance,
            "url": signal.url,
            "summary": signal.summary,
            "place": signal.place_id,
            "day_of_action": signal.day_of_action_id,
        }
    form = SignalForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        days_queryset=selectors.days_visible(request.user),
        days=selectors.days_for_choice(request.user, keep=keep),
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = signal_save(by=request.user, signal=signal, **form.cleaned_data)
        except RuleBroken as error:
            _add_rule_error(form, error)
        else:
            if signal is None:
                text = _("The climate signal from %(source)s is recorded.")
            else:
                text = _("The climate signal from %(source)s is updated.")
            messages.success(request, text % {"source": saved.source})
            return redirect("reporting:signals")
    return render(
        request,
        TEMPLATES + "signal_form.html",
        {"form": form, "signal": signal},
        status=form_status(request, form),
    )


@permission_required("see_dashboard")
@require_http_methods(["GET", "HEAD", "POST"])
def signal_new(request: HttpRequest) -> HttpResponse:
    return _signal_page(request, None)


@permission_required("see_dashboard")
@require_http_methods(["GET", "HEAD", "POST"])
def signal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    signal = selectors.signal_get(pk)
    if signal is None:
        raise Http404
    return _signal_page(request, signal)


urlpatterns = [
    path("dashboard/wins/", wins, name="wins"),
    path("dashboard/wins/new/", win_new, name="win_new"),
    path("dashboard/wins/<int:pk>/edit/", win_edit, name="win_edit"),
    path("dashboard/signals/", signals, name="signals"),
    path("dashboard/signals/new/", signal_new, name="signal_new"),
    path("dashboard/signals/<int:pk>/edit/", signal_edit, name="signal_edit"),
]

"""First run: /setup/ leads whoever holds the setup link through five short steps; then the
steward's next steps at /network/next-steps/."""

from __future__ import annotations

import functools
import zoneinfo

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, password_validation
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from coalition import next_steps
from coalition.admin_access import has_totp
from coalition.errors import RuleBroken
from coalition.forms import StatementDraftForm
from coalition.models import Coalition, SetupToken
from coalition.permissions import permission_required
from coalition.responses import form_status
from coalition.selectors import privacy_policy_starting_text, setup_needed, setup_token_usable
from coalition.services import (
    coalition_details_change,
    coalition_details_save,
    coalition_setup_complete,
    places_create_from_outline,
    setup_policy_publish,
    statement_draft_create,
    steward_create,
)

SESSION_KEY = "coalition_setup"
STEPS = ("coalition", "steward", "statement", "places", "policy")


class CoalitionForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name of the coalition"), max_length=120)
    cause = forms.CharField(
        label=gettext_lazy("Its cause"),
        max_length=240,
        help_text=gettext_lazy("One sentence people remember."),
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Default language"),
        choices=settings.LANGUAGES,
        help_text=gettext_lazy("For pages and email, until a person chooses their own."),
    )
    time_zone = forms.CharField(
        label=gettext_lazy("Time zone"),
        max_length=64,
        help_text=gettext_lazy(
            "Where days of action and reminders are counted, e.g. Europe/Paris."
        ),
        widget=forms.TextInput(attrs={"list": "time-zones", "autocomplete": "off"}),
    )


class StewardForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Your name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=gettext_lazy("Your email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label=gettext_lazy("Password"),
        max_length=128,
        strip=False,
        # The same rules as every other password of the app (AUTH_PASSWORD_VALIDATORS).
        help_text=lazy(password_validation.password_validators_help_text_html, str)(),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class PlacesForm(forms.Form):
    outline = forms.CharField(
        label=gettext_lazy("Places"),
        required=False,
        max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=gettext_lazy(
            "One place per line; indent a place under the one it sits in. A kind may follow "
            "in brackets: “Port Maren (city)”."
        ),
    )


class PolicyForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Privacy policy"),
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 20}),
        help_text=gettext_lazy("Read it, change what is not true of your coalition, then publish."),
    )


@functools.cache
def _time_zones() -> list[str]:
    return sorted(zoneinfo.available_timezones())


def _add_problem(form: forms.Form, problem: RuleBroken) -> None:
    form.add_error(problem.field if problem.field in form.fields else None, problem.message)


def _flow(request: HttpRequest) -> dict | None:
    """The session's place in the flow, if it holds a setup link that still works."""
    state = request.session.get(SESSION_KEY)
    if not isinstance(state, dict) or state.get("step") not in STEPS:
        return None
    if not setup_token_usable(state.get("token", "")):
        return None
    if STEPS.index(state["step"]) > STEPS.index("steward") and (
        request.user.pk is None or request.user.pk != state.get("steward")
    ):
        return None
    return state


def _advance(request: HttpRequest, state: dict, **changes) -> HttpResponse:
    state = {**state, **changes}
    state["step"] = STEPS[STEPS.index(state["step"]) + 1]
    request.session[SESSION_KEY] = state
    return redirect("setup")


@never_cache
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """404 to anyone without a working setup link, and forever once setup is done."""
    token = request.GET.get("token")
    if token is not None:
        digest = SetupToken.digest(token)
        state = request.session.get(SESSION_KEY)
        following = isinstance(state, dict) and state.get("token") == digest
        if not setup_token_usable(digest) or not (following or setup_needed()):
            raise Http404
        if not following:
            request.session[SESSION_KEY] = {"token": digest, "step": STEPS[0]}
        # The link's token leaves the address bar (and the browser history) at once.
        return redirect("setup")
    state = _flow(request)
    if state is None:
        raise Http404
    step = state["step"]
    if request.method == "POST" and request.POST.get("step") != step:
        # A form from an earlier step (the back button): show the current one.
        return redirect("setup")
    handler = {
        "coalition": _step_coalition,
        "steward": _step_steward,
        "statement": _step_statement,
        "places": _step_places,
        "policy": _step_policy,
    }[step]
    result = handler(request, state)
    if isinstance(result, HttpResponse):
        return result
    form, extra = result
    return render(
        request,
        "coalition/setup/step.html",
        {
            "form": form,
            "step": step,
            "number": STEPS.index(step) + 1,
            "total": len(STEPS),
            **extra,
        },
        status=form_status(request, form),
    )


def _step_coalition(request, state):
    if request.method == "POST":
        form = CoalitionForm(request.POST)
        if form.is_valid():
            try:
                coalition_details_save(**form.cleaned_data)
            except RuleBroken as problem:
                _add_problem(form, problem)
            else:
                return _advance(request, state)
    else:
        existing = Coalition.objects.filter(pk=1).first()
        initial = {"language": request.LANGUAGE_CODE, "time_zone": settings.TIME_ZONE}
        if existing is not None:
            initial = {f: getattr(existing, f) for f in ("name", "cause", "language", "time_zone")}
        form = CoalitionForm(initial=initial)
    return form, {
        "title": _("Your coalition"),
        "intro": _("What the network is called and what it stands for. All of it stays editable."),
        "submit": _("Next: your account"),
        "time_zones": _time_zones(),
    }


def _step_steward(request, state):
    if request.method == "POST":
        form = StewardForm(request.POST)
        if form.is_valid():
            try:
                person = steward_create(**form.cleaned_data)
            except RuleBroken as problem:
                _add_problem(form, problem)
            else:
                login(request, person, backend="django.contrib.auth.backends.ModelBackend")
                return _advance(request, state, steward=person.pk)
    else:
        form = StewardForm()
    return form, {
        "title": _("Your account"),
        "intro": _(
            "You become the network's first steward: you give roles to others and "
            "look after the network's frame."
        ),
        "submit": _("Next: the unity statement"),
    }


def _step_statement(request, state):
    if request.method == "POST":
        form = StatementDraftForm(request.POST)
        if form.is_valid():
            try:
                statement_draft_create(**form.cleaned_data, by=request.user)
            except RuleBroken as problem:
                _add_problem(form, problem)
            else:
                return _advance(request, state)
    else:
        form = StatementDraftForm()
    return form, {
        "title": _("The unity statement"),
        "intro": _(
            "What every member group signs: short and broad. It is saved as a draft; "
            "you publish it once the founding groups agree."
        ),
        "submit": _("Save the draft and go on"),
    }


def _step_places(request, state):
    if request.method == "POST":
        if request.POST.get("skip"):
            return _advance(request, state)
        form = PlacesForm(request.POST)
        if form.is_valid():
            try:
                if form.cleaned_data["outline"].strip():
                    places_create_from_outline(text=form.cleaned_data["outline"])
            except RuleBroken as problem:
                _add_problem(form, problem)
            else:
                return _advance(request, state)
    else:
        form = PlacesForm()
    return form, {
        "title": _("Places"),
        "intro": _(
            "Where the network acts, largest first. You can skip this and add places later."
        ),
        "submit": _("Add the places and go on"),
        "skippable": True,
    }


def _step_policy(request, state):
    if request.method == "POST":
        form = PolicyForm(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    setup_policy_publish(text=form.cleaned_data["text"], by=request.user)
                    coalition_setup_complete(by=request.user)
            except RuleBroken as problem:
                _add_problem(form, problem)
            else:
                request.session.pop(SESSION_KEY, None)
                messages.success(request, _("Your coalition is set up. Here is what comes next."))
                return redirect("network_next_steps")
    else:
        coalition = Coalition.objects.filter(pk=1).first()
        form = PolicyForm(
            initial={
                "text": privacy_policy_starting_text(
                    language=coalition.language if coalition else settings.LANGUAGE_CODE,
                    coalition_name=coalition.name if coalition else "",
                )
            }
        )
    return form, {
        "title": _("Privacy policy"),
        "intro": _(
            "What the network gathers about people, why, who sees it, and their rights. "
            "Everyone is asked to agree to it."
        ),
        "submit": _("Publish the policy and finish"),
    }


@require_safe
@permission_required("manage_roles")
def next_steps_page(request: HttpRequest) -> HttpResponse:
    # Setup never blocks on two-factor; this page is where the steward is asked for it.
    return render(
        request,
        "coalition/next_steps.html",
        {"steps": next_steps.steps(), "two_factor_missing": not has_totp(request.user)},
    )


@require_http_methods(["GET", "POST"])
@permission_required("manage_roles")
def coalition_details(request: HttpRequest) -> HttpResponse:
    """Stewards change what setup asked first: name, cause, language, time zone."""
    existing = Coalition.objects.filter(pk=1).first()
    if request.method == "POST":
        form = CoalitionForm(request.POST)
        if form.is_valid():
            try:
                coalition_details_change(**form.cleaned_data, by=request.user)
            except RuleBroken as problem:
                _add_problem(form, problem)
            else:
                messages.success(request, _("The coalition's details are saved."))
                return redirect("network_coalition")
    else:
        fields = ("name", "cause", "language", "time_zone")
        form = CoalitionForm(
            initial={f: getattr(existing, f) for f in fields}
            if existing is not None
            else {"language": settings.LANGUAGE_CODE, "time_zone": settings.TIME_ZONE}
        )
    return render(
        request,
        "coalition/coalition_details.html",
        {"form": form, "time_zones": _time_zones()},
        status=form_status(request, form),
    )


urlpatterns = [
    path("setup/", setup, name="setup"),
    path("network/coalition/", coalition_details, name="network_coalition"),
    path("network/next-steps/", next_steps_page, name="network_next_steps"),
]

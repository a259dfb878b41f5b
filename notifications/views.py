"""Pages of the notification centre: /me/notifications/, its settings, and one-click unsubscribe."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from coalition.errors import RuleBroken
from coalition.forms import id_from
from notifications import selectors, services
from notifications.models import Delivery

app_name = "notifications"


@login_required
@require_http_methods(["GET", "HEAD"])
def inbox(request: HttpRequest) -> HttpResponse:
    before = id_from(request.GET.get("before", "")) if request.GET.get("before") else None
    if request.GET.get("before") and before is None:
        return render(
            request,
            "notifications/inbox.html",
            {"items": [], "next_key": None, "problem": _("That page does not exist.")},
            status=400,
        )
    items, next_key = selectors.inbox_for(request.user, before=before)
    return render(request, "notifications/inbox.html", {"items": items, "next_key": next_key})


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    if request.POST.get("all"):
        count = services.notifications_read_all(person=request.user)
        messages.success(request, _("%(count)s marked as read.") % {"count": count})
        return redirect("notifications:inbox")
    pk = id_from(request.POST.get("notification", ""))
    if pk is None:
        messages.error(request, _("Choose a notification to mark as read."))
        return render(
            request,
            "notifications/inbox.html",
            {"items": selectors.inbox_for(request.user)[0], "next_key": None},
            status=400,
        )
    services.notification_read(person=request.user, notification_id=pk)
    return redirect("notifications:inbox")


class ChoicesForm(forms.Form):
    def __init__(self, *args, kinds, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for kind, current in kinds:
            # Not required: a kind missing from the POST (a page loaded before
            # an app registered it) keeps its current choice.
            self.fields[kind.name] = forms.ChoiceField(
                label=kind.label, choices=Delivery.choices, initial=current, required=False
            )

    def chosen(self) -> dict[str, str]:
        return {name: value for name, value in self.cleaned_data.items() if value}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def choices(request: HttpRequest) -> HttpResponse:
    kinds = selectors.kinds_for(request.user)
    form = ChoicesForm(request.POST or None, kinds=kinds)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.notification_choices_set(person=request.user, choices=form.chosen())
            except RuleBroken as problem:
                form.add_error(None, problem.message)
            else:
                messages.success(request, _("Your choices are saved."))
                return redirect("notifications:settings")
        status = 400
    return render(request, "notifications/settings.html", {"form": form}, status=status)


@csrf_exempt  # RFC 8058: mail clients POST here without a session or a CSRF token.
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks to confirm (link checkers must not unsubscribe anyone); POST does it.

    POST answers the page itself, never a redirect (RFC 8058).
    """
    try:
        if request.method == "POST":
            person, kinds = services.notifications_unsubscribe(token=token)
            done = True
        else:
            person, kinds = services.unsubscribe_target(token)
            done = False
    except RuleBroken as problem:
        return render(
            request, "notifications/unsubscribe.html", {"problem": problem.message}, status=400
        )
    from notifications.registry import KINDS

    return render(
        request,
        "notifications/unsubscribe.html",
        {"done": done, "labels": [KINDS[name].label for name in kinds], "email": person.email},
    )


@csrf_exempt  # RFC 8058, as above.
@require_http_methods(["GET", "HEAD", "POST"])
def address_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """No more email of one kind to this address: hosts' messages and the like (GET asks first)."""
    from notifications import broadcasts

    try:
        if request.method == "POST":
            email, kind = broadcasts.address_unsubscribe(token=token)
            done = True
        else:
            email, kind = broadcasts.address_unsubscribe_target(token)
            done = False
    except RuleBroken as problem:
        return render(
            request, "notifications/unsubscribe.html", {"problem": problem.message}, status=400
        )
    return render(
        request,
        "notifications/unsubscribe.html",
        {
            "done": done,
            "labels": [broadcasts.OPT_OUT_KINDS[kind]],
            "email": email,
            "by_address": True,
        },
    )


urlpatterns = [
    path("me/notifications/", inbox, name="inbox"),
    path("me/notifications/read/", mark_read, name="read"),
    path("me/notifications/settings/", choices, name="settings"),
    path("notifications/unsubscribe/<str:token>/", unsubscribe, name="unsubscribe"),
    path(
        "notifications/unsubscribe-address/<str:token>/",
        address_unsubscribe,
        name="address_unsubscribe",
    ),
]

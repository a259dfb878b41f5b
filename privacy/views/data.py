"""/me/data/: download or erase one's own data; and the same for an address without an
account, through a link emailed to it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from actions.services.participation import TooManyRequests
from coalition.client_ip import client_ip
from coalition.errors import RuleBroken
from privacy.forms import DataRequestForm, EraseForm
from privacy.services import data as services

FORMATS = {
    "json": ("application/json", "json"),
    "zip": ("application/zip", "zip"),
}


def _download(content: bytes, kind: str) -> HttpResponse:
    content_type, extension = FORMATS[kind]
    response = HttpResponse(content, content_type=content_type)
    stamp = timezone.now().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="my-data-{stamp}.{extension}"'
    response["Cache-Control"] = "no-store"
    return response


def _bad_format(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "privacy/bad_request.html",
        {"message": _("Choose JSON or CSV (a ZIP of CSV files).")},
        status=400,
    )


@never_cache
@require_safe
@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "privacy/my_data.html",
        {"erase_form": EraseForm(), "phrase": services.erase_phrase()},
    )


@never_cache
@require_safe
@login_required
def my_data_download(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in FORMATS:
        return _bad_format(request)
    return _download(services.person_export(person=request.user, kind=kind), kind)


@require_POST
@login_required
def my_data_erase(request: HttpRequest) -> HttpResponse:
    form = EraseForm(request.POST)
    if form.is_valid():
        secret = form.cleaned_data["confirm"]
        try:
            services.person_erase(person=request.user, password=secret, phrase=secret)
        except RuleBroken as problem:
            form.add_error("confirm", problem.message)
        else:
            logout(request)
            messages.success(request, _("Your account is erased. Thank you for all you did."))
            return redirect("home")
    return render(
        request,
        "privacy/my_data.html",
        {"erase_form": form, "phrase": services.erase_phrase()},
        status=400,
    )


@require_http_methods(["GET", "POST"])
def data_request(request: HttpRequest) -> HttpResponse:
    """An address that only RSVPed (or was written to) asks for a link to its data."""
    # Bound on every POST, even an empty one, so errors can be added to it.
    form = DataRequestForm(request.POST if request.method == "POST" else None)
    sent = False
    status = 200
    if request.method == "POST":
        try:
            services.data_request_rate_check(ip=client_ip(request))
        except TooManyRequests as problem:
            form.add_error(None, problem.message)
            status = 429
        else:
            if form.is_valid():
                services.data_request_send(email=form.cleaned_data["email"])
                sent = True
            else:
                status = 400
    return render(request, "privacy/data_request.html", {"form": form, "sent": sent}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def address_data(request: HttpRequest, token: str) -> HttpResponse:
    """The page the emailed link opens: download or erase what is tied to the address."""
    try:
        email = services.address_from_token(token)
    except RuleBroken as problem:
        return render(request, "privacy/bad_request.html", {"message": problem.message}, status=400)
    if request.method == "POST":
        if request.POST.get("erase") != "yes":
            return render(
                request,
                "privacy/bad_request.html",
                {"message": _("Tick the box to confirm the erasure.")},
                status=400,
            )
        counts = services.address_erase(email=email)
        return render(request, "privacy/address_erased.html", {"rows": sum(counts.values())})
    kind = request.GET.get("format", "")
    if kind:
        if kind not in FORMATS:
            return _bad_format(request)
        return _download(services.address_export(email=email, kind=kind), kind)
    data = services.address_data(email)
    return render(
        request,
        "privacy/address_data.html",
        {"kinds": {name: len(rows) for name, rows in data.items()}, "token": token},
    )


urlpatterns = [
    path("me/data/", my_data, name="my_data"),
    path("me/data/download.json", my_data_download, {"kind": "json"}, name="my_data_json"),
    path("me/data/download.zip", my_data_download, {"kind": "zip"}, name="my_data_zip"),
    path("me/data/erase/", my_data_erase, name="my_data_erase"),
    path("me/data/request/", data_request, name="data_request"),
    path("me/data/address/<str:token>/", address_data, name="address_data"),
]

"""``/me/tokens/``: a person creates and revokes their own API tokens."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from api.selectors_tokens import token_of, tokens_of
from api.services.tokens import NAME_MAX, token_create, token_revoke
from coalition.errors import RuleBroken


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=NAME_MAX,
        help_text=gettext_lazy("What the token is for, e.g. 'our CRM sync'."),
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST if request.method == "POST" else None)
    new_key = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _token, new_key = token_create(person=request.user, name=form.cleaned_data["name"])
            except RuleBroken as problem:
                form.add_error("name" if problem.field == "name" else None, problem.message)
            else:
                # The key is shown on this answer only; it is not stored anywhere.
                form = TokenForm()
        if new_key is None:
            status = 400
    return render(
        request,
        "api/tokens.html",
        {"form": form, "tokens": tokens_of(request.user), "new_key": new_key},
        status=status,
    )


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    token = token_of(request.user, pk)
    if token is None:
        raise Http404
    token_revoke(person=request.user, token=token)
    messages.success(request, _("The token is revoked: it no longer opens the API."))
    return redirect("api:tokens")


urlpatterns = [
    path("me/tokens/", tokens, name="tokens"),
    path("me/tokens/<int:pk>/revoke/", token_revoke_view, name="token_revoke"),
]

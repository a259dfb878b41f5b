"""The page that asks a logged-in person to agree to a new version of the privacy policy."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from coalition.errors import RuleBroken
from coalition.selectors import privacy_policy_current
from privacy.models import ConsentRecord, PolicyNotes
from privacy.services import consent
from privacy.services.policies import consent_give


def safe_next(request: HttpRequest) -> str:
    """Where to go back to: a path on this site only, else home."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return "/"


@require_http_methods(["GET", "POST"])
@login_required
def consent_page(request: HttpRequest) -> HttpResponse:
    policy = privacy_policy_current()
    next_url = safe_next(request)
    problem = ""
    if request.method == "POST" and not request.POST.get("agree"):
        problem = _("Agree to the policy, or choose one of the other options below.")
    elif request.method == "POST":
        try:
            consent_give(person=request.user)
        except RuleBroken as error:
            problem = error.message
        else:
            consent.session_remember(
                request.session, current=consent.current_policy_number(), ask=False
            )
            return redirect(next_url)
    previous = (
        ConsentRecord.objects.filter(person=request.user)
        .select_related("policy")
        .order_by("-policy__number")
        .first()
    )
    agreed = policy is not None and previous is not None and previous.policy_id == policy.pk
    notes = PolicyNotes.objects.filter(policy=policy).first() if policy else None
    return render(
        request,
        "privacy/consent.html",
        {
            "policy": policy,
            "notes": notes,
            "previous": previous,
            "agreed": agreed,
            "next": next_url,
            "problem": problem,
        },
        status=400 if problem else 200,
    )


urlpatterns = [path("privacy/consent/", consent_page, name="consent")]

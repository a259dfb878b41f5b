"""Privacy policy versions: stewards and the steering committee draft and publish them."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from coalition.errors import RuleBroken
from coalition.models import PrivacyPolicy
from coalition.permissions import permission_required
from privacy.forms import PolicyDraftForm
from privacy.services.policies import policy_draft_create, policy_publish


@require_http_methods(["GET", "POST"])
@permission_required("publish_privacy_policy")
def policy_versions(request: HttpRequest) -> HttpResponse:
    """Every version of the policy; draft a new one from the current text."""
    versions = list(PrivacyPolicy.objects.select_related("notes").order_by("-number"))
    current = next((v for v in versions if v.published_at), None)
    status = 200
    if request.method == "POST":
        form = PolicyDraftForm(request.POST)
        if form.is_valid():
            try:
                policy_draft_create(
                    text=form.cleaned_data["text"],
                    changes=form.cleaned_data["changes"],
                    by=request.user,
                )
            except RuleBroken as problem:
                form.add_error(
                    problem.field if problem.field in form.fields else None, problem.message
                )
            else:
                messages.success(request, _("Draft saved. Publish it when it is ready."))
                return redirect("privacy:policy_versions")
        status = 400
    else:
        form = PolicyDraftForm(initial={"text": current.text} if current else None)
    return render(
        request,
        "privacy/policy_versions.html",
        {"versions": versions, "current": current, "form": form},
        status=status,
    )


@require_POST
@permission_required("publish_privacy_policy")
def policy_version_publish(request: HttpRequest, number: int) -> HttpResponse:
    policy = get_object_or_404(PrivacyPolicy, number=number)
    try:
        policy_publish(policy=policy, by=request.user)
    except RuleBroken as problem:
        messages.error(request, problem.message)
    else:
        messages.success(
            request,
            _("Version %(number)s is now the privacy policy. People are asked to agree to it.")
            % {"number": policy.number},
        )
    return redirect("privacy:policy_versions")


urlpatterns = [
    path("privacy/versions/", policy_versions, name="policy_versions"),
    path(
        "privacy/versions/<int:number>/publish/",
        policy_version_publish,
        name="policy_version_publish",
    ),
]

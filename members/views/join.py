"""A group joins the network; invitation links land here too."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from coalition.errors import RuleBroken
from coalition.selectors import privacy_policy_current, statement_current
from members.forms import JoinForm
from members.models import InvitationKind
from members.services.invitations import invitation_for_token, invitation_redeem
from members.services.joining import (
    DuplicateSuspected,
    GroupDetails,
    duplicates_shown_to,
    group_join,
)


def _invitation_or_none(token: str):
    if not token:
        return None, None
    try:
        return invitation_for_token(token), None
    except RuleBroken as problem:
        return None, problem.message


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    token = request.POST.get("invitation") or request.GET.get("invitation", "")
    invitation, invitation_problem = _invitation_or_none(token)
    if invitation is not None and invitation.kind != InvitationKind.GROUP:
        invitation, invitation_problem = None, _("This link invites a person, not a group.")
    version = statement_current()
    duplicates = []
    duplicates_unnamed = False
    status = 200
    if invitation_problem:
        status = 410

    policy = privacy_policy_current()
    if request.method == "POST" and version is not None and not invitation_problem:
        form = JoinForm(request.POST, person=request.user, privacy_policy=policy)
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = group_join(
                    details=GroupDetails(
                        name=data["name"],
                        kind=data["kind"],
                        place=data["place"],
                        description=data["description"],
                        website=data["website"],
                        listing_consent=data["listing_consent"],
                    ),
                    person=request.user if request.user.is_authenticated else None,
                    contact_name=data.get("contact_name", ""),
                    contact_email=data.get("contact_email", ""),
                    password=data.get("password", ""),
                    agreed=all(
                        data.get(f, True)
                        for f in ("agree_statement", "agree_principles", "agree_privacy")
                    ),
                    privacy_policy=policy,
                    not_duplicate=data["not_duplicate"],
                    invitation=invitation,
                    request=request,
                )
            except DuplicateSuspected as problem:
                duplicates, duplicates_unnamed = duplicates_shown_to(request.user, problem.matches)
                form.add_error(None, problem.message)
            except RuleBroken as problem:
                field = problem.field if problem.field in form.fields else None
                form.add_error(field, problem.message)
            else:
                # Set even when the address already had an account (nothing was
                # made): a session cookie only for new joins would give it away.
                request.session["joined_group"] = result.group.pk if result.group else None
                if result.needs_verification:
                    return redirect(reverse("members:join_done") + "?verify=1")
                messages.success(
                    request,
                    _("%(group)s has signed the statement. Welcome to the network!")
                    % {"group": result.group.name},
                )
                return redirect("members:group", slug=result.group.slug)
        status = 400
    else:
        initial = {}
        if invitation is not None:
            group = invitation.group
            initial = {
                "name": group.name,
                "kind": group.kind,
                "place": group.place_id,
                "description": group.description,
                "website": group.website,
                "contact_name": invitation.name or group.contact_name,
                "contact_email": invitation.email,
            }
        form = JoinForm(initial=initial, person=request.user, privacy_policy=policy)

    return render(
        request,
        "members/join.html",
        {
            "form": form,
            "version": version,
            "privacy_policy": policy,
            "invitation": invitation,
            "invitation_token": token if invitation else "",
            "invitation_problem": invitation_problem,
            "duplicates": duplicates,
            "duplicates_unnamed": duplicates_unnamed,
        },
        status=status,
    )


@require_safe
def join_done(request: HttpRequest) -> HttpResponse:
    return render(request, "members/join_done.html", {"verify": request.GET.get("verify") == "1"})


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link in an invitation email: groups go on to /join/, people accept and join."""
    found, problem = _invitation_or_none(token)
    if problem:
        return render(request, "members/invitation.html", {"problem": problem}, status=410)
    if found.kind == InvitationKind.GROUP:
        return redirect(reverse("members:join") + f"?invitation={token}")
    if not request.user.is_authenticated:
        return render(request, "members/invitation.html", {"invitation": found, "token": token})
    if request.method == "POST":
        if request.user.email.lower() != found.email.lower():
            messages.error(
                request,
                _("This invitation was sent to %(email)s. Log in with that address to accept it.")
                % {"email": found.email},
            )
            return redirect("members:invitation", token=token)
        try:
            invitation_redeem(invitation=found, person=request.user)
        except RuleBroken as broken:
            return render(
                request, "members/invitation.html", {"problem": broken.message}, status=410
            )
        messages.success(
            request, _("You are now a member of %(group)s.") % {"group": found.group.name}
        )
        return redirect("members:group", slug=found.group.slug)
    return render(request, "members/invitation.html", {"invitation": found, "token": token})


urlpatterns = [
    path("join/", join, name="join"),
    path("join/done/", join_done, name="join_done"),
    path("invitations/<str:token>/", invitation, name="invitation"),
]

"""Group pages: the public face, members and invitations, signing, my groups, new prospects."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from coalition.errors import RuleBroken
from coalition.permissions import (
    can_act_for_group,
    can_manage_group,
    can_see_group_members,
    permission_required,
)
from coalition.selectors import privacy_policy_current, statement_current
from members.forms import (
    GroupDetailsForm,
    GroupEditForm,
    GroupInviteForm,
    MemberInviteForm,
    MemberRoleForm,
    SignForm,
)
from members.models import Group, InvitationKind, Membership, Signature
from members.panels import group_panels
from members.selectors import group_members, group_public, my_groups
from members.services.groups import group_create, membership_remove, membership_set_role
from members.services.invitations import invitation_create
from members.services.signatures import signature_create


def _group_for(request: HttpRequest, slug: str, allowed) -> Group:
    """The group if ``allowed``; 403 if the person may know it exists, 404 if not."""
    group = group_public(slug, request.user)
    if group is None:
        raise Http404
    if not allowed(request.user, group):
        raise PermissionDenied
    return group


@require_safe
def group_page(request: HttpRequest, slug: str) -> HttpResponse:
    group = group_public(slug, request.user)
    if group is None:
        raise Http404
    sees_members = can_see_group_members(request.user, group)
    can_act = can_act_for_group(request.user, group)
    return render(
        request,
        "members/group.html",
        {
            "group": group,
            "members": list(group_members(group)) if sees_members else None,
            "can_manage": can_manage_group(request.user, group),
            "can_act": can_act,
            # Only the people who sign for the group are told a version awaits it.
            "current": statement_current() if can_act else None,
            "panels": group_panels(request, group),
        },
    )


@require_http_methods(["GET", "POST"])
def group_manage_members(request: HttpRequest, slug: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    group = _group_for(request, slug, can_manage_group)
    invite_form = MemberInviteForm()
    status = 200
    if request.method == "POST":
        invite_form = MemberInviteForm(request.POST)
        if invite_form.is_valid():
            try:
                invitation_create(
                    kind=InvitationKind.MEMBER,
                    group=group,
                    email=invite_form.cleaned_data["email"],
                    name=invite_form.cleaned_data["name"],
                    role=invite_form.cleaned_data["role"],
                    by=request.user,
                    base_url=settings.SITE_URL,
                )
            except RuleBroken as problem:
                invite_form.add_error("email", problem.message)
            else:
                messages.success(
                    request,
                    _("Invitation sent to %(email)s.")
                    % {"email": invite_form.cleaned_data["email"]},
                )
                return redirect("members:group_members", slug=group.slug)
        status = 400
    return render(
        request,
        "members/group_members.html",
        {
            "group": group,
            "members": group_members(group),
            "pending": group.invitations.filter(
                kind=InvitationKind.MEMBER, used_at__isnull=True
            ).order_by("-created_at")[:50],
            "invite_form": invite_form,
            "role_form": MemberRoleForm(),
        },
        status=status,
    )


@require_POST
@login_required
def group_member_update(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    group = _group_for(request, slug, can_manage_group)
    membership = get_object_or_404(Membership, pk=membership_id, group=group)
    try:
        if request.POST.get("remove"):
            membership_remove(membership=membership, by=request.user)
            messages.success(
                request, _("%(person)s left the group.") % {"person": membership.person}
            )
        else:
            form = MemberRoleForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Choose a role from the list."))
                return redirect("members:group_members", slug=group.slug)
            membership_set_role(
                membership=membership, role=form.cleaned_data["role"], by=request.user
            )
            messages.success(request, _("Role changed."))
    except RuleBroken as problem:
        messages.error(request, problem.message)
    return redirect("members:group_members", slug=group.slug)


@require_http_methods(["GET", "POST"])
@login_required
def group_edit(request: HttpRequest, slug: str) -> HttpResponse:
    group = _group_for(request, slug, can_manage_group)
    form = GroupEditForm(request.POST if request.method == "POST" else None, instance=group)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("Saved."))
            return redirect("members:group", slug=group.slug)
        return render(
            request, "members/group_edit.html", {"group": group, "form": form}, status=400
        )
    return render(request, "members/group_edit.html", {"group": group, "form": form})


@require_http_methods(["GET", "POST"])
@login_required
def group_sign(request: HttpRequest, slug: str) -> HttpResponse:
    group = _group_for(request, slug, can_act_for_group)
    version = statement_current()
    if version is None:
        raise Http404
    already = Signature.objects.filter(group=group, version=version).first()
    policy = privacy_policy_current()
    form = SignForm(initial={"listing_consent": group.listing_consent}, privacy_policy=policy)
    status = 200
    if request.method == "POST" and already is None:
        form = SignForm(request.POST, privacy_policy=policy)
        if form.is_valid():
            try:
                signature = signature_create(
                    group=group,
                    person=request.user,
                    version=version,
                    listing_consent=form.cleaned_data["listing_consent"],
                    # Consent only to the version shown and ticked; none when none is published.
                    privacy_policy=policy,
                )
            except RuleBroken as problem:
                form.add_error(None, problem.message)
            else:
                if signature.confirmed_at:
                    messages.success(request, _("%(group)s has signed.") % {"group": group.name})
                else:
                    messages.info(
                        request, _("Verify your email address and the signature will count.")
                    )
                return redirect("members:group", slug=group.slug)
        status = 400
    elif request.method == "POST":
        status = 400  # signed already: the page says so, and nothing is signed twice
    return render(
        request,
        "members/group_sign.html",
        {"group": group, "version": version, "form": form, "already": already},
        status=status,
    )


@require_safe
@login_required
def my_groups_page(request: HttpRequest) -> HttpResponse:
    return render(request, "members/my_groups.html", {"groups": my_groups(request.user)})


@require_http_methods(["GET", "POST"])
@permission_required("weave")
def prospect_new(request: HttpRequest) -> HttpResponse:
    """A weaver adds a prospect group and, if they have an address, invites it."""
    # The contact's fields get a prefix: both forms have a "name".
    form = GroupDetailsForm()
    invite_form = GroupInviteForm(prefix="contact")
    status = 200
    if request.method == "POST":
        form = GroupDetailsForm(request.POST)
        invite_form = GroupInviteForm(request.POST, prefix="contact")
        if form.is_valid() and invite_form.is_valid():
            data = form.cleaned_data
            try:
                group = group_create(
                    name=data["name"],
                    kind=data["kind"],
                    place=data["place"],
                    description=data["description"],
                    website=data["website"],
                    listing_consent=False,
                    contact_name=invite_form.cleaned_data["name"],
                    contact_email=invite_form.cleaned_data["email"],
                    created_by=request.user,
                    reason=_("Added by a weaver"),
                )
                if request.POST.get("send_invitation"):
                    invitation_create(
                        kind=InvitationKind.GROUP,
                        group=group,
                        email=invite_form.cleaned_data["email"],
                        name=invite_form.cleaned_data["name"],
                        by=request.user,
                        base_url=settings.SITE_URL,
                    )
            except RuleBroken as problem:
                form.add_error(None, problem.message)
            else:
                messages.success(request, _("%(group)s added.") % {"group": group.name})
                return redirect("members:weave")
        status = 400
    return render(
        request,
        "members/prospect_new.html",
        {"form": form, "invite_form": invite_form},
        status=status,
    )


@require_POST
@permission_required("weave")
def group_invite(request: HttpRequest, slug: str) -> HttpResponse:
    """A weaver (re)sends a prospect group its invitation to join."""
    group = get_object_or_404(Group, slug=slug)
    form = GroupInviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a valid email address for the invitation."))
    else:
        try:
            invitation_create(
                kind=InvitationKind.GROUP,
                group=group,
                email=form.cleaned_data["email"],
                name=form.cleaned_data["name"],
                by=request.user,
                base_url=settings.SITE_URL,
            )
        except RuleBroken as problem:
            messages.error(request, problem.message)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]}
            )
    if _safe_next(request):
        # Not redirect(): it would take a bare word for the name of a URL to reverse.
        return HttpResponseRedirect(request.POST["next"])
    return redirect("members:weave")


def _safe_next(request: HttpRequest) -> bool:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next", "")
    return bool(target) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


urlpatterns = [
    path("me/groups/", my_groups_page, name="my_groups"),
    path("groups/<slug:slug>/", group_page, name="group"),
    path("groups/<slug:slug>/edit/", group_edit, name="group_edit"),
    path("groups/<slug:slug>/members/", group_manage_members, name="group_members"),
    path(
        "groups/<slug:slug>/members/<int:membership_id>/",
        group_member_update,
        name="group_member_update",
    ),
    path("groups/<slug:slug>/sign/", group_sign, name="group_sign"),
    path("weave/prospects/new/", prospect_new, name="prospect_new"),
    path("weave/groups/<slug:slug>/invite/", group_invite, name="group_invite"),
]

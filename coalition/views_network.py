"""The network's frame kept in the app: people and their roles (stewards), places (stewards and
the steering committee), and the link that accepts an invitation into a role."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_safe

from coalition.errors import RuleBroken
from coalition.forms import (
    PeopleSearchForm,
    RoleChangeForm,
    RoleInvitationAccountForm,
    RoleInvitationWithdrawForm,
    RoleInviteForm,
    id_from,
)
from coalition.forms_places import (
    PlaceCsvForm,
    PlaceDeleteForm,
    PlaceForm,
    PlaceLocationForm,
    PlaceMergeForm,
    PlaceMoveForm,
    PlaceOutlineForm,
    PlaceRenameForm,
)
from coalition.models import Coalition, Place, PlaceImport, Role
from coalition.permissions import check, forget_roles, permission_required
from coalition.responses import form_status
from coalition.selectors import PEOPLE_SHOWN, people_for_roles, place_ancestors, places_page
from coalition.services import (
    CSV_MAX_BYTES,
    InvitationUnusable,
    place_create,
    place_delete,
    place_locate,
    place_merge,
    place_relocate,
    place_rename,
    place_usage,
    places_import_start,
    places_paste,
    role_grant,
    role_invitation_accept,
    role_invitation_accept_new_account,
    role_invitation_create,
    role_invitation_for_token,
    role_invitation_withdraw,
    role_invitations_pending,
    role_revoke,
)


@require_safe
@permission_required("manage_roles")
def roles(request: HttpRequest) -> HttpResponse:
    """The old roles page: roles are given and withdrawn on the people page now."""
    return redirect("network_people", permanent=True)


def _people_url(query: str) -> str:
    url = reverse("network_people")
    return f"{url}?{urlencode({'q': query})}" if query else url


def _role_change(request: HttpRequest, form: RoleChangeForm, action: str) -> str:
    """Give or withdraw the role the form names; the success message. Raises RuleBroken."""
    person, role = form.cleaned_data["person"], form.cleaned_data["role"]
    reason = form.cleaned_data["reason"]
    label = Role(role).label
    if action == "grant":
        role_grant(person=person, role=role, by=request.user, reason=reason)
        return _("%(person)s is now %(role)s.") % {"person": person, "role": label}
    role_revoke(person=person, role=role, by=request.user, reason=reason)
    return _("%(person)s is no longer %(role)s.") % {"person": person, "role": label}


@require_http_methods(["GET", "POST"])
@permission_required("manage_roles")
def people(request: HttpRequest) -> HttpResponse:
    """Find a person, give or withdraw their roles, invite someone new into a role."""
    posted = request.POST if request.method == "POST" else None
    query = ((posted or request.GET).get("q") or "").strip()[:100]
    pending = role_invitations_pending().select_related("invited_by")
    invite_form = RoleInviteForm()
    change_form = None
    problem = None
    if posted is not None:
        action = posted.get("action")
        try:
            if action in {"grant", "revoke"}:
                change_form = RoleChangeForm(posted)
                if change_form.is_valid():
                    messages.success(request, _role_change(request, change_form, action))
                    # A steward who stepped down can no longer open this page.
                    forget_roles(request.user)
                    if not check(request.user, "manage_roles"):
                        return redirect("home")
                    return redirect(_people_url(query))
            elif action == "invite":
                invite_form = RoleInviteForm(posted)
                if invite_form.is_valid():
                    role_invitation_create(**invite_form.cleaned_data, by=request.user)
                    messages.success(
                        request,
                        _("Invitation sent to %(email)s.")
                        % {"email": invite_form.cleaned_data["email"]},
                    )
                    return redirect(_people_url(query))
            elif action == "withdraw_invitation":
                withdraw = RoleInvitationWithdrawForm(posted, pending=pending)
                if withdraw.is_valid():
                    role_invitation_withdraw(
                        invitation=withdraw.cleaned_data["invitation"], by=request.user
                    )
                    messages.success(request, _("Invitation withdrawn: its link no longer works."))
                    return redirect(_people_url(query))
                problem = " ".join(withdraw.errors.get("invitation", []))
            else:
                problem = _("Choose what to do: give a role, withdraw one, or invite someone.")
        except RuleBroken as broken:
            form = invite_form if action == "invite" else change_form
            if form is not None and broken.field in form.fields:
                form.add_error(broken.field, broken.message)
            elif form is not None:
                form.add_error(None, broken.message)
            else:
                problem = broken.message
    found = people_for_roles(query=query)
    status = 400 if problem or form_status(request, invite_form, change_form) == 400 else 200
    return render(
        request,
        "coalition/people.html",
        {
            "query": query,
            "search_form": PeopleSearchForm(initial={"q": query}),
            "people": found[:PEOPLE_SHOWN],
            "more": len(found) > PEOPLE_SHOWN,
            "shown": PEOPLE_SHOWN,
            "roles": Role.choices,
            "change_form": change_form,
            "invite_form": invite_form,
            "pending": pending[:PEOPLE_SHOWN],
            "problem": problem,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link in a role invitation: accept it as the invited account, or make that account."""
    try:
        found = role_invitation_for_token(token)
    except InvitationUnusable as unusable:
        return render(
            request,
            "coalition/role_invitation.html",
            {"problem": unusable.message},
            status=unusable.status,
        )
    context = {"invitation": found, "role": Role(found.role).label}
    user = request.user
    if user.is_authenticated and user.email.lower() != found.email.lower():
        context["problem"] = _(
            "This invitation was sent to %(email)s. Log out, then log in with that address "
            "to accept it."
        ) % {"email": found.email}
        return render(request, "coalition/role_invitation.html", context, status=403)
    has_account = get_user_model().objects.filter(email__iexact=found.email).exists()
    if not user.is_authenticated and has_account:
        return redirect_to_login(request.get_full_path())
    form = (
        None
        if user.is_authenticated
        else RoleInvitationAccountForm(request.POST if request.method == "POST" else None)
    )
    if request.method == "POST":
        try:
            if form is None:
                role_invitation_accept(invitation=found, person=user)
                return _welcome(request, context["role"])
            if form.is_valid():
                user = role_invitation_accept_new_account(
                    invitation=found,
                    name=form.cleaned_data["name"],
                    password=form.cleaned_data["password1"],
                    language=translation.get_language() or "",
                )
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                return _welcome(request, context["role"])
        except InvitationUnusable as unusable:
            context["problem"] = unusable.message
            return render(
                request, "coalition/role_invitation.html", context, status=unusable.status
            )
        except RuleBroken as broken:
            if form is None:
                context["problem"] = broken.message
                return render(request, "coalition/role_invitation.html", context, status=400)
            form.add_error(broken.field if broken.field in form.fields else None, broken.message)
    context["form"] = form
    return render(
        request, "coalition/role_invitation.html", context, status=form_status(request, form)
    )


def _welcome(request: HttpRequest, role: str) -> HttpResponse:
    coalition = Coalition.objects.filter(pk=1).only("name").first()
    messages.success(
        request,
        _("Welcome: you are now %(role)s of %(coalition)s.")
        % {"role": role, "coalition": coalition.name if coalition else settings.COALITION_NAME},
    )
    return redirect("home")


def _form_error(form: forms.Form, problem: RuleBroken) -> None:
    form.add_error(problem.field if problem.field in form.fields else None, problem.message)


def _under(request: HttpRequest) -> Place | None:
    pk = id_from(request.GET.get("under", ""))
    return Place.objects.filter(pk=pk).first() if pk else None


@require_http_methods(["GET", "POST"])
@permission_required("steward")
def places(request: HttpRequest) -> HttpResponse:
    """The place tree, a page at a time, and a form to add one place."""
    form = PlaceForm()
    if request.method == "POST":
        form = PlaceForm(request.POST)
        if form.is_valid():
            try:
                place = place_create(
                    name=form.cleaned_data["name"],
                    kind=form.cleaned_data["kind"],
                    parent=form.cleaned_data["parent"],
                )
            except RuleBroken as problem:
                _form_error(form, problem)
            else:
                messages.success(request, _("%(place)s added.") % {"place": place.name})
                return redirect("network_places")
    name = request.GET.get("q", "").strip()[:120]
    under = _under(request)
    page = places_page(name=name, under=under, page=request.GET.get("page"))
    query = {key: value for key, value in (("q", name), ("under", under and under.pk)) if value}
    return render(
        request,
        "coalition/places.html",
        {
            "page": page,
            "form": form,
            "name": name,
            "under": under,
            "querystring": urlencode(query),
        },
        status=form_status(request, form),
    )


PLACE_FORMS = {
    "rename": PlaceRenameForm,
    "locate": PlaceLocationForm,
    "move": PlaceMoveForm,
    "merge": PlaceMergeForm,
    "delete": PlaceDeleteForm,
}


@require_http_methods(["GET", "POST"])
@permission_required("steward")
def place_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """One place: rename it, move it, merge it into another, or delete it."""
    place = get_object_or_404(Place, pk=pk)
    forms_shown = {
        "rename": PlaceRenameForm(initial={"name": place.name}),
        "locate": PlaceLocationForm(
            initial={name: getattr(place, name) for name in PlaceLocationForm.base_fields}
        ),
        "move": PlaceMoveForm(initial={"parent": place.parent_id}),
        "merge": PlaceMergeForm(),
        "delete": PlaceDeleteForm(),
    }
    status = 200
    if request.method == "POST":
        chosen = request.POST.get("form", "")
        if chosen not in PLACE_FORMS:
            return HttpResponseBadRequest(_("That is not a change to a place."))
        form = forms_shown[chosen] = PLACE_FORMS[chosen](request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if chosen == "rename":
                    place_rename(place=place, name=data["name"], by=request.user)
                    messages.success(request, _("Renamed %(place)s.") % {"place": place.name})
                elif chosen == "locate":
                    place_locate(place=place, by=request.user, **data)
                    messages.success(request, _("Located %(place)s.") % {"place": place.name})
                elif chosen == "move":
                    place_relocate(place=place, parent=data["parent"], by=request.user)
                    messages.success(request, _("Moved %(place)s.") % {"place": place.name})
                elif chosen == "merge":
                    kept = data["into"]
                    place_merge(absorbed=place, kept=kept, by=request.user)
                    messages.success(
                        request,
                        _("%(absorbed)s is merged into %(kept)s.")
                        % {"absorbed": place.name, "kept": kept.name},
                    )
                    return redirect("network_place", pk=kept.pk)
                else:
                    place_delete(place=place, by=request.user)
                    messages.success(request, _("%(place)s deleted.") % {"place": place.name})
                    return redirect("network_places")
            except RuleBroken as problem:
                _form_error(form, problem)
            else:
                return redirect("network_place", pk=place.pk)
        status = 400
    return render(
        request,
        "coalition/place_edit.html",
        {
            "place": place,
            "ancestors": place_ancestors(place),
            "children": Place.objects.filter(parent=place).count(),
            "usage": place_usage(place=place),
            "forms": forms_shown,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@permission_required("steward")
def places_add_many(request: HttpRequest) -> HttpResponse:
    """Many places at once: a pasted indented list, or a CSV file (name, parent, kind)."""
    outline = PlaceOutlineForm(prefix="outline")
    upload = PlaceCsvForm(prefix="csv")
    status = 200
    if request.method == "POST":
        chosen = request.POST.get("form", "")
        if chosen not in {"outline", "csv"}:
            return HttpResponseBadRequest(_("Paste a list or choose a file."))
        if chosen == "outline":
            form = outline = PlaceOutlineForm(request.POST, prefix="outline")
        else:
            form = upload = PlaceCsvForm(request.POST, request.FILES, prefix="csv")
        if form.is_valid():
            try:
                if chosen == "outline":
                    created = places_paste(
                        text=form.cleaned_data["text"],
                        under=form.cleaned_data["under"],
                        by=request.user,
                    )
                else:
                    file = form.cleaned_data["file"]
                    created = places_import_start(
                        content=file.read(CSV_MAX_BYTES + 1),
                        filename=getattr(file, "name", "") or "",
                        by=request.user,
                    )
                    if isinstance(created, PlaceImport):
                        # Too long for the request: a worker imports it, this page follows.
                        return redirect("network_places_import", pk=created.pk)
            except RuleBroken as problem:
                _form_error(form, problem)
            else:
                messages.success(
                    request,
                    ngettext("%(count)d place added.", "%(count)d places added.", len(created))
                    % {"count": len(created)}
                    if created
                    else _("Every place was already there: nothing added."),
                )
                return redirect("network_places")
        status = 400
    return render(
        request,
        "coalition/places_add_many.html",
        {"outline": outline, "upload": upload},
        status=status,
    )


@require_safe
@permission_required("steward")
def places_import(request: HttpRequest, pk: int) -> HttpResponse:
    """A long places file imported by a worker: its state, then how many places it added;
    the page refreshes itself meanwhile."""
    run = get_object_or_404(PlaceImport.objects.defer("content"), pk=pk)
    return render(request, "coalition/places_import.html", {"run": run})


urlpatterns = [
    path("network/people/", people, name="network_people"),
    path("network/invitations/<str:token>/", invitation, name="network_invitation"),
    path("network/roles/", roles, name="network_roles"),
    path("network/places/", places, name="network_places"),
    path("network/places/add-many/", places_add_many, name="network_places_add_many"),
    path("network/places/imports/<int:pk>/", places_import, name="network_places_import"),
    path("network/places/<int:pk>/", place_edit, name="network_place"),
]

"""The network's frame kept in the app by stewards and the steering committee: roles, places."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from coalition.errors import RuleBroken
from coalition.forms import id_from
from coalition.forms_places import (
    PlaceCsvForm,
    PlaceDeleteForm,
    PlaceForm,
    PlaceMergeForm,
    PlaceMoveForm,
    PlaceOutlineForm,
    PlaceRenameForm,
)
from coalition.models import NetworkRole, Place, Role
from coalition.permissions import permission_required
from coalition.responses import form_status
from coalition.selectors import place_ancestors, places_page
from coalition.services import (
    CSV_MAX_BYTES,
    place_create,
    place_delete,
    place_merge,
    place_relocate,
    place_rename,
    place_usage,
    places_import_csv,
    places_paste,
    role_grant,
    role_revoke,
)


class RoleForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Person's email address"), max_length=254)
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices)


@require_http_methods(["GET", "POST"])
@permission_required("steward")
def roles(request: HttpRequest) -> HttpResponse:
    form = RoleForm()
    status = 200
    if request.method == "POST":
        if request.POST.get("revoke"):
            grant_id = id_from(request.POST["revoke"])
            if grant_id is None:
                return HttpResponseBadRequest(_("That is not a role to remove."))
            grant = NetworkRole.objects.filter(pk=grant_id).select_related("person").first()
            if grant is not None:
                if grant.person_id == request.user.pk and grant.role in {
                    Role.STEWARD,
                    Role.STEERING,
                }:
                    messages.error(request, _("Ask another steward to remove your own role."))
                else:
                    role_revoke(person=grant.person, role=grant.role, by=request.user)
                    messages.success(request, _("Role removed."))
            return redirect("network_roles")
        form = RoleForm(request.POST)
        if form.is_valid():
            person = (
                get_user_model().objects.filter(email__iexact=form.cleaned_data["email"]).first()
            )
            if person is None:
                form.add_error("email", _("No account with that address is in the network."))
            else:
                role_grant(person=person, role=form.cleaned_data["role"], by=request.user)
                messages.success(request, _("Role given to %(person)s.") % {"person": person})
                return redirect("network_roles")
        status = 400
    grants = NetworkRole.objects.select_related("person", "granted_by").order_by(
        "role", "person__email"
    )
    return render(request, "coalition/roles.html", {"grants": grants, "form": form}, status=status)


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
                    created = places_import_csv(
                        content=form.cleaned_data["file"].read(CSV_MAX_BYTES + 1),
                        by=request.user,
                    )
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


urlpatterns = [
    path("network/roles/", roles, name="network_roles"),
    path("network/places/", places, name="network_places"),
    path("network/places/add-many/", places_add_many, name="network_places_add_many"),
    path("network/places/<int:pk>/", place_edit, name="network_place"),
]

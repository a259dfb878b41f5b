"""The network's frame kept in the app by stewards and the steering committee: roles, places."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from coalition.errors import RuleBroken
from coalition.forms import IdChoiceField, id_from
from coalition.models import NetworkRole, Place, PlaceKind, Role
from coalition.permissions import permission_required
from coalition.services import place_create, role_grant, role_revoke


class RoleForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Person's email address"), max_length=254)
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices)


class PlaceForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    kind = forms.TypedChoiceField(
        label=gettext_lazy("Kind of place"), choices=PlaceKind.choices, coerce=int
    )
    parent = IdChoiceField(
        label=gettext_lazy("Inside"),
        queryset=Place.objects.order_by("path"),
        required=False,
        empty_label=gettext_lazy("Nowhere: a top-level place"),
    )


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


@require_http_methods(["GET", "POST"])
@permission_required("steward")
def places(request: HttpRequest) -> HttpResponse:
    form = PlaceForm()
    status = 200
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
                form.add_error(
                    problem.field if problem.field in form.fields else None, problem.message
                )
            else:
                messages.success(request, _("%(place)s added.") % {"place": place.name})
                return redirect("network_places")
        status = 400
    return render(
        request,
        "coalition/places.html",
        {"places": Place.objects.order_by("path"), "form": form},
        status=status,
    )


urlpatterns = [
    path("network/roles/", roles, name="network_roles"),
    path("network/places/", places, name="network_places"),
]

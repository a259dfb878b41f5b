"""The unity statement, its principles and the public list of signatories."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_safe

from coalition.forms import id_from
from coalition.models import Place
from coalition.selectors import statement_current
from members.models import GroupKind
from members.selectors import groups_to_sign, signatories_public


@require_safe
def statement(request: HttpRequest) -> HttpResponse:
    place = None
    place_id = request.GET.get("place", "")
    if (wanted := id_from(place_id)) is not None:
        place = Place.objects.filter(pk=wanted).first()
    kind = request.GET.get("kind", "")
    if kind not in GroupKind.values:
        kind = ""
    version = statement_current()
    signatories = signatories_public(place=place, kind=kind, page_number=request.GET.get("page", 1))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "members/statement.html",
        {
            "version": version,
            "signatories": signatories,
            "place": place,
            "kind": kind,
            "kinds": GroupKind.choices,
            "places": Place.objects.only("id", "name", "depth", "path").order_by("path"),
            "querystring": query.urlencode(),
            "to_sign": groups_to_sign(request.user, version),
        },
    )


urlpatterns = [path("statement/", statement, name="statement")]

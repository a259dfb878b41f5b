"""The unity statement, its principles and the public list of signatories."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_safe

from coalition.forms import id_from
from coalition.place_pick import places_to_offer, resolve_name, typed_name
from coalition.selectors import statement_current
from members.models import GroupKind
from members.selectors import groups_to_sign, signatories_public


@require_safe
def statement(request: HttpRequest) -> HttpResponse:
    # The select offers the upper levels of the tree, the chosen place and any
    # place named as typed: one query, never all 8,900 places (issue #8).
    place_id = request.GET.get("place", "")
    place_name = typed_name(request.GET)
    places = places_to_offer(chosen=place_id, name=place_name)
    place_error = ""
    if place_name:
        place, place_error = resolve_name(place_name, places)
    else:
        wanted = id_from(place_id)
        place = next((option for option in places if option.pk == wanted), None)
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
            "places": places,
            "place_name": place_name if place_error else "",
            "place_error": place_error,
            "querystring": query.urlencode(),
            "to_sign": groups_to_sign(request.user, version),
        },
        # A name that no single place has is refused, with the reason and the
        # same-named places offered in the select.
        status=400 if place_error else 200,
    )


urlpatterns = [path("statement/", statement, name="statement")]

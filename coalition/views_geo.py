"""JSON for the place controls: the type-ahead's suggestions and the address lookup.

``/places/suggest.json?q=`` answers anyone (place names are public);
``/places/geocode.json?q=`` answers people logged in (they post actions),
and only when ``GEOCODER_URL`` is set.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from coalition.geocoder import QUERY_MAX, GeocoderUnavailable, geocode, geocoder_enabled
from coalition.place_pick import NAME_MAX_LENGTH
from coalition.selectors import place_suggestions


@require_safe
def place_suggest(request: HttpRequest) -> JsonResponse:
    """At most ten places whose name contains what was typed; public names only, two queries."""
    query = request.GET.get("q", "")[:NAME_MAX_LENGTH]
    response = JsonResponse({"places": place_suggestions(query)})
    # The tree changes seldom; a minute of caching spares a query per keystroke.
    response["Cache-Control"] = "public, max-age=60"
    return response


@require_safe
def place_geocode(request: HttpRequest) -> JsonResponse:
    """What the configured geocoder finds for an address (cached, one request a second)."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": _("Log in to look up addresses.")}, status=403)
    if not geocoder_enabled():
        return JsonResponse({"error": _("No geocoder is configured.")}, status=404)
    try:
        found = geocode(request.GET.get("q", "")[:QUERY_MAX], language=get_language() or "")
    except GeocoderUnavailable:
        return JsonResponse(
            {"error": _("The address lookup is busy or unavailable: try again, or type the "
                        "coordinates.")},
            status=503,
        )  # fmt: skip
    return JsonResponse({"results": found})


urlpatterns = [
    path("places/suggest.json", place_suggest, name="place_suggest"),
    path("places/geocode.json", place_geocode, name="place_geocode"),
]

"""Places for the type-ahead of every place box, as JSON: ``/places/suggest.json?q=``."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.http import require_safe

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


urlpatterns = [
    path("places/suggest.json", place_suggest, name="place_suggest"),
]

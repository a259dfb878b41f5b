"""The public impact page, /impact/: public wins, public figures and a map of public actions."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from reporting.selectors_records import impact_overview

# The whole earth: the map asks the markers endpoint for every public action.
WORLD_BBOX = "-180,-90,180,90"


@require_safe
def impact(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "reporting/impact/impact.html",
        {
            "impact": impact_overview(),
            "data_url": reverse("actions:map_data"),
            "bbox": WORLD_BBOX,
            "until": timezone.localdate().isoformat(),
            "tile_url": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        },
    )


urlpatterns = [path("impact/", impact, name="impact")]

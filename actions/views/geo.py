"""The map of actions, ``/actions/map/``, and the GeoJSON its markers come from.

The page works without JavaScript: it lists the same actions the markers
show (visible to the person, with coordinates, inside the area and filters
asked for), newest first, a page at a time. With JavaScript,
``static/js/actions-map.js`` draws them with the vendored Leaflet over the
tiles of ``settings.MAP_TILE_URL``, or over a plain background when that is
empty, and asks ``data.geojson`` for the markers of the visible area each
time it moves.

The data endpoint costs one query (plus the person's memberships and roles
when logged in) whatever the number of actions: the newest
``MAP_FEATURE_LIMIT`` inside the box, served by the (latitude, longitude)
index; past that it says ``"truncated": true``.

About the Content-Security-Policy (``style-src 'self'``, ``script-src
'self'``): no inline script or style attribute is written here. Leaflet
positions tiles, markers and popups by setting ``element.style`` from its
script (the CSSOM), which CSP does not block: it blocks ``style`` attributes
in HTML and ``<style>`` elements, not styles set from an allowed script.
Markers are SVG circles (no icon images, whose URLs Leaflet guesses from
the stylesheet), and popups are built as DOM nodes, never from HTML text.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from actions.forms_posting import ActionFilterForm, MapDataForm
from actions.selectors_listing import (
    MAP_FEATURE_LIMIT,
    actions_on_map,
    listing_choices,
    map_features,
    map_focus,
)
from coalition.forms import id_from
from coalition.geo import area_around, place_area
from coalition.paging import BoundedPaginator

ACTIONS_PER_PAGE = 30


@require_safe
def map_page(request: HttpRequest) -> HttpResponse:
    form = ActionFilterForm(
        request.GET or None, choices=listing_choices(request.GET), with_bbox=True
    )
    filters = form.filters()
    page = BoundedPaginator(actions_on_map(request.user, filters), ACTIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    focus = map_focus(request.user, id_from(request.GET.get("focus", "")))
    # With no area asked for, the map frames the place (or circle) filtered on.
    if filters.near is not None:
        area = area_around(filters.near.latitude, filters.near.longitude, filters.near.km)
    else:
        area = place_area(filters.place)
    return render(
        request,
        "actions/listing/map.html",
        {
            "form": form,
            "page": page,
            "querystring": form.query(),
            "filters_query": form.query(without=("bbox",)),
            "bbox": filters.bbox.as_param() if filters.bbox else "",
            "place_area": area.as_param() if area else "",
            "focus": focus,
            "data_url": reverse("actions:map_data"),
            "tile_url": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
            "limit": MAP_FEATURE_LIMIT,
        },
        # A filter that cannot be read is the asker's mistake: shown on the form, and a 400.
        status=400 if form.errors else 200,
    )


def _bad_request(form: MapDataForm) -> JsonResponse:
    errors = {name: [str(text) for text in texts] for name, texts in form.errors.items()}
    if "bbox" in errors:
        message = _(
            "bbox is required as west,south,east,north in degrees, "
            "for example ?bbox=-5.2,41.3,9.6,51.1: %(problem)s"
        ) % {"problem": " ".join(errors["bbox"])}
    else:
        message = _("Some parameters are not valid.")
    return JsonResponse({"error": message, "fields": errors}, status=400)


def marker_properties(row: dict, detail: str) -> dict:
    """What a marker's popup needs, and nothing personal: the actions map and a day's map.

    ``detail`` is the action page's address without its id (reversed once per answer).
    """
    origin = row["origin_name"]
    return {
        "id": row["id"],
        "title": row["title"],
        "starts_at": row["starts_at"].isoformat(),
        "kind": row["kind"],
        "url": f"{detail}{row['id']}/",
        # Another network's event (a followed source) says whose it is.
        "origin": _("From %(name)s") % {"name": origin} if origin else "",
    }


@require_safe
def map_data(request: HttpRequest) -> HttpResponse:
    form = MapDataForm(request.GET)
    if not form.is_valid():
        return _bad_request(form)
    rows, truncated = map_features(request.user, form.filters())
    # Reversed once: up to 500 reverse() calls would cost more than the query.
    detail = reverse("actions:detail", kwargs={"pk": 0}).removesuffix("0/")
    features = [
        {
            "type": "Feature",
            "id": row["id"],
            "geometry": {
                "type": "Point",
                "coordinates": [float(row["longitude"]), float(row["latitude"])],
            },
            "properties": marker_properties(row, detail),
        }
        for row in rows
    ]
    return JsonResponse(
        {"type": "FeatureCollection", "features": features, "truncated": truncated},
        content_type="application/geo+json",
    )


urlpatterns = [
    path("actions/map/", map_page, name="map"),
    path("actions/map/data.geojson", map_data, name="map_data"),
]

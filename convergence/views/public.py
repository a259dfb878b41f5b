"""The public pages of days of action: the list, a day's page, its map data and its calendar.

Drafts answer 404 to everyone but coordinators and the steering committee
(``days_visible_to``), like an unknown address: a draft's existence is not
revealed. Every page costs a fixed number of queries whatever the number of
events (see ``convergence.selectors_public``).

Each event on a day's page links to the actions app's RSVP page
(``actions:rsvp``), where the one form opens on demand (a page of 50 events
rendered 50 forms: half its time). After saying they are coming, people land
on the event's own page with the confirmation.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from actions.calendars import calendar_of
from actions.models import Action
from actions.selectors_listing import MAP_FEATURE_LIMIT
from actions.services.participation import rsvp_refusal
from actions.views.feeds import calendar_response
from actions.views.geo import marker_properties
from convergence.forms_public import DayMapDataForm, DaySearchForm
from convergence.models import DayStatus
from convergence.selectors_public import (
    PLACE_MATCHES_MAX,
    day_calendar_events,
    day_counts,
    day_events,
    day_exists,
    day_for,
    day_map_features,
    days_listing,
    places_named,
    window_state,
)

EVENTS_PER_PAGE = 50


@require_safe
def days(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "convergence/public/days.html",
        {"listing": days_listing(request.user), "time_zone": settings.TIME_ZONE},
    )


def _with_rsvp(request: HttpRequest, events: list[Action]) -> list[Action]:
    """Give each listed event the reason it takes no RSVP, if any (no queries)."""
    for event in events:
        event.rsvp_refusal = rsvp_refusal(action=event, person=request.user)
    return events


@require_safe
def day(request: HttpRequest, slug: str) -> HttpResponse:
    found = day_for(request.user, slug)
    if found is None:
        raise Http404
    asked = "q" in request.GET or "within" in request.GET
    form = DaySearchForm(request.GET if asked else None)
    search = form.search()
    places = places_named(search) if search else None
    near = form.near(places.places if places is not None else [])
    events = day_events(
        request.user,
        found,
        place_paths=places.paths if places is not None else None,
        near=near,
    )
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = _with_rsvp(request, list(page.object_list))
    has_totals = found.totals_at is not None or found.total_events is not None
    return render(
        request,
        "convergence/public/day.html",
        {
            "day": found,
            "is_draft": found.status == DayStatus.DRAFT,
            "window": window_state(found),
            "counts": day_counts(found),
            "has_totals": has_totals,
            "form": form,
            "search": search,
            "places_found": places,
            "places_max": PLACE_MATCHES_MAX,
            "page": page,
            "near": near,
            "querystring": urlencode(
                {**({"q": search} if search else {}), **(form.near_query() if near else {})}
            ),
            "time_zone": settings.TIME_ZONE,
            "data_url": reverse("convergence:day_events_geojson", args=[found.slug]),
            # Reversed once: the cards add the id (and "rsvp/") themselves.
            "action_prefix": reverse("actions:detail", kwargs={"pk": 0}).removesuffix("0/"),
            "tile_url": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
            "limit": MAP_FEATURE_LIMIT,
        },
    )


def _bad_request(form: DayMapDataForm) -> JsonResponse:
    errors = {name: [str(text) for text in texts] for name, texts in form.errors.items()}
    message = _(
        "bbox, when given, is west,south,east,north in degrees, "
        "for example ?bbox=-5.2,41.3,9.6,51.1: %(problem)s"
    ) % {"problem": " ".join(errors.get("bbox", []))}
    return JsonResponse({"error": message, "fields": errors}, status=400)


@require_safe
def day_events_geojson(request: HttpRequest, slug: str) -> HttpResponse:
    found = day_exists(request.user, slug)
    if found is None:
        raise Http404
    form = DayMapDataForm(request.GET)
    if not form.is_valid():
        return _bad_request(form)
    rows, truncated = day_map_features(request.user, found, bbox=form.cleaned_data["bbox"])
    # Reversed once: up to 500 reverse() calls would cost more than the query.
    detail = reverse("actions:detail", kwargs={"pk": 0}).removesuffix("0/")
    features = [
        {
            "type": "Feature",
            "id": row["id"],
            "geometry": {"type": "Point", "coordinates": [float(row["lng"]), float(row["lat"])]},
            "properties": marker_properties(row, detail),
        }
        for row in rows
    ]
    return JsonResponse(
        {"type": "FeatureCollection", "features": features, "truncated": truncated},
        content_type="application/geo+json",
    )


@require_safe
def day_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    """Every public event of the day, whoever asks: calendars are shared and subscribed to."""
    found = day_exists(request.user, slug)
    if found is None:
        raise Http404
    # The day's title may hold control characters (its form keeps them);
    # calendar_of drops them so they never break a subscriber's feed.
    body = calendar_of(day_calendar_events(found), name=found.title)
    return calendar_response(body, filename=f"{found.slug}.ics")


urlpatterns = [
    path("days/", days, name="days"),
    path("days/<slug:slug>/", day, name="day"),
    path("days/<slug:slug>/events.geojson", day_events_geojson, name="day_events_geojson"),
    path("days/<slug:slug>/calendar.ics", day_calendar, name="day_ical"),
]

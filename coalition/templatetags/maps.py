"""``{% location_map %}``: the map beside the latitude and longitude fields of a form."""

from django import template
from django.conf import settings
from django.urls import reverse

register = template.Library()


@register.inclusion_tag("includes/location_map.html")
def location_map() -> dict:
    """The tiles, their attribution and (when GEOCODER_URL is set) the address lookup."""
    return {
        "tile_url": settings.MAP_TILE_URL,
        "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        "geocode_url": reverse("place_geocode") if settings.GEOCODER_URL else "",
    }

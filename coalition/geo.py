"""Distances on the Earth and the areas around a point or a place, for maps and "near" searches.

A search "within N km" first narrows with a latitude/longitude box in SQL
(served by the coordinates' index), then keeps the rows whose great-circle
(haversine) distance is at most N km, in Python: no database extension is
needed on SQLite or PostgreSQL.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db.models import ExpressionWrapper, FloatField, Q, Value
from django.db.models.functions import ASin, Cast, Cos, Least, Power, Radians, Sin, Sqrt
from django.db.models.lookups import LessThanOrEqual

# The mean radius of the Earth (IUGG), in km.
EARTH_RADIUS_KM = 6371.0088
# A place with a centre but no area is framed this far around its centre.
PLACE_RADIUS_KM = 10


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance between two points, in km."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Area:
    """South, west, north, east in degrees; west > east when it crosses the 180th meridian."""

    south: float
    west: float
    north: float
    east: float

    def as_param(self) -> str:
        """As the maps' ``bbox`` parameter: west,south,east,north."""
        return ",".join(f"{v:.6f}" for v in (self.west, self.south, self.east, self.north))


def area_around(latitude: float, longitude: float, km: float) -> Area:
    """A box holding every point within ``km`` of the centre (a little more, never less)."""
    dlat = math.degrees(km / EARTH_RADIUS_KM)
    south, north = latitude - dlat, latitude + dlat
    if south <= -90 or north >= 90:
        # Near a pole every longitude is within reach.
        return Area(max(south, -90.0), -180.0, min(north, 90.0), 180.0)
    # The widest longitude span is at the latitude farthest from the equator.
    widest = max(abs(south), abs(north))
    dlon = math.degrees(km / (EARTH_RADIUS_KM * math.cos(math.radians(widest))))
    if dlon >= 180:
        return Area(south, -180.0, north, 180.0)
    west, east = longitude - dlon, longitude + dlon
    if west < -180:
        west += 360
    if east > 180:
        east -= 360
    return Area(south, west, north, east)


def place_area(place) -> Area | None:
    """The place's own box if it has one, else the area around its centre, else None."""
    if place is None:
        return None
    if place.has_area:
        return Area(
            float(place.min_latitude),
            float(place.min_longitude),
            float(place.max_latitude),
            float(place.max_longitude),
        )
    if place.latitude is not None and place.longitude is not None:
        return area_around(float(place.latitude), float(place.longitude), PLACE_RADIUS_KM)
    return None


def place_centre(place) -> tuple[float, float] | None:
    """The place's centre: its own point, else the middle of its box, else None."""
    if place.latitude is not None and place.longitude is not None:
        return float(place.latitude), float(place.longitude)
    if place.has_area:
        return (
            (float(place.min_latitude) + float(place.max_latitude)) / 2,
            (float(place.min_longitude) + float(place.max_longitude)) / 2,
        )
    return None


def within_km_q(latitude: float, longitude: float, km: float, prefix: str = "") -> Q:
    """Rows whose ``<prefix>latitude``/``longitude`` lie within ``km`` of the point.

    The box prefilter lets the coordinates' index do the narrowing; the
    haversine test, in SQL through Django's math functions (which Django also
    registers on SQLite), keeps exactly the rows within the radius.
    """
    area = area_around(latitude, longitude, km)
    lat_field, lon_field = f"{prefix}latitude", f"{prefix}longitude"
    q = Q(**{f"{lat_field}__gte": area.south, f"{lat_field}__lte": area.north})
    if area.west <= area.east:
        q &= Q(**{f"{lon_field}__gte": area.west, f"{lon_field}__lte": area.east})
    else:
        q &= Q(**{f"{lon_field}__gte": area.west}) | Q(**{f"{lon_field}__lte": area.east})
    phi1, lambda1 = math.radians(latitude), math.radians(longitude)
    phi2 = Radians(Cast(lat_field, FloatField()))
    lambda2 = Radians(Cast(lon_field, FloatField()))
    half_chord = Power(Sin((phi2 - Value(phi1)) / 2), 2) + Value(math.cos(phi1)) * Cos(
        phi2
    ) * Power(Sin((lambda2 - Value(lambda1)) / 2), 2)
    distance = 2 * EARTH_RADIUS_KM * ASin(Sqrt(Least(half_chord, Value(1.0))))
    return q & Q(LessThanOrEqual(ExpressionWrapper(distance, FloatField()), km))

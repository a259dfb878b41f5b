"""Time zones of places and items: IANA names, checked with zoneinfo, resolved place → coalition."""

from __future__ import annotations

import functools
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The longest IANA name today is 32 characters; 64 leaves room.
TIME_ZONE_MAX_LENGTH = 64


@functools.cache
def time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_time_zone(name: str) -> bool:
    return name in time_zone_names()


def validate_time_zone(name: str) -> None:
    """A model and form validator: ``name`` must be an IANA zone zoneinfo knows."""
    if name and not is_time_zone(name):
        raise ValidationError(
            _("“%(zone)s” is not a time zone; write it like Europe/Paris or America/Montreal."),
            code="time_zone",
            params={"zone": name},
        )


def zone(name: str) -> zoneinfo.ZoneInfo:
    """The zone called ``name``, or the installation's (settings.TIME_ZONE) if unknown."""
    if name and is_time_zone(name):
        return zoneinfo.ZoneInfo(name)
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def default_time_zone() -> str:
    """Model default for rows made without a place to ask (demo data, factories)."""
    return settings.TIME_ZONE


def coalition_time_zone() -> str:
    """The coalition's time zone (one query), else the installation's."""
    from coalition.models import Coalition

    name = Coalition.objects.filter(pk=1).values_list("time_zone", flat=True).first()
    return name if name and is_time_zone(name) else settings.TIME_ZONE


def place_time_zone(place) -> str:
    """The time zone of ``place``: its own, else its nearest ancestor's, else the coalition's.

    One query for the chain (the place's ``path`` names its ancestors), one
    more for the coalition when no place in the chain has a zone.
    """
    from coalition.models import Place

    if place is None:
        return coalition_time_zone()
    if place.time_zone:
        return place.time_zone
    ids = [int(segment, 16) for segment in place.path.split("/") if segment]
    found = (
        Place.objects.filter(pk__in=ids)
        .exclude(time_zone="")
        .order_by("-depth")
        .values_list("time_zone", flat=True)
        .first()
    )
    return found or coalition_time_zone()

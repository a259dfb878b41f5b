"""Reads of the network's frame for pages, the API and reports."""

from __future__ import annotations

from django.db.models import Prefetch, Q

from coalition.models import Place, Principle, PrivacyPolicy, StatementVersion


def statement_current() -> StatementVersion | None:
    """The published statement version with the highest number, with its principles."""
    return (
        StatementVersion.objects.filter(published_at__isnull=False)
        .prefetch_related(Prefetch("principles", queryset=Principle.objects.order_by("position")))
        .order_by("-number")
        .first()
    )


def privacy_policy_current() -> PrivacyPolicy | None:
    return PrivacyPolicy.objects.filter(published_at__isnull=False).order_by("-number").first()


def in_place(place: Place | None, field: str = "place") -> Q:
    """Q for rows whose ``field`` is ``place`` or anywhere under it (one indexed LIKE)."""
    if place is None:
        return Q()
    return Q(**{f"{field}__path__startswith": place.path})


def place_subtree(place: Place):
    """The place and every place under it."""
    return Place.objects.filter(path__startswith=place.path)


def places_for_choice() -> list[Place]:
    """Every place, in tree order, for select boxes (names indented by depth)."""
    return list(Place.objects.only("id", "name", "kind", "depth", "path").order_by("path"))

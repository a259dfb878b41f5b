"""Reads of the network's frame for pages, the API and reports."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import F, Prefetch, Q

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


PLACES_PER_PAGE = 100


def places_page(*, name: str = "", under: Place | None = None, page: object = 1) -> Page:
    """One page of the place tree in tree order, narrowed by name or to a subtree.

    Two queries whatever the tree's size (the count and the page); each place
    carries ``parent_name`` so same-named places can be told apart.
    """
    places = Place.objects.annotate(parent_name=F("parent__name")).only(
        "id", "name", "kind", "depth", "path", "parent_id"
    )
    if under is not None:
        places = places.filter(path__startswith=under.path)
    if name:
        places = places.filter(name__icontains=name)
    return Paginator(places.order_by("path"), PLACES_PER_PAGE).get_page(page)


def place_ancestors(place: Place) -> list[Place]:
    """The places ``place`` sits in, outermost first (one query, read from its path)."""
    ids = [int(segment, 16) for segment in place.path.split("/") if segment][:-1]
    if not ids:
        return []
    return list(Place.objects.filter(pk__in=ids).only("id", "name", "path").order_by("path"))

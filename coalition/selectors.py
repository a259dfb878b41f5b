"""Reads of the network's frame for pages, the API and reports."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.template.loader import render_to_string
from django.utils import translation

from coalition.models import (
    Coalition,
    NetworkRole,
    Place,
    Principle,
    PrivacyPolicy,
    Role,
    SetupToken,
    StatementVersion,
)
from coalition.search import search_normalise, search_terms

# People shown at once on the people page: enough to pick from, few enough that a
# one-letter search stays fast; the page says when there are more.
PEOPLE_SHOWN = 50


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


# The type-ahead shows this many places; the person types more to narrow.
PLACE_SUGGESTIONS = 10


def name_matches_q(name: str, prefix: str = "") -> Q:
    """Places whose name contains every word of ``name``, ignoring case and accents."""
    terms = search_terms(name)
    if not terms:
        return Q(pk__in=[])
    q = Q()
    for term in terms:
        q &= Q(**{f"{prefix}search_name__contains": term})
    return q


def places_matching(name: str, queryset: QuerySet[Place] | None = None) -> QuerySet[Place]:
    """Places matching ``name``, best first: the whole name, then its start, then any part.

    Unsliced, so callers bound it (``[:PLACE_SUGGESTIONS]``) or use it as a subquery.
    """
    folded = search_normalise(name)
    queryset = Place.objects.all() if queryset is None else queryset
    return (
        queryset.filter(name_matches_q(name))
        .annotate(
            match_rank=Case(
                When(search_name=folded, then=Value(0)),
                When(search_name__startswith=folded, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("match_rank", "-kind", "search_name", "path")
    )


# The type-ahead shows this many places; the person types more to narrow.


def place_suggestions(query: str, *, limit: int = PLACE_SUGGESTIONS) -> list[dict]:
    """Places for the type-ahead: id, name and the names of the places it sits in.

    Two queries whatever the tree's size: the matches (bounded), then their
    ancestors, read from the matches' paths. Only names and the tree's shape:
    places are public.
    """
    if not search_terms(query):
        return []
    matches = list(
        places_matching(query).only("id", "name", "kind", "path", "latitude", "longitude")[:limit]
    )
    ancestor_ids = {
        int(segment, 16) for place in matches for segment in place.path.split("/")[:-2] if segment
    }
    names = dict(Place.objects.filter(pk__in=ancestor_ids).values_list("pk", "name"))
    found = []
    for place in matches:
        # Nearest first: "Harbourside — Port Maren, Lakeshore".
        inside = [
            names[int(segment, 16)]
            for segment in reversed(place.path.split("/")[:-2])
            if segment and int(segment, 16) in names
        ]
        found.append(
            {
                "id": place.pk,
                "name": place.name,
                "inside": inside,
                "label": f"{place.name} — {', '.join(inside)}" if inside else place.name,
                "kind": place.get_kind_display(),
            }
        )
    return found


def places_for_choice() -> list[Place]:
    """Every place, in tree order, for select boxes (names indented by depth)."""
    return list(Place.objects.only("id", "name", "kind", "depth", "path").order_by("path"))


# --- First-run setup ---------------------------------------------------------


def setup_done() -> bool:
    """Setup has finished (through /setup/ or coalition_init)."""
    return Coalition.objects.filter(pk=1, set_up_at__isnull=False).exists()


def setup_needed() -> bool:
    """Nobody has set the coalition up: it is not marked set up and nobody is its steward.

    A steward made another way (the admin, a restored database) counts as set
    up, so no setup link is offered to a running coalition.
    """
    return not setup_done() and not NetworkRole.objects.filter(role=Role.STEWARD).exists()


def setup_token_usable(token_hash: str) -> bool:
    """An unused setup token with this hash exists and setup has not finished."""
    return (
        bool(token_hash)
        and SetupToken.objects.filter(token_hash=token_hash, used_at__isnull=True).exists()
        and not setup_done()
    )


def privacy_policy_starting_text(*, language: str, coalition_name: str) -> str:
    """The privacy policy shipped with the app, in ``language``, naming the coalition."""
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    with translation.override(language):
        return render_to_string(
            f"coalition/setup/privacy_policy_{language}.txt", {"name": coalition_name}
        ).strip()


def people_for_roles(*, query: str = "", limit: int = PEOPLE_SHOWN) -> list:
    """Active people whose name or email holds every word of ``query`` (partial, any
    case, any accents), with their network roles; without a query, the people who hold
    a role. Ordered by name, at most ``limit + 1`` (one more says "there are more").

    Two queries whatever the size: the people, then their roles. Each word is a
    LIKE on the pre-normalised ``search_text`` column (coalition/search.py), the
    same SQL on SQLite and PostgreSQL, with no function applied to the column.
    """
    people = get_user_model().objects.filter(is_active=True)
    terms = search_terms(query)
    if terms:
        for term in terms:
            people = people.filter(search_text__contains=term)
    else:
        people = people.filter(Exists(NetworkRole.objects.filter(person=OuterRef("pk"))))
    return list(
        people.only("pk", "name", "email")
        .prefetch_related(
            Prefetch("network_roles", queryset=NetworkRole.objects.order_by("role", "pk"))
        )
        .order_by("name", "email")[: limit + 1]
    )


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

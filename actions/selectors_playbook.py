"""Reads for the playbook: tactics, and how far each spread among the actions one may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, IntegerField, Min, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncMonth

from actions.models import Action, Tactic
from actions.selectors import actions_visible_to

# The places a tactic spread to are listed in full up to this many; a tactic
# adopted in more places than that shows the first ones and says so.
PLACES_SHOWN = 200
RECENT_ADOPTIONS = 20


def _adoptions(user) -> QuerySet[Action]:
    """Actions that adopted a tactic, as far as ``user`` may see them (the one visibility rule)."""
    return actions_visible_to(user).filter(tactic__isnull=False)


def tactics_with_adoptions(user) -> QuerySet[Tactic]:
    """Every tactic with ``adoption_count`` and ``place_count`` among the actions ``user`` sees.

    Counted in correlated subqueries on the (tactic, starts_at) index, inside
    the one query that lists the tactics; most adopted first.
    """
    per_tactic = _adoptions(user).filter(tactic=OuterRef("pk")).order_by().values("tactic")
    return Tactic.objects.annotate(
        adoption_count=Coalesce(
            Subquery(per_tactic.annotate(n=Count("pk")).values("n"), output_field=IntegerField()),
            0,
        ),
        place_count=Coalesce(
            Subquery(
                per_tactic.annotate(n=Count("place", distinct=True)).values("n"),
                output_field=IntegerField(),
            ),
            0,
        ),
    ).order_by("-adoption_count", "title", "pk")


def tactic_by_slug(slug: str) -> Tactic | None:
    """A tactic with the action it was written up from (callers check that action's visibility)."""
    return (
        Tactic.objects.select_related(
            "source_action", "source_action__host_group", "source_action__place"
        )
        .filter(slug=slug)
        .first()
    )


@dataclass(frozen=True)
class MonthCount:
    month: datetime
    count: int


def tactic_adoptions_by_month(tactic: Tactic, user) -> list[MonthCount]:
    """How many visible actions used the tactic, per month they took place, oldest first."""
    rows = (
        _adoptions(user)
        .filter(tactic=tactic)
        .annotate(month=TruncMonth("starts_at"))
        .order_by()
        .values("month")
        .annotate(n=Count("pk"))
        .order_by("month")
    )
    return [MonthCount(row["month"], row["n"]) for row in rows]


@dataclass(frozen=True)
class PlaceSpread:
    place_id: int
    name: str
    first: datetime
    count: int


def tactic_places(tactic: Tactic, user) -> tuple[list[PlaceSpread], bool]:
    """The places the tactic spread to, in the order it reached them, and whether some were cut."""
    rows = list(
        _adoptions(user)
        .filter(tactic=tactic)
        .order_by()
        .values("place_id", "place__name")
        .annotate(first=Min("starts_at"), n=Count("pk"))
        .order_by("first", "place__name")[: PLACES_SHOWN + 1]
    )
    spread = [PlaceSpread(r["place_id"], r["place__name"], r["first"], r["n"]) for r in rows]
    return spread[:PLACES_SHOWN], len(spread) > PLACES_SHOWN


def tactic_recent_adoptions(tactic: Tactic, user) -> list[Action]:
    """The newest visible actions that used the tactic, for links."""
    return list(
        _adoptions(user)
        .filter(tactic=tactic)
        .select_related("host_group", "place")
        .order_by("-starts_at", "-pk")[:RECENT_ADOPTIONS]
    )

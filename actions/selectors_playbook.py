"""Reads for the playbook: tactics, how far each spread (stored counts), its latest adoptions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from actions.models import Action, Tactic
from actions.selectors import actions_visible_to

# The places a tactic spread to are listed in full up to this many; a tactic
# adopted in more places than that shows the first ones and says so.
PLACES_SHOWN = 200
RECENT_ADOPTIONS = 20


def _adoptions(user) -> QuerySet[Action]:
    """Actions that adopted a tactic, as far as ``user`` may see them (the one visibility rule)."""
    return actions_visible_to(user).filter(tactic__isnull=False)


def tactics_most_adopted() -> QuerySet[Tactic]:
    """Every tactic, most adopted first, with its stored ``adoption_count`` and ``place_count``.

    The counts are public adoptions written by ``tactic_spread_refresh``
    (the rollup job), the same for every reader: counting them per request
    read tens of thousands of actions per tactic.
    """
    return Tactic.objects.defer("spread").order_by("-adoption_count", "title", "pk")


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


def tactic_adoptions_by_month(tactic: Tactic) -> list[MonthCount]:
    """Public adoptions per month they took place, oldest first (as last counted)."""
    return [
        MonthCount(datetime.fromisoformat(month), count)
        for month, count in tactic.spread.get("months", [])
    ]


@dataclass(frozen=True)
class PlaceSpread:
    place_id: int
    name: str
    first: datetime
    count: int


def tactic_places(tactic: Tactic) -> tuple[list[PlaceSpread], bool]:
    """The places the tactic spread to, in the order it reached them, and whether some were cut."""
    spread = [
        PlaceSpread(place_id, name, datetime.fromisoformat(first), count)
        for place_id, name, first, count in tactic.spread.get("places", [])
    ]
    return spread[:PLACES_SHOWN], len(spread) > PLACES_SHOWN


def tactic_recent_adoptions(tactic: Tactic, user) -> list[Action]:
    """The newest visible actions that used the tactic, for links."""
    return list(
        _adoptions(user)
        .filter(tactic=tactic)
        .select_related("host_group", "place")
        .order_by("-starts_at", "-pk")[:RECENT_ADOPTIONS]
    )

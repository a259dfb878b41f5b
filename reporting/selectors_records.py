"""Reads of wins and climate signals for the steering pages, and of public figures for /impact/."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, Sum
from django.utils import timezone

from actions.models import Action, ActionStatus
from actions.selectors import actions_public, actions_visible_to
from coalition.models import Place
from coalition.selectors import in_place
from convergence.models import DayOfAction, DayStatus
from convergence.selectors import days_visible_to
from members.models import Group
from reporting.models import ClimateSignal, Win

WINS_PER_PAGE = 25
SIGNALS_PER_PAGE = 25
# Select boxes list the newest rows only; any visible id is still accepted.
DAYS_IN_CHOICE = 50
ACTIONS_IN_CHOICE = 100
IMPACT_WINS = 50
IMPACT_DAYS = 20
IMPACT_MAP_LIST = 30


def _dated(rows, field: str, since: datetime.date | None, until: datetime.date | None):
    if since is not None:
        rows = rows.filter(**{f"{field}__gte": since})
    if until is not None:
        rows = rows.filter(**{f"{field}__lte": until})
    return rows


def _page(rows, per_page: int, page_number: int | str) -> Page:
    page = Paginator(rows, per_page).get_page(page_number)
    page.object_list = list(page.object_list)
    return page


def wins_page(
    *,
    place: Place | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    page_number: int | str = 1,
) -> Page:
    """Wins in ``place`` or under it, within the dates, newest first: two queries
    (the count and the page, with the place and the number of linked actions)."""
    rows = _dated(Win.objects.filter(in_place(place)), "won_on", since, until)
    rows = (
        rows.select_related("place")
        .annotate(action_count=Count("actions", distinct=True))
        .order_by("-won_on", "-id")
    )
    return _page(rows, WINS_PER_PAGE, page_number)


def signals_page(
    *,
    place: Place | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    page_number: int | str = 1,
) -> Page:
    """Climate signals in ``place`` or under it, within the dates, newest first: two queries."""
    rows = _dated(ClimateSignal.objects.filter(in_place(place)), "said_on", since, until)
    rows = rows.select_related("place", "day_of_action").order_by("-said_on", "-id")
    return _page(rows, SIGNALS_PER_PAGE, page_number)


def win_get(pk: int) -> Win | None:
    return Win.objects.select_related("place").filter(pk=pk).first()


def signal_get(pk: int) -> ClimateSignal | None:
    return ClimateSignal.objects.select_related("place").filter(pk=pk).first()


def days_for_choice(user, *, keep: list[int] = ()) -> list[DayOfAction]:
    """The newest days of action ``user`` may see, and those already chosen (if visible)."""
    visible = days_visible_to(user)
    return list(
        visible.filter(
            Q(pk__in=visible.order_by("-starts_at").values("pk")[:DAYS_IN_CHOICE])
            | Q(pk__in=list(keep))
        ).order_by("-starts_at", "-id")
    )


def actions_for_choice(user, *, keep: list[int] = ()) -> list[Action]:
    """Held actions ``user`` may see, newest first, and those already chosen (if visible)."""
    visible = actions_visible_to(user)
    newest = (visible.filter(status=ActionStatus.DONE).order_by("-starts_at").values("pk"))[
        :ACTIONS_IN_CHOICE
    ]
    return list(
        visible.filter(Q(pk__in=newest) | Q(pk__in=list(keep)))
        .select_related("host_group")
        .only("id", "title", "starts_at", "host_group__name")
        .order_by("-starts_at", "-id")
    )


def days_visible(user):
    """The queryset a submitted day must belong to."""
    return days_visible_to(user)


def actions_visible(user):
    """The queryset a submitted action must belong to."""
    return actions_visible_to(user)


# --- The public impact page ----------------------------------------------------


@dataclass
class Impact:
    """Everything /impact/ shows, all of it public: never a person, never a private record."""

    wins: list[Win]
    listed_groups: int
    actions_held: int
    participants: int
    days: list[DayOfAction]
    mapped_actions: list[Action]


def public_actions_held():
    """Public, not hidden, done: the only actions the public page counts."""
    return actions_public().filter(status=ActionStatus.DONE)


# The rollups' metrics the public page sums (``reporting.rollups._public_held``).
PUBLIC_HELD_METRICS = {"total": "public_held", "people": "public_people"}


def _public_held_totals() -> dict[str, int]:
    """Public actions held and their participants, from the rollup totals (network scope).

    Two queries (the token, the months' totals), cached per rollups token, so
    the figures follow the rollup job like the dashboard's. Before the first
    rollup run they are counted from the actions (one aggregate).
    """
    from django.core.cache import cache

    from reporting.models import RollupTotal
    from reporting.rollups import rollups_token

    token = rollups_token()
    if token is None:
        return public_actions_held().aggregate(total=Count("id"), people=Sum("participants"))
    key = f"reporting:impact:{token}"
    found = cache.get(key)
    if found is None:
        sums = dict(
            RollupTotal.objects.filter(scope=0, metric__in=PUBLIC_HELD_METRICS.values())
            .order_by()
            .values("metric")
            .annotate(total=Sum("value"))
            .values_list("metric", "total")
        )
        found = {name: sums.get(metric, 0) for name, metric in PUBLIC_HELD_METRICS.items()}
        cache.set(key, found, 6 * 3600)
    return found


def impact_overview() -> Impact:
    """The public page's figures in a fixed number of queries whatever the size of the network.

    The two counts come from the rollups (``_public_held_totals``): as fresh
    as the rollup job, which runs every 10 minutes and after each change.
    """
    wins = list(
        Win.objects.filter(is_public=True)
        .select_related("place")
        .only("title", "won_on", "level", "evidence_url", "place__name")
        .order_by("-won_on", "-id")[:IMPACT_WINS]
    )
    listed_groups = Group.objects.filter(signed_version__isnull=False, listing_consent=True).count()
    held = _public_held_totals()
    days = list(
        DayOfAction.objects.filter(status__in=[DayStatus.CLOSED, DayStatus.REPORTED])
        .only(
            "title", "slug", "starts_at", "ends_at", "total_events", "total_participants",
            "total_letters", "total_signatures", "total_media",
        )
        .order_by("-starts_at")[:IMPACT_DAYS]
    )  # fmt: skip
    # Held actions have started: bounded at now, the (visibility, start) index is
    # read backwards from today, not across every planned action first.
    mapped = list(
        public_actions_held()
        .filter(latitude__isnull=False, longitude__isnull=False, starts_at__lte=timezone.now())
        .select_related("place")
        .only("id", "title", "starts_at", "kind", "place__name")
        .order_by("-starts_at", "-id")[:IMPACT_MAP_LIST]
    )
    return Impact(
        wins=wins,
        listed_groups=listed_groups,
        actions_held=held["total"] or 0,
        participants=held["people"] or 0,
        days=days,
        mapped_actions=mapped,
    )

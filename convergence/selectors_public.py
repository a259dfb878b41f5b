"""Reads for the public pages of days of action, in a fixed number of queries.

Days come from ``convergence.selectors.days_visible_to`` (drafts only for
coordinators); their events are actions, read through
``actions.selectors.actions_public`` (the counts and the calendar, the same
for everyone) or ``actions_visible_to(user)`` (the list and the map, so
people in the network also see the network's own events). A network-only,
group-only or hidden event never reaches an anonymous visitor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import (
    Count,
    DecimalField,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from actions.models import Action, ActionStatus
from actions.selectors import actions_public, actions_visible_to
from actions.selectors_listing import MAP_FEATURE_LIMIT, BoundingBox, Near, actions_for_calendar
from coalition.geo import within_km_q
from coalition.models import Place
from coalition.permissions import can_coordinate
from coalition.place_pick import PLACE_MAP_FIELDS
from coalition.selectors import name_matches_q
from convergence.models import DayOfAction, DayStatus
from convergence.selectors import days_visible_to
from members.models import Group

# How many closed or reported days /days/ still shows under "Recently".
RECENT_DAYS_SHOWN = 12
# A search by place name looks in at most this many matching places: enough
# for a name shared by a few towns, few enough that the OR of path prefixes
# stays a short, indexed query. Past it the page asks for more of the name.
PLACE_MATCHES_MAX = 20

CURRENT_STATUSES = [DayStatus.OPEN, DayStatus.LIVE]
PAST_STATUSES = [DayStatus.CLOSED, DayStatus.REPORTED]


def counted_events() -> QuerySet[Action]:
    """The events that count towards a day's goals: public, not hidden, not cancelled."""
    return actions_public().exclude(status=ActionStatus.CANCELLED)


def _places() -> Prefetch:
    """A day's places as its pages name them."""
    return Prefetch("places", queryset=Place.objects.only("id", "name", "path").order_by("path"))


def _count_events(days: list[DayOfAction]) -> None:
    """Set ``event_count`` (events that count) on each day, in one grouped query.

    One query for every day listed rather than a correlated subquery per day:
    PostgreSQL runs each such subquery as a merge join along the actions'
    primary key (about 5 ms a day at 1,000,000 actions, 65 ms for the list);
    grouped, the same join runs once (about 10 ms).
    """
    if not days:
        return
    counts = dict(
        counted_events()
        .filter(day_event__day__in=[day.pk for day in days])
        .order_by()
        .values_list("day_event__day")
        .annotate(n=Count("pk"))
    )
    for day in days:
        day.event_count = counts.get(day.pk, 0)


@dataclass
class DaysListing:
    """``/days/``: drafts (coordinators only), current and upcoming, then recently over."""

    drafts: list[DayOfAction] = field(default_factory=list)
    current: list[DayOfAction] = field(default_factory=list)
    recent: list[DayOfAction] = field(default_factory=list)


def days_listing(user) -> DaysListing:
    """Four queries (five for coordinators), whatever the number of days.

    Open and live days by start, soonest first; then the latest
    ``RECENT_DAYS_SHOWN`` closed or reported, the most recently ended first.
    Each day carries ``event_count`` (events that count) and its places, read
    for every listed day at once.
    """
    visible = days_visible_to(user)
    listing = DaysListing(
        current=list(visible.filter(status__in=CURRENT_STATUSES).order_by("starts_at", "id")),
        recent=list(
            visible.filter(status__in=PAST_STATUSES).order_by("-ends_at", "-id")[:RECENT_DAYS_SHOWN]
        ),
    )
    if can_coordinate(user):
        listing.drafts = list(visible.filter(status=DayStatus.DRAFT).order_by("starts_at", "id"))
    listed = [*listing.drafts, *listing.current, *listing.recent]
    prefetch_related_objects(listed, _places())
    _count_events(listed)
    return listing


def day_for(user, slug: str) -> DayOfAction | None:
    """The day ``user`` may see, with its places and its publicly listed hub groups (3 queries)."""
    return (
        days_visible_to(user)
        .filter(slug=slug)
        .prefetch_related(
            _places(),
            Prefetch(
                "hub_groups",
                # Only groups that agreed to be named in public.
                queryset=Group.objects.filter(listing_consent=True)
                .only("id", "name", "slug")
                .order_by("name"),
                to_attr="public_hubs",
            ),
        )
        .first()
    )


def day_exists(user, slug: str) -> DayOfAction | None:
    """The day alone (one query), for the calendar and the map's data."""
    return days_visible_to(user).filter(slug=slug).only("id", "slug", "title", "status").first()


@dataclass(frozen=True)
class DayCounts:
    """Live counts of a day's events against its goals."""

    events: int
    rsvps: int
    groups: int
    places: int
    goal_events: int | None
    goal_participants: int | None

    @property
    def events_to_goal(self) -> int:
        """The value a <progress> shows: never past its maximum."""
        return min(self.events, self.goal_events or 0)

    @property
    def rsvps_to_goal(self) -> int:
        return min(self.rsvps, self.goal_participants or 0)

    @property
    def events_percent(self) -> int | None:
        return _percent(self.events, self.goal_events)

    @property
    def rsvps_percent(self) -> int | None:
        return _percent(self.rsvps, self.goal_participants)


def _percent(value: int, goal: int | None) -> int | None:
    return round(100 * value / goal) if goal else None


def day_counts(day: DayOfAction) -> DayCounts:
    """One aggregate query over the events that count, whatever their number."""
    totals = (
        counted_events()
        .filter(day_event__day=day)
        .aggregate(
            events=Count("pk"),
            rsvps=Coalesce(Sum("rsvp_count"), Value(0)),
            groups=Count("host_group", distinct=True),
            places=Count("place", distinct=True),
        )
    )
    return DayCounts(
        events=totals["events"],
        rsvps=totals["rsvps"],
        groups=totals["groups"],
        places=totals["places"],
        goal_events=day.goal_events,
        goal_participants=day.goal_participants,
    )


@dataclass(frozen=True)
class PlaceSearch:
    """The places whose name matched a search, and whether more matched than were used."""

    places: list[Place]
    more: bool

    @property
    def paths(self) -> list[str]:
        return [place.path for place in self.places]


def places_named(text: str) -> PlaceSearch:
    """Places whose name contains ``text`` (any case or accents), the largest first (one query).

    Larger places come first because each one's subtree already holds the
    smaller ones under it; one row past the limit tells whether some were
    left out.
    """
    rows = list(
        Place.objects.filter(name_matches_q(text))
        .only("id", "name", "path", "kind", *PLACE_MAP_FIELDS)
        .order_by("-kind", "path")[: PLACE_MATCHES_MAX + 1]
    )
    return PlaceSearch(places=rows[:PLACE_MATCHES_MAX], more=len(rows) > PLACE_MATCHES_MAX)


def _under_any(paths: list[str]) -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(place__path__startswith=path)
    return q


def day_events(
    user, day: DayOfAction, *, place_paths: list[str] | None = None, near: Near | None = None
):
    """The day's events ``user`` may see, grouped by place (tree order), then by start.

    ``place_paths`` narrows to events in those places and everything under
    them. Paginate it: one count and one page query whatever the number of
    events. Cancelled events stay listed (people who planned to go must
    learn it), marked as such by the page. ``near`` (within N km of a point)
    replaces ``place_paths``.
    """
    events = actions_visible_to(user).filter(day_event__day=day)
    if near is not None:
        events = events.filter(within_km_q(near.latitude, near.longitude, near.km))
    elif place_paths is not None:
        events = events.filter(_under_any(place_paths))
    return (
        events.select_related("host_group", "place")
        .only(
            "id",
            "title",
            "kind",
            "address",
            "starts_at",
            "ends_at",
            "time_zone",
            "visibility",
            "capacity",
            "rsvp_count",
            "status",
            "hidden_at",
            # Imported events say where they came from (exchange: sources).
            "origin_system",
            "origin_name",
            "origin_url",
            "host_group__id",
            "host_group__name",
            "host_group__slug",
            "place__id",
            "place__name",
            "place__path",
        )
        .order_by("place__path", "starts_at", "id")
    )


def day_map_features(
    user, day: DayOfAction, *, bbox: BoundingBox | None = None
) -> tuple[list[dict], bool]:
    """Up to ``MAP_FEATURE_LIMIT`` rows for the day's markers, newest first, and whether
    more were left out (one query).

    An event without coordinates of its own sits at its place's point, when
    the place has one. Cancelled events are left off the map (the list still
    shows them). Only what a marker needs: never a person's data.
    """
    latitude = Coalesce(
        "latitude", "place__latitude", output_field=DecimalField(max_digits=9, decimal_places=6)
    )
    longitude = Coalesce(
        "longitude", "place__longitude", output_field=DecimalField(max_digits=9, decimal_places=6)
    )
    events = (
        actions_visible_to(user)
        .filter(day_event__day=day)
        .exclude(status=ActionStatus.CANCELLED)
        .annotate(lat=latitude, lng=longitude)
        .filter(lat__isnull=False, lng__isnull=False)
    )
    if bbox is not None:
        events = events.filter(lat__gte=bbox.south, lat__lte=bbox.north)
        if bbox.west <= bbox.east:
            events = events.filter(lng__gte=bbox.west, lng__lte=bbox.east)
        else:  # the box crosses the 180th meridian
            events = events.filter(Q(lng__gte=bbox.west) | Q(lng__lte=bbox.east))
    rows = list(
        events.order_by("-starts_at", "-id").values(
            "id", "title", "starts_at", "kind", "lat", "lng", "origin_name"
        )[: MAP_FEATURE_LIMIT + 1]
    )
    return rows[:MAP_FEATURE_LIMIT], len(rows) > MAP_FEATURE_LIMIT


def day_calendar_events(day: DayOfAction) -> list[Action]:
    """Public, not hidden events of the day, cancelled ones included so calendars
    learn of the cancellation (one query, at most ``CALENDAR_ENTRIES``).

    The day's own window bounds them, so a past day's calendar still lists them.
    """
    return actions_for_calendar(within=Q(day_event__day=day), bounded=False)


def window_state(day: DayOfAction, *, now: datetime | None = None) -> str:
    """Where now stands against the day's window: "before", "during" or "after"."""
    now = now or timezone.now()
    if now < day.starts_at:
        return "before"
    if now < day.ends_at:
        return "during"
    return "after"

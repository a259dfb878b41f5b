"""Reads for the list of actions, the map, the action page and the feeds, in fixed queries.

Every read starts from ``actions.selectors.actions_visible_to`` (or
``actions_public`` for what anonymous readers of feeds get), so nothing here
can show an action to someone the visibility rule hides it from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connections
from django.db.models import (
    Count,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from actions.models import (
    Action,
    Amplification,
    AmplificationKind,
    ModerationDecision,
    Tactic,
)
from actions.selectors import actions_public, actions_visible_to
from actions.selectors_amplification import group_label, group_named
from coalition.geo import within_km_q
from coalition.models import Place, WorkingGroup
from coalition.permissions import can_post_action_for, is_in_network, memberships_of
from coalition.place_pick import places_to_offer, typed_name
from coalition.selectors import in_place
from members.models import Group

# The map never sends more markers than this: the newest ones in the box.
# Past it the answer says "truncated" and the person zooms in.
MAP_FEATURE_LIMIT = 500
FEED_ENTRIES = 50


@dataclass(frozen=True)
class BoundingBox:
    """West, south, east, north in degrees; west > east means the box crosses 180°."""

    west: Decimal
    south: Decimal
    east: Decimal
    north: Decimal

    def as_param(self) -> str:
        return ",".join(str(value) for value in (self.west, self.south, self.east, self.north))


@dataclass(frozen=True)
class Near:
    """Within ``km`` of a point: a place's centre or the visitor's position (never stored)."""

    latitude: float
    longitude: float
    km: int


@dataclass(frozen=True)
class ActionFilters:
    """The narrowing a person chose on the list or the map; ``None`` means "any".

    ``place`` is a loaded place (the list's form has them all); ``place_id``
    serves callers that have only the id (the map's data endpoint), at the
    price of a subquery instead of a constant prefix.
    """

    place: Place | None = None
    place_id: int | None = None
    kind: str | None = None
    tactic: str | None = None  # a tactic's slug
    working_group: str | None = None  # a working group's slug
    date_from: date | None = None  # starts on or after this day (local time)
    date_to: date | None = None  # starts on or before this day (local time)
    bbox: BoundingBox | None = None
    # Replaces ``place``'s subtree: near a place also finds what lies just outside it.
    near: Near | None = None


@dataclass(frozen=True)
class ListingChoices:
    """What the filters offer, loaded once per page (one query each)."""

    places: list[Place]
    working_groups: list[WorkingGroup]
    tactics: list[Tactic]


def listing_choices(data=None, *, chosen=None) -> ListingChoices:
    """``data`` is the request's GET or POST: its place (or ``chosen``) and typed place name
    are offered with the upper levels of the tree, never every place (issue #8)."""
    return ListingChoices(
        places=places_to_offer(
            chosen=chosen if chosen is not None else (data or {}).get("place"),
            name=typed_name(data),
        ),
        working_groups=list(WorkingGroup.objects.only("id", "name", "slug").order_by("name")),
        tactics=list(Tactic.objects.only("id", "title", "slug").order_by("title")),
    )


def _local_midnight(day: date) -> datetime:
    # zoneinfo resolves a midnight that a DST change skips instead of failing.
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def _bbox_q(box: BoundingBox) -> Q:
    latitude = Q(latitude__gte=box.south, latitude__lte=box.north)
    if box.west <= box.east:
        longitude = Q(longitude__gte=box.west, longitude__lte=box.east)
    else:
        longitude = Q(longitude__gte=box.west) | Q(longitude__lte=box.east)
    return latitude & longitude


def actions_filter_q(filters: ActionFilters) -> Q:
    """Q over Action for the chosen filters; joins instead of extra queries."""
    q = Q()
    if filters.near is not None:
        q &= within_km_q(filters.near.latitude, filters.near.longitude, filters.near.km)
    elif filters.place is not None:
        q &= in_place(filters.place)
    elif filters.place_id is not None:
        path = Place.objects.filter(pk=filters.place_id).values("path")[:1]
        q &= Q(place__path__startswith=Subquery(path))
    if filters.kind:
        q &= Q(kind=filters.kind)
    if filters.tactic:
        q &= Q(tactic__slug=filters.tactic)
    if filters.working_group:
        # One row per action: a group is in a working group at most once.
        q &= Q(host_group__working_groups__slug=filters.working_group)
    if filters.date_from:
        q &= Q(starts_at__gte=_local_midnight(filters.date_from))
    if filters.date_to:
        q &= Q(starts_at__lt=_local_midnight(filters.date_to + timedelta(days=1)))
    if filters.bbox is not None:
        q &= _bbox_q(filters.bbox)
    return q


def _amplification_count():
    counted = (
        Amplification.objects.filter(action=OuterRef("pk"))
        .order_by()
        .values("action")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _cards(queryset: QuerySet[Action]) -> QuerySet[Action]:
    """What a card shows: host, place and counts in the same query, no long texts."""
    return (
        queryset.select_related("host_group", "place")
        .defer("description", "story", "hidden_reason")
        .annotate(amplification_count=_amplification_count())
    )


# Past this many ended actions the list stops counting and says "more than".
PAST_COUNT_LIMIT = 10_000


def coming_up(queryset: QuerySet[Action], now: datetime) -> QuerySet[Action]:
    """``queryset``'s actions that have not ended yet, in a form an index can serve.

    "Not ended" filters on ``ends_at``, but the order is by ``starts_at``:
    left alone, the planner walks the start-time index from the oldest action
    past every ended one. The lower bound on ``starts_at`` (the earliest start
    among the actions not ended, read from the ``action_end_visibility``
    index in the same query; ``Coalesce`` keeps it from being turned into a
    walk of the start-time index) starts that walk near the first action that
    counts.
    """
    # Any lower bound is right; the one over every action not ended is read
    # from the index alone, whatever the person's rule and filters.
    first = (
        Action.objects.filter(ends_at__gte=now)
        .order_by()
        .annotate(group_all=Value(1, output_field=IntegerField()))
        .values("group_all")
        .annotate(first=Min(Coalesce("starts_at", "ends_at")))
        .values("first")
    )
    return queryset.filter(ends_at__gte=now, starts_at__gte=Subquery(first[:1]))


def _past(queryset: QuerySet[Action], now: datetime) -> QuerySet[Action]:
    # An action ends after it starts (a constraint), so an ended one started
    # before now: the bound lets the start-time index be walked from now back.
    return queryset.filter(ends_at__lt=now, starts_at__lt=now)


class UpcomingThenPast:
    """The list's rows as a sequence a Paginator can page: coming up, then the past.

    Coming up (not ended) by start, soonest first; then the ended ones,
    newest first. Each part is read with its own index-friendly query, never
    by sorting every visible action: one query counts both parts (the past
    only up to ``PAST_COUNT_LIMIT``), one reads the page's ids from each part
    (in a ``UNION ALL``), and one reads their cards.
    """

    def __init__(self, queryset: QuerySet[Action], now: datetime):
        self._queryset = queryset
        self._now = now
        self._counts: tuple[int, int] | None = None

    def _ids_sql(self, part: QuerySet[Action], order: tuple[str, ...], start: int, stop: int):
        ids = part.order_by(*order).values("pk")[start:stop]
        return ids.query.get_compiler(using=self._queryset.db).as_sql()

    def counts(self) -> tuple[int, int]:
        """(coming up, past capped at ``PAST_COUNT_LIMIT``), in one query."""
        if self._counts is None:
            upcoming = self._queryset.filter(ends_at__gte=self._now).order_by().values("pk")
            past = _past(self._queryset, self._now).order_by().values("pk")[:PAST_COUNT_LIMIT]
            db = self._queryset.db
            up_sql, up_params = upcoming.query.get_compiler(using=db).as_sql()
            past_sql, past_params = past.query.get_compiler(using=db).as_sql()
            with connections[db].cursor() as cursor:
                cursor.execute(
                    f"SELECT (SELECT COUNT(*) FROM ({up_sql}) upcoming), "  # noqa: S608  # nosec B608: SQL compiled by the ORM; values are parameters
                    f"(SELECT COUNT(*) FROM ({past_sql}) past)",
                    (*up_params, *past_params),
                )
                upcoming_count, past_count = cursor.fetchone()
            self._counts = (upcoming_count, past_count)
        return self._counts

    @property
    def past_truncated(self) -> bool:
        return self.counts()[1] >= PAST_COUNT_LIMIT

    def count(self) -> int:
        return sum(self.counts())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("UpcomingThenPast takes slices only")
        start, stop = index.start or 0, index.stop
        upcoming_count, past_count = self.counts()
        total = upcoming_count + past_count
        stop = total if stop is None else min(stop, total)
        branches, params = [], []
        if start < min(stop, upcoming_count):
            sql, part_params = self._ids_sql(
                coming_up(self._queryset, self._now),
                ("starts_at", "-id"),
                start,
                min(stop, upcoming_count),
            )
            branches.append(f"SELECT upcoming.pk, 0 FROM ({sql}) upcoming")  # noqa: S608  # nosec B608: SQL compiled by the ORM; values are parameters
            params.extend(part_params)
        past_start, past_stop = max(start - upcoming_count, 0), stop - upcoming_count
        if past_start < past_stop:
            sql, part_params = self._ids_sql(
                _past(self._queryset, self._now), ("-starts_at", "-id"), past_start, past_stop
            )
            branches.append(f"SELECT past.pk, 1 FROM ({sql}) past")  # noqa: S608  # nosec B608: SQL compiled by the ORM; values are parameters
            params.extend(part_params)
        if not branches:
            return []
        # The page's ids from each part in one query (index only), then their
        # cards in one more: an OFFSET on the cards themselves would count the
        # amplifications of every row it skips.
        with connections[self._queryset.db].cursor() as cursor:
            cursor.execute(" UNION ALL ".join(branches), params)
            is_past = dict(cursor.fetchall())
        rows = list(_cards(Action.objects.filter(pk__in=list(is_past))))
        for action in rows:
            action.is_past = is_past[action.pk]
        upcoming = sorted(
            (action for action in rows if not action.is_past),
            key=lambda action: (action.starts_at, -action.pk),
        )
        past = sorted(
            (action for action in rows if action.is_past),
            key=lambda action: (action.starts_at, action.pk),
            reverse=True,
        )
        return upcoming + past


def actions_listing(user, filters: ActionFilters, *, now: datetime | None = None):
    """The network's actions ``user`` may see: coming up first, then the past.

    Order: actions that have not ended yet (coming up and happening now) by
    start, soonest first; then those that ended, newest first. Each row's
    ``is_past`` (0 or 1) tells the page where "Recently" begins. Paginate it
    (``UpcomingThenPast``): one count and one or two page queries whatever the
    number of actions.
    """
    now = now or timezone.now()
    return UpcomingThenPast(actions_visible_to(user).filter(actions_filter_q(filters)), now)


def actions_on_map(user, filters: ActionFilters) -> QuerySet[Action]:
    """Actions with coordinates (inside ``filters.bbox`` if given), newest first, as cards."""
    return (
        _cards(actions_visible_to(user).filter(actions_filter_q(filters)))
        .filter(latitude__isnull=False, longitude__isnull=False)
        .order_by("-starts_at", "-id")
    )


def map_focus(user, pk: int | None) -> dict | None:
    """What ``/actions/map/?focus=<id>`` opens on: its id and point, if visible (one query)."""
    if pk is None:
        return None
    return (
        actions_visible_to(user)
        .filter(pk=pk, latitude__isnull=False, longitude__isnull=False)
        .values("id", "latitude", "longitude")
        .first()
    )


def map_features(user, filters: ActionFilters) -> tuple[list[dict], bool]:
    """Up to ``MAP_FEATURE_LIMIT`` rows for the map's markers, and whether more were left out.

    One query whatever the data: the visible actions inside the box (the
    ``(latitude, longitude)`` index), newest first, one row past the limit
    to know whether the answer is complete. Only the fields a marker needs:
    never a person's data.
    """
    rows = list(
        actions_visible_to(user)
        .filter(actions_filter_q(filters))
        .filter(latitude__isnull=False, longitude__isnull=False)
        .order_by("-starts_at", "-id")
        .values("id", "title", "starts_at", "kind", "latitude", "longitude", "origin_name")[
            : MAP_FEATURE_LIMIT + 1
        ]
    )
    return rows[:MAP_FEATURE_LIMIT], len(rows) > MAP_FEATURE_LIMIT


@dataclass(frozen=True)
class CohostName:
    """A co-host as the viewer may know it: ``named`` is False for "another group"."""

    group: Group
    name: str
    named: bool


@dataclass
class ActionPage:
    """The action page's data, read in a fixed number of queries."""

    action: Action
    cohosts: list[CohostName] = field(default_factory=list)
    decision: ModerationDecision | None = None  # why it is hidden, when it is


def action_for(user, pk: int) -> Action | None:
    """One action ``user`` may see, with its host, place and tactic; ``None`` otherwise."""
    return (
        actions_visible_to(user)
        .select_related("host_group", "place", "tactic")
        .filter(pk=pk)
        .first()
    )


def action_page(user, pk: int) -> ActionPage | None:
    """The action, its co-host groups and, when hidden, the latest decision to hide it.

    Two queries (three for a hidden action), whatever the number of
    amplifications; ``None`` when ``user`` may not see it.
    """
    action = action_for(user, pk)
    if action is None:
        return None
    viewer_in_network = is_in_network(user)
    cohosts = []
    for group in (
        Group.objects.filter(
            amplifications_given__action=action,
            amplifications_given__kind=AmplificationKind.COHOST,
        )
        .only("id", "name", "slug", "listing_consent", "signed_version_id")
        .order_by("name", "id")
    ):
        # The same rule as the pledge list: unlisted groups are not named outside the network.
        cohosts.append(
            CohostName(
                group=group,
                name=group_label(group, viewer_in_network=viewer_in_network),
                named=group_named(group, viewer_in_network=viewer_in_network),
            )
        )
    decision = None
    if action.is_hidden:
        decision = action.decisions.filter(outcome="hidden").order_by("-at", "-id").first()
    return ActionPage(action=action, cohosts=cohosts, decision=decision)


def posting_groups(user) -> tuple[list[Group], list[Group]]:
    """The person's groups: those they may post for, and those that must sign first (one query)."""
    groups = list(
        Group.objects.filter(pk__in=list(memberships_of(user)))
        .only("id", "name", "slug", "place_id", "signed_version_id", "needs_resign")
        .order_by("name", "id")
    )
    postable = [group for group in groups if can_post_action_for(user, group)]
    return postable, [group for group in groups if group not in postable]


def actions_for_feed() -> list[Action]:
    """The latest ``FEED_ENTRIES`` public, not hidden actions, newest posted first (one query)."""
    return list(
        actions_public()
        .select_related("host_group", "place")
        .order_by("-created_at", "-id")[:FEED_ENTRIES]
    )


# Subscribed calendars: from a month back (so a cancellation still reaches
# subscribers) to a year ahead, at most CALENDAR_ENTRIES entries, soonest first.
CALENDAR_PAST = timedelta(days=30)
CALENDAR_AHEAD = timedelta(days=366)
CALENDAR_ENTRIES = 500


def actions_for_calendar(
    *,
    group: Group | None = None,
    place: Place | None = None,
    within: Q | None = None,
    bounded: bool = True,
    now: datetime | None = None,
) -> list[Action]:
    """Public, not hidden actions for a subscribed calendar (one query), cancelled included.

    ``group``: hosted or co-hosted by it; ``place``: in it or under it;
    ``within``: any other condition (a day's events). ``bounded`` keeps the
    window above; a day of action's own window bounds its feed instead.
    """
    now = now or timezone.now()
    q = in_place(place) & (within or Q())
    if group is not None:
        cohosted = Amplification.objects.filter(group=group, kind=AmplificationKind.COHOST)
        q &= Q(host_group=group) | Q(pk__in=cohosted.values("action_id"))
    if bounded:
        q &= Q(ends_at__gte=now - CALENDAR_PAST, starts_at__lte=now + CALENDAR_AHEAD)
    return list(
        actions_public()
        .filter(q)
        .select_related("host_group", "place")
        .order_by("starts_at", "id")[:CALENDAR_ENTRIES]
    )

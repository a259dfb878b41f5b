"""Reads for the list of actions, the map, the action page and the feeds, in fixed queries.

Every read starts from ``actions.selectors.actions_visible_to`` (or
``actions_public`` for what anonymous readers of feeds get), so nothing here
can show an action to someone the visibility rule hides it from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.core import signing
from django.db import connections
from django.db.models import (
    Count,
    DateTimeField,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
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


# The list counts the actions it matches up to this many; past it the page
# says "more than" instead of counting rows it will never show.
LISTING_COUNT_LIMIT = 1000
CURSOR_SALT = "actions.listing.cursor"


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
    return queryset.filter(ends_at__gte=now, starts_at__gte=_coming_up_bound(now))


def _coming_up_bound(now: datetime):
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
    return Subquery(first[:1])


def _past(queryset: QuerySet[Action], now: datetime) -> QuerySet[Action]:
    # An action ends after it starts (a constraint), so an ended one started
    # before now: the bound lets the start-time index be walked from now back.
    return queryset.filter(ends_at__lt=now, starts_at__lt=now)


class InvalidCursor(ValueError):
    """A page link whose position cannot be read (cut, edited or from elsewhere)."""


@dataclass(frozen=True)
class ListingKey:
    """A row's place in the list's order: its part (coming up or past), start and id."""

    past: bool
    starts_at: datetime
    pk: int

    @classmethod
    def of(cls, action: Action) -> ListingKey:
        return cls(past=bool(action.is_past), starts_at=action.starts_at, pk=action.pk)

    def dumps(self) -> str:
        """Signed, so a link cannot be edited into a position the list never gave."""
        value = [int(self.past), self.starts_at.isoformat(), self.pk]
        return signing.dumps(value, salt=CURSOR_SALT)

    @classmethod
    def loads(cls, raw: str) -> ListingKey:
        try:
            past, moment, pk = signing.loads(raw, salt=CURSOR_SALT)
            starts_at = datetime.fromisoformat(moment)
        except (signing.BadSignature, TypeError, ValueError):
            raise InvalidCursor(raw) from None
        if past not in (0, 1) or not isinstance(pk, int) or starts_at.tzinfo is None:
            raise InvalidCursor(raw)
        return cls(past=bool(past), starts_at=starts_at, pk=pk)


@dataclass
class ListingPage:
    """One page of the list: its rows in order, the count (capped) and its neighbours.

    ``previous`` and ``next`` are the keys to page from (``before``/``after``
    the row); ``previous`` is ``None`` on the first page.
    """

    object_list: list[Action]
    count: int
    count_capped: bool
    previous: ListingKey | None
    next: ListingKey | None

    @property
    def upcoming(self) -> list[Action]:
        return [action for action in self.object_list if not action.is_past]

    @property
    def past(self) -> list[Action]:
        return [action for action in self.object_list if action.is_past]


# The two parts of the list and their orders: coming up by start, soonest
# first (ties: newest id first), then the past newest first. Each "backward"
# order is its forward order reversed, to read the rows before a position.
_FORWARD = {False: ("starts_at", "-id"), True: ("-starts_at", "-id")}
_BACKWARD = {False: ("-starts_at", "id"), True: ("starts_at", "id")}


def _beyond(
    key: ListingKey, *, backward: bool, inclusive: bool = False, opaque_on: str | None = None
) -> Q:
    """The rows of ``key``'s part after it in the list's order (before it when ``backward``).

    Coming up runs forward in time and the past backward; ties go to the
    higher id first in both, so before a row means a higher id on a tie.
    A bound on ``starts_at`` comes first, so the start-time index is entered
    at the key rather than walked from an end. Through what is coming up
    (``opaque_on`` names the database), the key's start is handed over as a one-row subquery: as
    a constant next to "not ended", the planner guessed a handful of rows from
    the ``(ends_at, starts_at, …)`` index and fetched every later action to
    sort them (0.2 s sixty pages in); as a value known only when the query
    runs, it walks the start-time index from the key.
    """
    time = "gt" if key.past == backward else "lt"
    tie = ("gt" if backward else "lt") + ("e" if inclusive else "")
    start = key.starts_at if opaque_on is None else _run_time_value(key.starts_at, opaque_on)
    return Q(**{f"starts_at__{time}e": start}) & (
        Q(**{f"starts_at__{time}": start}) | Q(starts_at=key.starts_at, **{f"id__{tie}": key.pk})
    )


def _run_time_value(moment: datetime, using: str) -> RawSQL:
    # A scalar subquery is evaluated once when the query starts (an InitPlan);
    # the planner cannot read its value, so it keeps to its default guess.
    # Raw SQL gets the value as the database stores it (text on SQLite).
    value = connections[using].ops.adapt_datetimefield_value(moment)
    return RawSQL(  # nosec B611: constant SQL, the value is a parameter
        "SELECT %s", (value,), output_field=DateTimeField()
    )


def _in_order(rows: list, *, past: bool, backward: bool) -> list:
    """(id, start, …) rows in the order their branch read them (a UNION ALL keeps none)."""
    rows = sorted(rows, key=lambda row: row[0], reverse=not backward)
    return sorted(rows, key=lambda row: row[1], reverse=past != backward)


class _Branches:
    """The id queries of one page, sent together as one ``UNION ALL`` (index reads only)."""

    def __init__(self, queryset: QuerySet[Action], now: datetime):
        self._queryset = queryset
        self._now = now
        self._branches: list[tuple[bool, bool]] = []  # (past, backward) per branch
        self._sql: list[str] = []
        self._params: list = []

    def add(
        self,
        *,
        past: bool,
        backward: bool,
        limit: int,
        key: ListingKey | None = None,
        inclusive: bool = False,
    ) -> int:
        """A branch of ``past`` or coming up, from ``key`` on (``key`` is of that part)."""
        # Every read of what is coming up from a position hands the position over opaque.
        keyed_coming_up = not past and key is not None
        forward_coming_up = keyed_coming_up and not backward
        if past:
            part = _past(self._queryset, self._now)
        elif forward_coming_up:
            # The key's start is a bound of its own (_beyond): no earliest start needed.
            part = self._queryset.filter(ends_at__gte=self._now)
        else:
            part = coming_up(self._queryset, self._now)
        if key is not None:
            part = part.filter(
                _beyond(
                    key,
                    backward=backward,
                    inclusive=inclusive,
                    opaque_on=self._queryset.db if keyed_coming_up else None,
                )
            )
        order = (_BACKWARD if backward else _FORWARD)[past]
        ids = part.order_by(*order).values("pk", "starts_at")[:limit]
        sql, params = ids.query.get_compiler(using=self._queryset.db).as_sql()
        number = len(self._branches)
        self._branches.append((past, backward))
        self._sql.append(f"SELECT b.pk, b.starts_at, {number} FROM ({sql}) b")  # noqa: S608  # nosec B608: SQL compiled by the ORM; values are parameters
        self._params.extend(params)
        return number

    def fetch(self) -> list[list[tuple[int, datetime, bool]]]:
        """Each branch's rows as (id, start, past), in the branch's order."""
        with connections[self._queryset.db].cursor() as cursor:
            cursor.execute(" UNION ALL ".join(self._sql), self._params)
            found = cursor.fetchall()
        rows: list[list[tuple[int, datetime, bool]]] = [[] for _ in self._branches]
        for pk, starts_at, number in found:
            rows[number].append((pk, _aware(starts_at), self._branches[number][0]))
        return [
            _in_order(found_rows, past=past, backward=backward)
            for found_rows, (past, backward) in zip(rows, self._branches, strict=True)
        ]


def _aware(moment) -> datetime:
    # SQLite hands raw SQL its text; PostgreSQL an aware datetime.
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    return moment


def actions_listing_page(
    user,
    filters: ActionFilters,
    *,
    after: ListingKey | None = None,
    before: ListingKey | None = None,
    per_page: int,
    now: datetime | None = None,
) -> ListingPage:
    """One page of the actions ``user`` may see: coming up first, then the past.

    Keyset pagination: a page starts ``after`` the last row of the one before
    (or ends ``before`` the first row of the one after), so page 500 costs
    what page 1 does. Three queries whatever the number of actions: the count
    (up to ``LISTING_COUNT_LIMIT``), the page's ids from each part in one
    ``UNION ALL`` (the start-time index), and their cards. Each row's
    ``is_past`` tells the page where "Recently" begins.
    """
    now = now or timezone.now()
    queryset = actions_visible_to(user).filter(actions_filter_q(filters))
    branches = _Branches(queryset, now)
    size = per_page + 1
    if before is not None:
        # The rows before the position (its part, then coming up when it is
        # past), and from the position on, in case they make the first page.
        back = [branches.add(past=before.past, backward=True, limit=size, key=before)]
        if before.past:
            back.append(branches.add(past=False, backward=True, limit=size))
        ahead = [
            branches.add(past=before.past, backward=False, limit=size, key=before, inclusive=True)
        ]
        if not before.past:
            ahead.append(branches.add(past=True, backward=False, limit=size))
    else:
        back = []
        ahead = [
            branches.add(past=bool(after and after.past), backward=False, limit=size, key=after)
        ]
        if not (after and after.past):
            ahead.append(branches.add(past=True, backward=False, limit=size))
    rows = branches.fetch()
    earlier = [row for number in back for row in rows[number]]
    later = [row for number in ahead for row in rows[number]]
    if len(earlier) > per_page:
        chosen = list(reversed(earlier[:per_page]))
        has_previous, has_next = True, True
    else:
        # Within a page of the start: that is the first page.
        sequence = list(reversed(earlier)) + later
        chosen = sequence[:per_page]
        has_previous = after is not None
        has_next = len(sequence) > per_page
    count = queryset.order_by().values("pk")[: LISTING_COUNT_LIMIT + 1].count()
    shown = Action.objects.filter(pk__in=[pk for pk, _starts_at, _past in chosen])
    cards = {action.pk: action for action in _cards(shown)}
    page_rows = []
    for pk, _starts_at, past in chosen:
        action = cards.get(pk)
        if action is not None:
            action.is_past = int(past)
            page_rows.append(action)
    return ListingPage(
        object_list=page_rows,
        count=min(count, LISTING_COUNT_LIMIT),
        count_capped=count > LISTING_COUNT_LIMIT,
        previous=ListingKey.of(page_rows[0]) if has_previous and page_rows else None,
        next=ListingKey.of(page_rows[-1]) if has_next and page_rows else None,
    )


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
    fields: tuple[str, ...] | None = None,
) -> list[Action] | list[tuple]:
    """Public, not hidden actions for a subscribed calendar (one query), cancelled included.

    ``group``: hosted or co-hosted by it; ``place``: in it or under it;
    ``within``: any other condition (a day's events). ``bounded`` keeps the
    window above; a day of action's own window bounds its feed instead.
    With ``fields``, rows of those values instead of actions.
    """
    now = now or timezone.now()
    q = in_place(place) & (within or Q())
    if group is not None:
        cohosted = Amplification.objects.filter(group=group, kind=AmplificationKind.COHOST)
        q &= Q(host_group=group) | Q(pk__in=cohosted.values("action_id"))
    if bounded:
        q &= Q(ends_at__gte=now - CALENDAR_PAST, starts_at__lte=now + CALENDAR_AHEAD)
    chosen = actions_public().filter(q).select_related("host_group", "place")
    if fields is not None:
        chosen = chosen.values_list(*fields)
    return list(chosen.order_by("starts_at", "id")[:CALENDAR_ENTRIES])

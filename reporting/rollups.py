"""Monthly rollups of the network's figures: recomputed per month, read by the dashboard.

Each *source* below runs one grouped aggregate (a few run one per month, where
the figure is a snapshot at the month's end) and yields ``(metric, key, month,
place id, value)``. ``rollups_refresh`` replaces the rows of the given months,
metric by metric, inside one transaction, so a refresh can run twice, or
concurrently with page views, without harm.

Where a row sits (its ``place``) decides what a place filter counts:

- wins, climate signals, actions, tactic adoptions (dated by when the action
  was posted from the tactic), letters, turnout,
  amplification received and support met: the place of the record (or of its
  action);
- unique initiatives, amplification given and the funnel: the group's place
  (a group has one place, so summing distinct groups over places never counts
  one twice);
- relational meetings: group A's place, or group B's when A is unknown;
- ladder levels, new leaders and skills: the place of the person's first group
  (people without a group count for the whole network only);
- ties: the smallest place holding both groups' places (their lowest common
  ancestor; none when the two sit in different trees), so "both groups in the
  chosen place" is one prefix read of the place path.

``rollup_totals_write`` then sums the rows (ties apart) over every place's
subtree into ``RollupTotal``, which is what the dashboard reads.

Snapshots (people per ladder level at the end of each month, skills) depend on
everything before them; ``hooks_dashboard`` refreshes the months after a change
too. Skills carry no date, so only the current month's snapshot can be taken;
past months keep the snapshot taken while they were current.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.db import transaction
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, Greatest, Least, TruncMonth
from django.utils import timezone

from coalition.models import Place

Row = tuple[str, str, datetime.date, int | None, int]

# The network's own actions: imported ones (a source, a followed coalition) count only
# when their source says so (Action.origin_counted); the rest are counted apart.
OWN_ACTIONS = Q(origin_system="") | Q(origin_counted=True)

# The stages at or past each step of Connect → Align → Produce.
REACHED = {
    "contacted": ("contacted", "aligned", "producing"),
    "aligned": ("aligned", "producing"),
    "producing": ("producing",),
}
# Metrics not summed into the totals: a pair of groups is read as such, never added up.
UNSUMMED_METRICS = frozenset({"ties"})
# Metrics summed over every month up to the end of the range, not just the range.
CUMULATIVE_METRICS = frozenset({"funnel_contacted", "funnel_aligned", "funnel_producing"})


def month_start(day: datetime.date | datetime.datetime) -> datetime.date:
    """The first day of the month of ``day`` (a datetime is read in the local time zone)."""
    if isinstance(day, datetime.datetime):
        day = timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
    return day.replace(day=1)


def month_next(month: datetime.date) -> datetime.date:
    return datetime.date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def months_from(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months, current = [], month_start(first)
    while current <= last:
        months.append(current)
        current = month_next(current)
    return months


def _moment(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _as_month(value) -> datetime.date:
    return month_start(value)


@dataclass
class Span:
    """The months a refresh covers, with bounds for date and datetime fields."""

    months: list[datetime.date]

    @property
    def first(self) -> datetime.date:
        return self.months[0]

    @property
    def after(self) -> datetime.date:  # the day after the last month
        return month_next(self.months[-1])

    def dates(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.first, f"{field}__lt": self.after})

    def moments(self, field: str) -> Q:
        return Q(**{f"{field}__gte": _moment(self.first), f"{field}__lt": _moment(self.after)})


def _home_place(person_ref: str) -> Subquery:
    """The place of a person's first group, for rows about people."""
    from members.models import Membership

    return Subquery(
        Membership.objects.filter(person=OuterRef(person_ref))
        .order_by("id")
        .values("group__place_id")[:1],
        output_field=IntegerField(),
    )


# --- Sources: each yields rows for the metrics it names --------------------


def _wins(span: Span) -> Iterator[Row]:
    from reporting.models import Win

    rows = (
        Win.objects.filter(span.dates("won_on"))
        .annotate(month=TruncMonth("won_on"))
        .order_by()
        .values("month", "level", "place_id")
        .annotate(n=Count("id"))
    )
    for row in rows:
        yield "wins", row["level"], _as_month(row["month"]), row["place_id"], row["n"]


def _climate(span: Span) -> Iterator[Row]:
    from reporting.models import ClimateSignal

    rows = (
        ClimateSignal.objects.filter(span.dates("said_on"))
        .annotate(month=TruncMonth("said_on"))
        .order_by()
        .values("month", "stance", "place_id")
        .annotate(n=Count("id"))
    )
    for row in rows:
        yield "climate", row["stance"], _as_month(row["month"]), row["place_id"], row["n"]


def _meetings(span: Span) -> Iterator[Row]:
    from members.models import RelationalMeeting

    between = Q(group_a__isnull=False, group_b__isnull=False) & ~Q(group_a=F("group_b"))
    rows = (
        RelationalMeeting.objects.filter(span.dates("met_on"))
        .annotate(
            month=TruncMonth("met_on"), home=Coalesce("group_a__place_id", "group_b__place_id")
        )
        .order_by()
        .values("month", "home")
        .annotate(n=Count("id"), between=Count("id", filter=between))
    )
    for row in rows:
        month = _as_month(row["month"])
        yield "meetings", "all", month, row["home"], row["n"]
        yield "meetings", "between", month, row["home"], row["between"]


def _ties(span: Span) -> Iterator[Row]:
    """Pairs of groups tied by a meeting between their people or a co-hosted action.

    A co-hosting counts in the month it was agreed (the amplification's date).
    """
    from actions.models import Amplification
    from members.models import RelationalMeeting

    found: dict[tuple[str, datetime.date], int] = {}
    meetings = (
        RelationalMeeting.objects.filter(span.dates("met_on"))
        .filter(group_a__isnull=False, group_b__isnull=False)
        .exclude(group_a=F("group_b"))
        .annotate(
            month=TruncMonth("met_on"),
            low=Least("group_a_id", "group_b_id"),
            high=Greatest("group_a_id", "group_b_id"),
        )
        .order_by()
        .values("month", "low", "high")
        .annotate(n=Count("id"))
    )
    cohosts = (
        Amplification.objects.filter(span.moments("created_at"), kind="cohost")
        .exclude(group=F("action__host_group"))
        .annotate(
            month=TruncMonth("created_at"),
            low=Least("group_id", "action__host_group_id"),
            high=Greatest("group_id", "action__host_group_id"),
        )
        .order_by()
        .values("month", "low", "high")
        .annotate(n=Count("id"))
    )
    found_places: dict[str, int | None] = {}
    homes = _group_paths()
    by_path = {path: pk for pk, path in Place.objects.values_list("id", "path")}
    for rows in (meetings, cohosts):
        for row in rows:
            pair = f"{row['low']}:{row['high']}"
            key = (pair, _as_month(row["month"]))
            found[key] = found.get(key, 0) + row["n"]
            if pair not in found_places:
                found_places[pair] = _common_place(
                    homes.get(row["low"]), homes.get(row["high"]), by_path
                )
    for (pair, month), n in found.items():
        yield "ties", pair, month, found_places[pair], n


def _group_paths() -> dict[int, tuple[int, str]]:
    """{group id: (its place's id, that place's path)} for every group with a place."""
    from members.models import Group

    return {
        pk: (place_id, path)
        for pk, place_id, path in Group.objects.filter(place__isnull=False).values_list(
            "id", "place_id", "place__path"
        )
    }


def _common_place(
    one: tuple[int, str] | None, other: tuple[int, str] | None, by_path: dict[str, int]
) -> int | None:
    """The smallest place holding both, from their paths (None: no common place)."""
    if one is None or other is None:
        return None
    width = len(Place.segment(1))
    first, second = one[1], other[1]
    shared = 0
    while (
        shared + width <= min(len(first), len(second))
        and first[shared : shared + width] == second[shared : shared + width]
    ):
        shared += width
    if shared == 0:
        return None
    prefix = first[:shared]
    if prefix == first:
        return one[0]
    if prefix == second:
        return other[0]
    return by_path.get(prefix)


def _actions(span: Span) -> Iterator[Row]:
    """Actions by kind, and from the same rows letters and turnout.

    Cancelled and hidden actions do not count. People turned out are those who
    took part (or, until the host reports it, the RSVPs) of actions already started.
    """
    from actions.models import Action, ActionStatus

    started = Q(starts_at__lte=timezone.now())
    rows = (
        Action.objects.filter(span.moments("starts_at"), OWN_ACTIONS, hidden_at__isnull=True)
        .exclude(status=ActionStatus.CANCELLED)
        .annotate(month=TruncMonth("starts_at"))
        .order_by()
        .values("month", "kind", "place_id")
        .annotate(
            n=Count("id"),
            letters=Coalesce(Sum("letters_sent"), 0),
            turned_out=Coalesce(Sum(Coalesce("participants", "rsvp_count"), filter=started), 0),
        )
    )
    # The rows are per kind; letters and turnout have no key, so they
    # are summed over the kinds of a month and place (one rollup row each).
    unkeyed: dict[tuple[str, datetime.date, int | None], int] = {}
    for row in rows:
        month, place = _as_month(row["month"]), row["place_id"]
        yield "actions", row["kind"], month, place, row["n"]
        for metric, field in (("letters", "letters"), ("turnout", "turned_out")):
            key = (metric, month, place)
            unkeyed[key] = unkeyed.get(key, 0) + row[field]
    for (metric, month, place), value in unkeyed.items():
        yield metric, "", month, place, value


def _public_held(span: Span) -> Iterator[Row]:
    """Public, shown actions held (done) and the people who took part in them.

    The public impact page's two figures (``impact_overview``), summed from
    ``RollupTotal`` instead of counting every done action per request. The
    same actions as ``public_actions_held``: any origin, dated when they took place.
    """
    from actions.models import Action, ActionStatus
    from actions.models import Visibility as ActionVisibility

    rows = (
        Action.objects.filter(
            span.moments("starts_at"),
            visibility=ActionVisibility.PUBLIC,
            hidden_at__isnull=True,
            status=ActionStatus.DONE,
        )
        .annotate(month=TruncMonth("starts_at"))
        .order_by()
        .values("month", "place_id")
        .annotate(n=Count("id"), people=Coalesce(Sum("participants"), 0))
    )
    for row in rows:
        month = _as_month(row["month"])
        yield "public_held", "", month, row["place_id"], row["n"]
        if row["people"]:
            yield "public_people", "", month, row["place_id"], row["people"]


def _tactic_adoptions(span: Span) -> Iterator[Row]:
    """Actions posted from a playbook tactic, by the month they were posted.

    Posting an action from a tactic is adopting it (the posting form says so),
    so an adoption is dated by the action's ``created_at``, not by when the
    action takes place: a group adopting a tactic in March for a June action
    counts in March. Same actions as ``_actions`` (own, shown, not cancelled),
    in the action's place.
    """
    from actions.models import Action, ActionStatus

    rows = (
        Action.objects.filter(
            span.moments("created_at"), OWN_ACTIONS, hidden_at__isnull=True, tactic__isnull=False
        )
        .exclude(status=ActionStatus.CANCELLED)
        .annotate(month=TruncMonth("created_at"))
        .order_by()
        .values("month", "place_id")
        .annotate(n=Count("id"))
    )
    for row in rows:
        yield "tactic_adoptions", "", _as_month(row["month"]), row["place_id"], row["n"]


def _followed(span: Span) -> Iterator[Row]:
    """Imported events (sources, followed coalitions) kept out of our own figures, counted
    apart per origin so the dashboard shows them beside, never inside, the network's."""
    from actions.models import Action, ActionStatus

    rows = (
        Action.objects.filter(span.moments("starts_at"), hidden_at__isnull=True)
        .exclude(OWN_ACTIONS)
        .exclude(status=ActionStatus.CANCELLED)
        .annotate(month=TruncMonth("starts_at"))
        .order_by()
        .values("month", "origin_name", "place_id")
        .annotate(n=Count("id"))
    )
    for row in rows:
        yield (
            "followed",
            row["origin_name"][:40],
            _as_month(row["month"]),
            row["place_id"],
            row["n"],
        )


def _initiatives(span: Span) -> Iterator[Row]:
    """Distinct host groups acting each month, in the host group's place."""
    from actions.models import Action, ActionStatus

    rows = (
        Action.objects.filter(span.moments("starts_at"), OWN_ACTIONS, hidden_at__isnull=True)
        .exclude(status=ActionStatus.CANCELLED)
        .annotate(month=TruncMonth("starts_at"))
        .order_by()
        .values("month", "host_group__place_id")
        .annotate(n=Count("host_group", distinct=True))
    )
    for row in rows:
        yield "initiatives", "", _as_month(row["month"]), row["host_group__place_id"], row["n"]


def _amplification(span: Span) -> Iterator[Row]:
    from actions.models import Amplification

    for metric, place_field in (
        ("amplification_given", "group__place_id"),
        ("amplification_received", "action__place_id"),
    ):
        rows = (
            Amplification.objects.filter(span.moments("created_at"))
            .annotate(month=TruncMonth("created_at"))
            .order_by()
            .values("month", "kind", place_field)
            .annotate(n=Count("id"))
        )
        for row in rows:
            yield metric, row["kind"], _as_month(row["month"]), row[place_field], row["n"]


def _support_met(span: Span) -> Iterator[Row]:
    from actions.models import SupportRequest

    rows = (
        SupportRequest.objects.filter(span.moments("met_at"))
        .annotate(month=TruncMonth("met_at"))
        .order_by()
        .values("month", "action__place_id")
        .annotate(n=Count("id"))
    )
    for row in rows:
        yield "support_met", "", _as_month(row["month"]), row["action__place_id"], row["n"]


_LADDER_LEVELS_SQL = """
WITH steps AS (
    SELECT s.person_id, s.level_id,
           date_trunc('month', s.at::timestamp)::date AS first_month,
           lead(date_trunc('month', s.at::timestamp)::date)
               OVER (PARTITION BY s.person_id ORDER BY s.at, s.id) AS next_month
    FROM {steps} s
    WHERE s.at < %(after)s
),
home AS (
    SELECT DISTINCT ON (m.person_id) m.person_id, g.place_id
    FROM {memberships} m JOIN {groups} g ON g.id = m.group_id
    ORDER BY m.person_id, m.id
)
SELECT st.level_id, months.month::date, home.place_id, count(*)
FROM steps st
CROSS JOIN LATERAL generate_series(
    greatest(st.first_month, %(first)s::date)::timestamp,
    least(coalesce(st.next_month - 1, %(last)s::date), %(last)s::date)::timestamp,
    interval '1 month'
) AS months(month)
LEFT JOIN home ON home.person_id = st.person_id
GROUP BY 1, 2, 3
"""


def _ladder_levels_sql(span: Span) -> Iterator[Row]:
    """The same rows as ``_ladder_levels`` in one query (PostgreSQL): each step holds
    from its month until the month before the person's next step (none when the
    next step is in the same month), spread over those months by generate_series."""
    from django.db import connection

    from members.models import Group, LadderStep, Membership

    sql = _LADDER_LEVELS_SQL.format(
        steps=connection.ops.quote_name(LadderStep._meta.db_table),
        memberships=connection.ops.quote_name(Membership._meta.db_table),
        groups=connection.ops.quote_name(Group._meta.db_table),
    )
    params = {"first": span.first, "last": span.months[-1], "after": span.after}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for level_id, month, place_id, n in rows:
        yield "ladder_level", str(level_id), month, place_id, n


def _ladder_levels(span: Span) -> Iterator[Row]:
    """People per level at the end of each month: one grouped query per month, or
    one query for the whole span on PostgreSQL (minutes less over five years)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        yield from _ladder_levels_sql(span)
    else:
        yield from _ladder_levels_by_month(span)


def _ladder_levels_by_month(span: Span) -> Iterator[Row]:
    from members.models import LadderStep, User

    for month in span.months:
        last_day = month_next(month) - datetime.timedelta(days=1)
        level = Subquery(
            LadderStep.objects.filter(person=OuterRef("pk"), at__lte=last_day)
            .order_by("-at", "-id")
            .values("level_id")[:1],
            output_field=IntegerField(),
        )
        rows = (
            User.objects.annotate(level=level, home=_home_place("pk"))
            .filter(level__isnull=False)
            .order_by()
            .values("level", "home")
            .annotate(n=Count("id"))
        )
        for row in rows:
            yield "ladder_level", str(row["level"]), month, row["home"], row["n"]


def _new_leaders(span: Span) -> Iterator[Row]:
    """People's first step onto a level that counts as a leader, by month."""
    from members.models import LadderStep

    earlier = LadderStep.objects.filter(
        person=OuterRef("person"), level__counts_as_leader=True
    ).filter(Q(at__lt=OuterRef("at")) | Q(at=OuterRef("at"), pk__lt=OuterRef("pk")))
    rows = (
        LadderStep.objects.filter(span.dates("at"), level__counts_as_leader=True)
        .filter(~Exists(earlier))
        .annotate(month=TruncMonth("at"), home=_home_place("person"))
        .order_by()
        .values("month", "home")
        .annotate(n=Count("person", distinct=True))
    )
    for row in rows:
        yield "new_leaders", "", _as_month(row["month"]), row["home"], row["n"]


def _funnel(span: Span) -> Iterator[Row]:
    """Groups reaching each step of the funnel for the first time, by month."""
    from members.models import StageChange

    for step, stages in REACHED.items():
        earlier = StageChange.objects.filter(group=OuterRef("group"), to_stage__in=stages).filter(
            Q(at__lt=OuterRef("at")) | Q(at=OuterRef("at"), pk__lt=OuterRef("pk"))
        )
        rows = (
            StageChange.objects.filter(span.moments("at"), to_stage__in=stages)
            .filter(~Exists(earlier))
            .annotate(month=TruncMonth("at"))
            .order_by()
            .values("month", "group__place_id")
            .annotate(n=Count("group", distinct=True))
        )
        for row in rows:
            yield f"funnel_{step}", "", _as_month(row["month"]), row["group__place_id"], row["n"]


def _skills(span: Span) -> Iterator[Row]:
    """People per skill now, kept as the current month's snapshot."""
    from members.models import User

    current = month_start(timezone.localdate())
    if current not in span.months:
        return
    rows = (
        User.skills.through.objects.annotate(home=_home_place("user_id"))
        .order_by()
        .values("skill_id", "home")
        .annotate(n=Count("user_id"))
    )
    for row in rows:
        yield "skill", str(row["skill_id"]), current, row["home"], row["n"]


@dataclass(frozen=True)
class Source:
    metrics: tuple[str, ...]
    rows: Callable[[Span], Iterable[Row]]
    # Snapshots of "now" can only be written for the current month.
    current_month_only: bool = False


SOURCES: list[Source] = [
    Source(("wins",), _wins),
    Source(("climate",), _climate),
    Source(("meetings",), _meetings),
    Source(("ties",), _ties),
    Source(("actions", "letters", "turnout"), _actions),
    Source(("tactic_adoptions",), _tactic_adoptions),
    Source(("public_held", "public_people"), _public_held),
    Source(("initiatives",), _initiatives),
    Source(("followed",), _followed),
    Source(("amplification_given", "amplification_received"), _amplification),
    Source(("support_met",), _support_met),
    Source(("ladder_level",), _ladder_levels),
    Source(("new_leaders",), _new_leaders),
    Source(("funnel_contacted", "funnel_aligned", "funnel_producing"), _funnel),
    Source(("skill",), _skills, current_month_only=True),
]


def _default_months() -> list[datetime.date]:
    current = month_start(timezone.localdate())
    return [month_start(current - datetime.timedelta(days=1)), current]


def _contiguous(months: list[datetime.date]) -> list[list[datetime.date]]:
    """Runs of consecutive months, so each run is one range per grouped query."""
    runs: list[list[datetime.date]] = []
    for month in months:
        if runs and month_next(runs[-1][-1]) == month:
            runs[-1].append(month)
        else:
            runs.append([month])
    return runs


def rollups_refresh(
    *, months: list[datetime.date] | None = None, metrics: set[str] | None = None
) -> int:
    """Recompute every rollup of ``months`` (default: the previous and the current month).

    Returns the number of rows written. Each metric's rows for a run of
    consecutive months are replaced inside one transaction (delete, then one
    bulk insert), so readers see either the old or the new figures.
    ``metrics``: only the sources of these metrics (a metric added later).
    """
    from reporting.models import Rollup

    wanted = sorted({month_start(m) for m in (months or _default_months())})
    current = month_start(timezone.localdate())
    paths = dict(Place.objects.values_list("id", "path"))
    written = 0
    for run in _contiguous(wanted):
        span = Span(run)
        for source in SOURCES:
            if metrics is not None and not metrics & set(source.metrics):
                continue
            covered = [current] if source.current_month_only else run
            if source.current_month_only and current not in run:
                continue
            new = [
                Rollup(
                    metric=metric,
                    key=key[:40],
                    month=month,
                    place_id=place_id,
                    place_path=paths.get(place_id, "") if place_id else "",
                    value=value,
                )
                for metric, key, month, place_id, value in source.rows(span)
                if value and month in covered
            ]
            with transaction.atomic():
                Rollup.objects.filter(metric__in=source.metrics, month__in=covered).delete()
                Rollup.objects.bulk_create(new, batch_size=1000)
                rollup_totals_write(source.metrics, covered[0], covered[-1])
            written += len(new)
    rollups_changed()
    return written


# Table names are quoted by the connection; every value is a parameter.
_TOTALS_NETWORK_SQL = """
INSERT INTO {totals} (scope, month, metric, key, value)
SELECT 0, r.month, r.metric, r.key, SUM(r.value) FROM {rollups} r
WHERE r.metric IN ({metrics}) AND r.month >= %s AND r.month <= %s
GROUP BY r.month, r.metric, r.key
"""
# One level of the tree: each row's place joined to its ancestor at that depth,
# whose path is the first ``level × segment`` characters of the place's own.
_TOTALS_LEVEL_SQL = """
INSERT INTO {totals} (scope, month, metric, key, value)
SELECT a.id, r.month, r.metric, r.key, SUM(r.value) FROM {rollups} r
JOIN {places} p ON p.id = r.place_id
JOIN {places} a ON a.path = SUBSTR(p.path, 1, %s) AND LENGTH(p.path) >= %s
WHERE r.metric IN ({metrics}) AND r.month >= %s AND r.month <= %s
GROUP BY a.id, r.month, r.metric, r.key
"""


def rollup_totals_write(metrics: Iterable[str], first: datetime.date, last: datetime.date) -> int:
    """Replace the totals of ``metrics`` from month ``first`` to ``last`` (included) by
    the sums of their rollups: one row per place and the whole of its subtree (an
    INSERT … SELECT per level of the tree, joining each row's place to its ancestor
    at that level by path), and one for the whole network (scope 0).

    The rollups' own places are read through ``coalition_place``, so a moved place
    counts where it is now. Returns the number of rows written.
    """
    from django.db import connection

    from reporting.models import Rollup, RollupTotal

    metrics = sorted(set(metrics) - UNSUMMED_METRICS)
    if not metrics:
        return 0
    RollupTotal.objects.filter(metric__in=metrics, month__gte=first, month__lte=last).delete()
    quote = connection.ops.quote_name
    tables = {
        "totals": quote(RollupTotal._meta.db_table),
        "rollups": quote(Rollup._meta.db_table),
        "places": quote(Place._meta.db_table),
        "metrics": ", ".join(["%s"] * len(metrics)),
    }
    params = [*metrics, first, last]
    width = len(Place.segment(1))
    deepest = Place.objects.order_by("-depth").values_list("depth", flat=True).first()
    written = 0
    with connection.cursor() as cursor:
        cursor.execute(_TOTALS_NETWORK_SQL.format(**tables), params)
        written += cursor.rowcount
        for level in range(1, (deepest if deepest is not None else -1) + 2):
            cursor.execute(
                _TOTALS_LEVEL_SQL.format(**tables), [level * width, level * width, *params]
            )
            written += cursor.rowcount
    return written


def rollups_changed() -> None:
    """A new token for ``RollupState``: cached dashboard answers keyed by the old one
    are never read again."""
    import uuid

    from reporting.models import RollupState

    RollupState.objects.update_or_create(
        pk=1, defaults={"token": uuid.uuid4().hex, "refreshed_at": timezone.now()}
    )


def rollups_token() -> str | None:
    """The current ``RollupState`` token (None before the first refresh)."""
    from reporting.models import RollupState

    return RollupState.objects.filter(pk=1).values_list("token", flat=True).first()


def first_record_month() -> datetime.date:
    """The month of the oldest dated record any rollup counts (this month when none)."""
    from actions.models import Action, Amplification, SupportRequest
    from members.models import LadderStep, RelationalMeeting, StageChange
    from reporting.models import ClimateSignal, Win

    candidates = [
        Win.objects.aggregate(first=Min("won_on"))["first"],
        ClimateSignal.objects.aggregate(first=Min("said_on"))["first"],
        RelationalMeeting.objects.aggregate(first=Min("met_on"))["first"],
        LadderStep.objects.aggregate(first=Min("at"))["first"],
        Action.objects.aggregate(first=Min("starts_at"))["first"],
        Amplification.objects.aggregate(first=Min("created_at"))["first"],
        SupportRequest.objects.aggregate(first=Min("met_at"))["first"],
        StageChange.objects.aggregate(first=Min("at"))["first"],
    ]
    found = [month_start(value) for value in candidates if value is not None]
    return min(found, default=month_start(timezone.localdate()))


# Metrics added after a database's rollups were built: filled for every month
# by the first scheduled refresh that finds none (``rollups_fill_missing``).
LATER_METRICS = ("public_held",)


def rollups_fill_missing() -> int:
    """Fill, for every month, the sources of ``LATER_METRICS`` the rollups never held.

    Cheap when done (one indexed read per metric); returns the rows written.
    """
    from actions.models import Action
    from reporting.models import Rollup

    missing = {m for m in LATER_METRICS if not Rollup.objects.filter(metric=m).exists()}
    if not missing:
        return 0
    last = month_start(timezone.localdate())
    furthest = Action.objects.order_by("-starts_at").values_list("starts_at", flat=True).first()
    if furthest is not None:
        last = max(last, month_start(furthest))
    return rollups_refresh(months=months_from(first_record_month(), last), metrics=missing)


def rollups_rebuild() -> int:
    """Every rollup from the first record's month to the latest (the current month or
    the month of the furthest planned action), after wiping the table."""
    from actions.models import Action
    from reporting.models import Rollup, RollupTotal

    last = month_start(timezone.localdate())
    furthest = Action.objects.order_by("-starts_at").values_list("starts_at", flat=True).first()
    if furthest is not None:
        last = max(last, month_start(furthest))
    with transaction.atomic():
        Rollup.objects.all().delete()
        RollupTotal.objects.all().delete()
        return rollups_refresh(months=months_from(first_record_month(), last))

"""The dashboard's figures, as charts (monthly series) and single numbers.

This is the one interface between the figures and everything that shows
them: the dashboard page, its CSV downloads and the PDF/CSV reports all call
``dashboard_charts`` and ``dashboard_figures`` with the same filters. Each chart
is read from rollups or small aggregate queries, never by scanning raw tables
per page view, in a fixed number of queries whatever the size of the network.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from coalition.models import Place


@dataclass
class Series:
    key: str
    label: str
    points: list[tuple[date, int]]  # (first day of the month, value), every month of the range


@dataclass
class Chart:
    slug: str  # stable, used in URLs and file names
    cell: str  # "wins", "climate", "relationships", "leaders" or "outputs"
    title: str
    series: list[Series]
    unit: str = ""
    note: str = ""
    # "bar": the series are parts of a whole, stacked each month; "line": they
    # are separate measures (e.g. all meetings and those between groups).
    kind: str = "bar"


@dataclass
class Filters:
    start: date  # first day of the first month
    end: date  # last day of the last month
    place: Place | None = None
    months: list[date] = field(default_factory=list)
    # The rollups' token when the request began (None: no rollups yet): part of
    # every cache key, so an answer is never read after the figures changed.
    token: str | None = None
    # Rollup sums of the range, read once (one query) and shared by every chart.
    _sums: dict[tuple[str, str, date], int] | None = field(default=None, repr=False)
    # {(metric, key or None for every key): sum over the range}, from ``_sums``.
    _totals: dict[tuple[str, str | None], int] | None = field(default=None, repr=False)

    @property
    def scope(self) -> int:
        """``RollupTotal.scope`` of the place: its id, or 0 for the whole network."""
        return self.place.pk if self.place is not None else 0


# Cached answers live until the rollups change (the token) or this long.
CACHE_SECONDS = 6 * 3600


def cached(filters: Filters, name: str, compute: Callable[[], object]) -> object:
    """``compute()`` for these filters, cached per place, range and rollups' token.

    Only language-independent values are cached (numbers, ids, names); labels
    are translated when the charts are built. Without rollups (no token) nothing
    is cached: there is nothing to invalidate the answer by.
    """
    if filters.token is None:
        return compute()
    from django.core.cache import cache

    where = f"{filters.scope}:{filters.start}:{filters.end}"
    key = f"reporting:dashboard:{filters.token}:{where}:{name}"
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, CACHE_SECONDS)
    return found


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The same number of whole months, ending the day before ``start``."""
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    index = start.year * 12 + start.month - 1 - months
    return date(index // 12, index % 12 + 1, 1), start - timedelta(days=1)


def months_between(start: date, end: date) -> list[date]:
    months, current = [], start.replace(day=1)
    while current <= end:
        months.append(current)
        current = date(current.year + (current.month == 12), current.month % 12 + 1, 1)
    return months


def rollup_sums(filters: Filters) -> dict[tuple[str, str, date], int]:
    """{(metric, key, month): value summed over the place's subtree}, for the range.

    One index range read of ``RollupTotal`` (``scope``, then months) for every
    chart of the dashboard, whatever the size of the network: at most
    metrics × keys × months rows.
    """
    if filters._sums is None:

        def read() -> dict[tuple[str, str, date], int]:
            from reporting.models import RollupTotal

            rows = RollupTotal.objects.filter(
                scope=filters.scope, month__gte=filters.start.replace(day=1), month__lte=filters.end
            ).values_list("metric", "key", "month", "value")
            return {(metric, key, month): value for metric, key, month, value in rows}

        filters._sums = cached(filters, "sums", read)
    return filters._sums


def rollup_totals_to_end(filters: Filters, metrics: set[str]) -> dict[str, int]:
    """{metric: value summed over every month up to the end of the range}: one query."""

    def read() -> dict[str, int]:
        from reporting.models import RollupTotal

        rows = (
            RollupTotal.objects.filter(
                scope=filters.scope, month__lte=filters.end, metric__in=sorted(metrics)
            )
            .order_by()
            .values("metric")
            .annotate(total=Sum("value"))
        )
        return {row["metric"]: row["total"] for row in rows}

    return cached(filters, "to-end:" + ",".join(sorted(metrics)), read)


def metric_series(filters: Filters, metric: str, key: str, label: str) -> Series:
    sums = rollup_sums(filters)
    return Series(
        key=key or metric,
        label=str(label),
        points=[(month, sums.get((metric, key, month), 0)) for month in filters.months],
    )


def metric_series_by_key(filters: Filters, metric: str, choices) -> list[Series]:
    """One series per (key, label) of ``choices``, in their order."""
    return [metric_series(filters, metric, str(key), label) for key, label in choices]


def metric_total(filters: Filters, metric: str, key: str | None = None) -> int:
    """The metric over the whole range (every key, or one)."""
    if filters._totals is None:
        totals: dict[tuple[str, str | None], int] = {}
        for (name, k, _month), value in rollup_sums(filters).items():
            totals[name, k] = totals.get((name, k), 0) + value
            totals[name, None] = totals.get((name, None), 0) + value
        filters._totals = totals
    return filters._totals.get((metric, key), 0)


def wins_chart(filters: Filters) -> Chart:
    from reporting.models import WinLevel

    return Chart(
        slug="wins",
        cell="wins",
        title=str(_("Wins")),
        series=metric_series_by_key(filters, "wins", WinLevel.choices),
        unit=str(_("wins")),
    )


def climate_chart(filters: Filters) -> Chart:
    from reporting.models import Stance

    return Chart(
        slug="climate",
        cell="climate",
        title=str(_("Climate signals by stance")),
        series=metric_series_by_key(filters, "climate", Stance.choices),
        unit=str(_("signals")),
    )


# The dashboard's charts, in display order. More are registered by
# ``reporting.dashboard_cells`` (relationships, leaders, outputs).
CHARTS: list[Callable[[Filters], Chart]] = [wins_chart, climate_chart]

# Functions adding single figures to ``dashboard_figures``' answer, in order.
FIGURES: list[Callable[[Filters], dict[str, object]]] = []


def _filters(start: date, end: date, place: Place | None) -> Filters:
    from reporting.rollups import rollups_token

    return Filters(
        start=start,
        end=end,
        place=place,
        months=months_between(start, end),
        token=rollups_token(),
    )


def dashboard_charts(*, start: date, end: date, place: Place | None = None) -> list[Chart]:
    filters = _filters(start, end, place)
    return [chart(filters) for chart in CHARTS]


@dataclass
class Answer:
    """What the dashboard page shows: the charts and figures of the range and, for
    the trends, the figures of the previous period (``trend_figures``' keys)."""

    charts: list[Chart]
    figures: dict[str, object]
    before: dict[str, int]


def dashboard(
    *, start: date, end: date, before: tuple[date, date], place: Place | None = None
) -> Answer:
    """``dashboard_charts`` and ``dashboard_figures`` of the range and the trends' figures
    of ``before`` (first day, last day), sharing the rollups' token and one read of
    the sums per period."""
    from reporting.dashboard_cells import trend_figures

    filters = _filters(start, end, place)
    figures: dict[str, object] = {}
    for figure in FIGURES:
        figures.update(figure(filters))
    previous = Filters(
        start=before[0],
        end=before[1],
        place=place,
        months=months_between(*before),
        token=filters.token,
    )
    return Answer(
        charts=[chart(filters) for chart in CHARTS],
        figures=figures,
        before=trend_figures(previous),
    )


def dashboard_chart(*, slug: str, start: date, end: date, place: Place | None = None):
    """The one chart with this slug, or None (all are built from the same single query)."""
    return next(
        (c for c in dashboard_charts(start=start, end=end, place=place) if c.slug == slug), None
    )


def dashboard_figures(*, start: date, end: date, place: Place | None = None) -> dict[str, object]:
    """Single numbers and small tables, by name (see ``reporting.dashboard_cells``).

    Numbers are ints; shares are floats between 0 and 1, or None when there is
    nothing to divide by; lists of names are lists of str; small tables are
    lists of (label, value) pairs. Keys: wins_total, wins_latest (dicts of
    title, won_on, level, place), signals_total, meetings_total,
    meetings_between_groups, meetings_between_share, active_groups, ties,
    possible_ties, tie_density, isolated_groups (at most 50 names),
    isolated_groups_count, bridging_groups (at most 50), bridging_groups_count, leaders_now,
    new_leaders, skills, actions_total, events_total, letters_sent, people_turned_out,
    support_met, tactic_adoptions, amplification_given, amplification_received,
    groups_by_stage, groups_signed, contacted, aligned, producing, connect_to_align,
    align_to_produce.
    """
    filters = _filters(start, end, place)
    figures: dict[str, object] = {}
    for figure in FIGURES:
        figures.update(figure(filters))
    return figures


# Registers the relationships, leaders and outputs cells (imported last: it
# builds on the helpers above).
from reporting import dashboard_cells  # noqa: E402, F401

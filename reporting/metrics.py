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
from datetime import date

from django.db.models import Q, Sum
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
    # Rollup sums of the range, read once (one query) and shared by every chart.
    _sums: dict[tuple[str, str, date], int] | None = field(default=None, repr=False)


def months_between(start: date, end: date) -> list[date]:
    months, current = [], start.replace(day=1)
    while current <= end:
        months.append(current)
        current = date(current.year + (current.month == 12), current.month % 12 + 1, 1)
    return months


def _in_place_rollups(place: Place | None) -> Q:
    from reporting.rollups import PLACELESS_METRICS

    if place is None:
        return Q()
    return Q(place_path__startswith=place.path) | Q(metric__in=PLACELESS_METRICS)


def rollup_sums(filters: Filters) -> dict[tuple[str, str, date], int]:
    """{(metric, key, month): value summed over the place's subtree}, for the range.

    One query for every chart of the dashboard, whatever the size of the
    network: the rollups hold at most (metrics × keys × months × places) rows.
    """
    if filters._sums is None:
        from reporting.models import Rollup

        rows = (
            Rollup.objects.filter(month__gte=filters.start.replace(day=1), month__lte=filters.end)
            .filter(_in_place_rollups(filters.place))
            .order_by()
            .values("metric", "key", "month")
            .annotate(total=Sum("value"))
        )
        filters._sums = {(r["metric"], r["key"], r["month"]): r["total"] for r in rows}
    return filters._sums


def rollup_totals_to_end(filters: Filters, metrics: set[str]) -> dict[str, int]:
    """{metric: value summed over every month up to the end of the range}: one query."""
    from reporting.models import Rollup

    rows = (
        Rollup.objects.filter(metric__in=metrics, month__lte=filters.end)
        .filter(_in_place_rollups(filters.place))
        .order_by()
        .values("metric")
        .annotate(total=Sum("value"))
    )
    return {row["metric"]: row["total"] for row in rows}


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
    return sum(
        value
        for (name, k, _month), value in rollup_sums(filters).items()
        if name == metric and (key is None or k == key)
    )


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
    return Filters(start=start, end=end, place=place, months=months_between(start, end))


def dashboard_charts(*, start: date, end: date, place: Place | None = None) -> list[Chart]:
    filters = _filters(start, end, place)
    return [chart(filters) for chart in CHARTS]


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
    possible_ties, tie_density, isolated_groups, bridging_groups, leaders_now,
    new_leaders, skills, actions_total, letters_sent, people_turned_out,
    support_met, tactic_adoptions, amplification_given, amplification_received,
    groups_by_stage, contacted, aligned, producing, connect_to_align,
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

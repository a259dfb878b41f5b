"""The dashboard's figures, as charts (monthly series) and single numbers.

This is the one interface between the figures and everything that shows
them: the dashboard page, its CSV downloads and the PDF/CSV reports all call
``dashboard_charts`` and ``dashboard_figures`` with the same filters. Each chart
is read from rollups or small aggregate queries, never by scanning raw tables
per page view, in a fixed number of queries whatever the size of the network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count
from django.db.models.functions import TruncMonth

from coalition.models import Place
from coalition.selectors import in_place


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


@dataclass
class Filters:
    start: date  # first day of the first month
    end: date  # last day of the last month
    place: Place | None = None
    months: list[date] = field(default_factory=list)


def months_between(start: date, end: date) -> list[date]:
    months, current = [], start.replace(day=1)
    while current <= end:
        months.append(current)
        current = date(current.year + (current.month == 12), current.month % 12 + 1, 1)
    return months


def _series(key: str, label: str, rows: dict[date, int], months: list[date]) -> Series:
    return Series(key=key, label=label, points=[(month, rows.get(month, 0)) for month in months])


def _by_month(queryset, date_field: str, filters: Filters, *, split: str | None = None):
    """{(split value, month): count} in one grouped query."""
    rows = (
        queryset.filter(**{f"{date_field}__gte": filters.start, f"{date_field}__lte": filters.end})
        .filter(in_place(filters.place))
        .annotate(month=TruncMonth(date_field))
        .values("month", *([split] if split else []))
        .annotate(n=Count("id"))
    )
    found: dict[tuple[str, date], int] = {}
    for row in rows:
        month = row["month"].date() if hasattr(row["month"], "date") else row["month"]
        found[(row[split] if split else "", month)] = row["n"]
    return found


def wins_chart(filters: Filters) -> Chart:
    from reporting.models import Win

    found = _by_month(Win.objects.all(), "won_on", filters, split="level")
    series = [
        _series(level, label, {m: n for (k, m), n in found.items() if k == level}, filters.months)
        for level, label in Win._meta.get_field("level").choices
    ]
    return Chart(slug="wins", cell="wins", title="Wins", series=series, unit="wins")


def climate_chart(filters: Filters) -> Chart:
    from reporting.models import ClimateSignal

    found = _by_month(ClimateSignal.objects.all(), "said_on", filters, split="stance")
    series = [
        _series(stance, label, {m: n for (k, m), n in found.items() if k == stance}, filters.months)
        for stance, label in ClimateSignal._meta.get_field("stance").choices
    ]
    return Chart(slug="climate", cell="climate", title="Climate signals by stance", series=series)


# The dashboard's charts, in display order. More are registered by
# ``reporting.dashboard_cells`` (relationships, leaders, outputs).
CHARTS = [wins_chart, climate_chart]


def dashboard_charts(*, start: date, end: date, place: Place | None = None) -> list[Chart]:
    filters = Filters(start=start, end=end, place=place, months=months_between(start, end))
    return [chart(filters) for chart in CHARTS]


def dashboard_figures(*, start: date, end: date, place: Place | None = None) -> dict[str, object]:
    """Single numbers (density of the tie graph, isolated groups, bridges, conversion…)."""
    return {}

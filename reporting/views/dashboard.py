"""The success dashboard (/dashboard/) and the CSV behind each of its charts.

The page opens with the four cells of the success table and the outputs, each
as a figure, its change against the previous period of the same length and
one plain sentence; the detailed charts follow, folded under their cell.
"""

from __future__ import annotations

import csv
import functools
import io
import logging
import math
from dataclasses import dataclass
from datetime import date

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import path
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from coalition.permissions import permission_required
from reporting.forms_dashboard import DashboardFilterForm
from reporting.metrics import Chart, dashboard_chart, previous_period
from reporting.metrics import dashboard as dashboard_answer

logger = logging.getLogger(__name__)

CELLS = [
    ("wins", gettext_lazy("Wins")),
    ("climate", gettext_lazy("Political climate")),
    ("relationships", gettext_lazy("Relationships")),
    ("leaders", gettext_lazy("Leaders")),
    ("outputs", gettext_lazy("Outputs")),
]

# Drawing: a fixed canvas scaled by the browser (viewBox), colours a person with
# colour blindness can tell apart (Okabe and Ito), as SVG attributes (the CSP
# forbids inline styles). The legend is HTML beside the drawing, so it wraps on
# a phone instead of shrinking with it.
WIDTH, HEIGHT = 480, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 12, 50
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442"]
MONTH_LABELS_MAX = 12
# At most this many intervals between gridlines: more crowd a phone's screen.
TICKS_MAX = 5


# --- The trends at the top --------------------------------------------------


def _one(count: int, what: str) -> str:
    """The figure as a phrase: '5 wins in the period' (plural forms per language)."""
    phrases = {
        "wins": ngettext("%(count)s win in the period", "%(count)s wins in the period", count),
        "climate": ngettext(
            "%(count)s climate signal in the period",
            "%(count)s climate signals in the period",
            count,
        ),
        "relationships": ngettext(
            "%(count)s relational meeting in the period",
            "%(count)s relational meetings in the period",
            count,
        ),
        "leaders": ngettext(
            "%(count)s leader at the end of the period",
            "%(count)s leaders at the end of the period",
            count,
        ),
        "actions": ngettext(
            "%(count)s action in the period", "%(count)s actions in the period", count
        ),
        "events": ngettext(
            "%(count)s public event in the period",
            "%(count)s public events in the period",
            count,
        ),
        "turnout": ngettext(
            "%(count)s person turned out in the period",
            "%(count)s people turned out in the period",
            count,
        ),
        "signed": ngettext(
            "%(count)s group signed the unity statement in the period",
            "%(count)s groups signed the unity statement in the period",
            count,
        ),
        "adoptions": ngettext(
            "%(count)s tactic adopted from the playbook in the period",
            "%(count)s tactics adopted from the playbook in the period",
            count,
        ),
    }
    return phrases[what] % {"count": count}


def _compared(now: int, before: int, snapshot: bool) -> str:
    """How ``now`` stands against ``before``, as the end of the sentence."""
    diff = abs(now - before)
    if snapshot:
        if now > before:
            text = ngettext(
                "%(diff)s more than at the end of the previous period",
                "%(diff)s more than at the end of the previous period",
                diff,
            )
        elif now < before:
            text = ngettext(
                "%(diff)s fewer than at the end of the previous period",
                "%(diff)s fewer than at the end of the previous period",
                diff,
            )
        else:
            text = _("as many as at the end of the previous period")
    elif now > before:
        text = ngettext(
            "%(diff)s more than in the previous period",
            "%(diff)s more than in the previous period",
            diff,
        )
    elif now < before:
        text = ngettext(
            "%(diff)s fewer than in the previous period",
            "%(diff)s fewer than in the previous period",
            diff,
        )
    else:
        text = _("as many as in the previous period")
    return text % {"diff": diff}


@dataclass(frozen=True)
class Trend:
    """One figure of the period against the previous period of the same length."""

    key: str
    title: str
    now: int
    before: int
    snapshot: bool = False  # a count at the end of each period, not a sum over it

    @property
    def direction(self) -> str:
        """'up', 'down', 'same' or 'new' (nothing before, something now)."""
        if self.now == self.before:
            return "same"
        if self.before == 0:
            return "new"
        return "up" if self.now > self.before else "down"

    @property
    def arrow(self) -> str:
        return {"up": "▲", "down": "▼", "same": "=", "new": "▲"}[self.direction]

    @property
    def percent(self) -> int | None:
        """The change in whole percent (None when there was nothing to compare with)."""
        if self.before == 0:
            return None
        return round(abs(self.now - self.before) * 100 / self.before)

    @property
    def change(self) -> str:
        if self.direction == "new":
            return _("new")
        if self.direction == "same":
            return "="
        return f"{self.arrow} {self.percent} %"

    @property
    def change_words(self) -> str:
        """The change for screen readers (the arrows are hidden from them)."""
        if self.direction == "new":
            return _("new: none in the previous period")
        if self.direction == "same":
            return _("unchanged")
        if self.direction == "up":
            return _("up %(percent)s %%") % {"percent": self.percent}
        return _("down %(percent)s %%") % {"percent": self.percent}

    @property
    def sentence(self) -> str:
        return _("%(figure)s, %(compared)s.") % {
            "figure": _one(self.now, self.key),
            "compared": _compared(self.now, self.before, self.snapshot),
        }


def trends(figures: dict, before: dict) -> dict[str, list]:
    """The headline trends (the four cells of the success table) and the outputs'."""
    return {
        "headline": [
            Trend("wins", _("Wins"), figures["wins_total"], before["wins_total"]),
            Trend(
                "climate", _("Political climate"), figures["signals_total"],
                before["signals_total"],
            ),
            Trend(
                "relationships", _("Relationships"), figures["meetings_total"],
                before["meetings_total"],
            ),
            Trend(
                "leaders", _("Leaders"), figures["leaders_now"], before["leaders_now"],
                snapshot=True,
            ),
        ],
        "outputs": [
            Trend("actions", _("Actions"), figures["actions_total"], before["actions_total"]),
            Trend("events", _("Public events"), figures["events_total"], before["events_total"]),
            Trend(
                "turnout", _("People turned out"), figures["people_turned_out"],
                before["people_turned_out"],
            ),
            Trend("signed", _("Groups signed"), figures["groups_signed"], before["groups_signed"]),
            Trend(
                "adoptions", _("Tactic adoptions"), figures["tactic_adoptions"],
                before["tactic_adoptions"],
            ),
        ],
    }  # fmt: skip


# --- The charts -------------------------------------------------------------


def nice_ticks(peak: float) -> list[int]:
    """Whole-number gridlines from 0 to at least ``peak``: steps of 1, 2 or 5 × 10^k,
    at most ``TICKS_MAX`` intervals, so every label names its own line."""
    peak = max(math.ceil(peak), 1)
    power = 1
    while True:
        for step in (power, 2 * power, 5 * power):
            intervals = math.ceil(peak / step)
            if intervals <= TICKS_MAX:
                return [step * i for i in range(intervals + 1)]
        power *= 10


def month_label(month: date) -> str:
    """The active language's own abbreviation ("juil.", "Sept."): Django's "N" format.

    "M" would cut every name to three letters ("Jui" for both juin and juillet).
    """
    return _month_text(month, "N", get_language())


@functools.lru_cache(maxsize=2048)
def _month_text(month: date, layout: str, language: str | None) -> str:
    """A month in the language's own words: the same few months are written on every
    chart of the page (``language`` is part of the key, not read here)."""
    return date_format(month, layout)


def chart_drawing(chart: Chart) -> dict:
    """Everything the template needs to draw ``chart`` as SVG: coordinates, no logic."""
    months = [month for month, _value in chart.series[0].points] if chart.series else []
    plot_h, plot_w = HEIGHT - TOP - BOTTOM, WIDTH - LEFT - RIGHT
    slot = plot_w / max(len(months), 1)
    if chart.kind == "line":
        peak = max((v for s in chart.series for _m, v in s.points), default=0)
    else:
        peak = max(
            (sum(s.points[i][1] for s in chart.series) for i in range(len(months))), default=0
        )
    ticks = nice_ticks(peak)
    ceiling = ticks[-1]

    def y(value: float) -> float:
        return round(TOP + plot_h - value / ceiling * plot_h, 1)

    legend = [
        {"label": s.label, "colour": PALETTE[j % len(PALETTE)]} for j, s in enumerate(chart.series)
    ]
    bars, lines = [], []
    if chart.kind == "line":
        for j, s in enumerate(chart.series):
            points = [
                (round(LEFT + (i + 0.5) * slot, 1), y(v)) for i, (_m, v) in enumerate(s.points)
            ]
            lines.append(
                {
                    "colour": PALETTE[j % len(PALETTE)],
                    "points": " ".join(f"{px},{py}" for px, py in points),
                    "dots": [{"x": px, "y": py} for px, py in points],
                }
            )
    else:
        width = round(slot * 0.7, 1)
        for i in range(len(months)):
            stacked = 0
            for j, s in enumerate(chart.series):
                value = s.points[i][1]
                if value <= 0:
                    continue
                bars.append(
                    {
                        "x": round(LEFT + i * slot + slot * 0.15, 1),
                        "y": y(stacked + value),
                        "width": width,
                        "height": round(value / ceiling * plot_h, 1),
                        "colour": PALETTE[j % len(PALETTE)],
                    }
                )
                stacked += value
    every = math.ceil(len(months) / MONTH_LABELS_MAX) if months else 1
    labelled = [i for i in range(len(months)) if i % every == 0]
    return {
        "chart": chart,
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "baseline": TOP + plot_h,
        "top": TOP,
        "ceiling": ceiling,
        "ticks": [{"value": tick, "y": y(tick)} for tick in ticks],
        "legend": legend,
        "bars": bars,
        "lines": lines,
        # Every other label is "minor": a phone's stylesheet hides those, so the
        # rest can be drawn large enough to read.
        "month_labels": [
            {
                "x": round(LEFT + (i + 0.5) * slot, 1),
                "label": month_label(months[i]),
                "year": months[i].year if i == 0 or months[i].month == 1 else None,
                "minor": n % 2 == 1,
            }
            for n, i in enumerate(labelled)
        ],
        "label_y": HEIGHT - 28,
        "year_y": HEIGHT - 6,
        "rows": [(month, [s.points[i][1] for s in chart.series]) for i, month in enumerate(months)],
    }


def chart_markup(drawing: dict) -> dict:
    """The drawing's SVG shapes and its table's rows as markup, written here rather than
    by template loops: a dashboard draws hundreds of shapes, and rendering each number
    through the template engine cost most of the page's time. Numbers are ints and
    floats formatted here; the only text (month names) is escaped."""
    d = drawing
    shapes = []
    for n, tick in enumerate(d["ticks"]):
        stroke = "#555" if n == 0 else "#ddd"
        shapes.append(
            f'<line x1="{d["left"]}" y1="{tick["y"]}" x2="{d["right"]}" y2="{tick["y"]}" '
            f'stroke="{stroke}"/><text class="chart-tick" x="{d["left"] - 6}" y="{tick["y"]}" '
            'font-size="10" text-anchor="end" dominant-baseline="middle" fill="#222">'
            f"{tick['value']}</text>"
        )
    shapes.extend(
        f'<rect x="{bar["x"]}" y="{bar["y"]}" width="{bar["width"]}" height="{bar["height"]}" '
        f'fill="{bar["colour"]}"/>'
        for bar in d["bars"]
    )
    for line in d["lines"]:
        shapes.append(
            f'<polyline points="{line["points"]}" fill="none" stroke="{line["colour"]}" '
            'stroke-width="2"/>'
        )
        shapes.extend(
            f'<circle cx="{dot["x"]}" cy="{dot["y"]}" r="2.5" fill="{line["colour"]}"/>'
            for dot in line["dots"]
        )
    for month in d["month_labels"]:
        minor = " chart-month--minor" if month["minor"] else ""
        shapes.append(
            f'<text class="chart-month{minor}" x="{month["x"]}" y="{d["label_y"]}" '
            f'font-size="10" text-anchor="middle" fill="#222">{escape(month["label"])}</text>'
        )
        if month["year"]:
            shapes.append(
                f'<text class="chart-year{minor}" x="{month["x"]}" y="{d["year_y"]}" '
                f'font-size="10" text-anchor="middle" fill="#555">{month["year"]:d}</text>'
            )
    rows = [
        f'<tr><th scope="row">{escape(_month_text(month, "F Y", get_language()))}</th>'
        + "".join(f"<td>{value:d}</td>" for value in values)
        + "</tr>"
        for month, values in d["rows"]
    ]
    return {"shapes": _safe(shapes), "table_rows": _safe(rows)}


def _safe(parts: list[str]) -> str:
    # Reviewed: ``chart_markup``'s parts hold numbers, fixed colours and escaped text.
    return mark_safe("\n".join(parts))  # noqa: S308  # nosec B308, B703


# --- Pages ------------------------------------------------------------------


def _filter_form(request: HttpRequest) -> DashboardFilterForm:
    # Always bound: empty filters mean the whole network over the last 12 months.
    return DashboardFilterForm(request.GET)


def _querystring(form: DashboardFilterForm) -> str:
    data = form.cleaned_data
    values = {"start": data["start"].strftime("%Y-%m"), "end": data["end"].strftime("%Y-%m")}
    if data["place"] is not None:
        values["place"] = data["place"].pk
    return urlencode(values)


@permission_required("see_dashboard")
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    form = _filter_form(request)
    if not form.is_valid():
        return render(
            request, "reporting/dashboard/dashboard.html", {"form": form, "cells": []}, status=400
        )
    start, end = form.period()
    place = form.cleaned_data["place"]
    previous_start, previous_end = previous_period(start, end)
    answer = dashboard_answer(
        start=start, end=end, before=(previous_start, previous_end), place=place
    )
    charts, figures = answer.charts, answer.figures
    cells = [
        {
            "key": key,
            "title": title,
            "drawings": [
                {**drawing, **chart_markup(drawing)}
                for drawing in (chart_drawing(chart) for chart in charts if chart.cell == key)
            ],
        }
        for key, title in CELLS
    ]
    return render(
        request,
        "reporting/dashboard/dashboard.html",
        {
            "form": form,
            "cells": cells,
            "trends": trends(figures, answer.before),
            "figures": figures,
            "place": place,
            "start": start,
            "end": end,
            "previous_start": previous_start,
            "previous_end": previous_end,
            "querystring": _querystring(form),
        },
    )


def csv_cell(value) -> object:
    """Text a spreadsheet would run as a formula is prefixed with ' (CSV injection)."""
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + value
    return "" if value is None else value


@permission_required("see_dashboard")
@require_safe
def chart_csv(request: HttpRequest, slug: str) -> HttpResponse:
    form = _filter_form(request)
    if not form.is_valid():
        problems = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        return HttpResponseBadRequest(problems, content_type="text/plain; charset=utf-8")
    start, end = form.period()
    chart = dashboard_chart(slug=slug, start=start, end=end, place=form.cleaned_data["place"])
    if chart is None:
        raise Http404
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("month"), *(csv_cell(s.label) for s in chart.series)])
    months = [month for month, _v in chart.series[0].points] if chart.series else []
    for i, month in enumerate(months):
        writer.writerow([month.strftime("%Y-%m"), *(s.points[i][1] for s in chart.series)])
    logger.info("Dashboard chart %s exported by person %s", slug, request.user.pk)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}-{start:%Y-%m}-{end:%Y-%m}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("dashboard/", dashboard, name="dashboard"),
    path("dashboard/charts/<slug:slug>.csv", chart_csv, name="chart_csv"),
]

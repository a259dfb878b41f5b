"""The success dashboard (/dashboard/) and the CSV behind each of its charts."""

from __future__ import annotations

import csv
import io
import logging
import math

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import path
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from coalition.permissions import permission_required
from reporting.forms_dashboard import DashboardFilterForm
from reporting.metrics import Chart, dashboard_chart
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
# forbids inline styles).
WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, BOTTOM = 48, 12, 28
LEGEND_ITEM, LEGEND_ROW = 150, 16
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442"]
MONTH_LABELS_MAX = 12


def _nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5 × 10^k at or above ``value`` (at least 2: whole half-marks)."""
    if value <= 2:
        return 2
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def chart_drawing(chart: Chart) -> dict:
    """Everything the template needs to draw ``chart`` as SVG: coordinates, no logic."""
    months = [month for month, _value in chart.series[0].points] if chart.series else []
    per_row = max(1, (WIDTH - LEFT - RIGHT) // LEGEND_ITEM)
    top = 12 + LEGEND_ROW * math.ceil(max(len(chart.series), 1) / per_row)
    plot_h, plot_w = HEIGHT - top - BOTTOM, WIDTH - LEFT - RIGHT
    slot = plot_w / max(len(months), 1)
    if chart.kind == "line":
        peak = max((v for s in chart.series for _m, v in s.points), default=0)
    else:
        peak = max(
            (sum(s.points[i][1] for s in chart.series) for i in range(len(months))), default=0
        )
    ceiling = _nice_ceiling(peak)

    def y(value: float) -> float:
        return round(top + plot_h - value / ceiling * plot_h, 1)

    legend = [
        {
            "label": s.label,
            "colour": PALETTE[j % len(PALETTE)],
            "x": LEFT + (j % per_row) * LEGEND_ITEM,
            "y": 4 + (j // per_row) * LEGEND_ROW,
            "text_x": LEFT + (j % per_row) * LEGEND_ITEM + 14,
            "text_y": 14 + (j // per_row) * LEGEND_ROW,
        }
        for j, s in enumerate(chart.series)
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
    return {
        "chart": chart,
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "baseline": top + plot_h,
        "top": top,
        "middle": y(ceiling / 2),
        "ceiling": ceiling,
        "half": ceiling // 2,
        "legend": legend,
        "bars": bars,
        "lines": lines,
        "month_labels": [
            {"x": round(LEFT + (i + 0.5) * slot, 1), "label": date_format(month, "M Y")}
            for i, month in enumerate(months)
            if i % every == 0
        ],
        "label_y": HEIGHT - 8,
        "rows": [(month, [s.points[i][1] for s in chart.series]) for i, month in enumerate(months)],
    }


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
    charts, figures = dashboard_answer(start=start, end=end, place=place)
    cells = [
        {
            "key": key,
            "title": title,
            "drawings": [chart_drawing(chart) for chart in charts if chart.cell == key],
        }
        for key, title in CELLS
    ]
    return render(
        request,
        "reporting/dashboard/dashboard.html",
        {
            "form": form,
            "cells": cells,
            "figures": figures,
            "place": place,
            "start": start,
            "end": end,
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

"""The full report as a PDF: a title page, each chart as bars with its table, the figures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import BinaryIO
from xml.sax.saxutils import escape  # nosec B406  # escapes ReportLab markup, parses no XML

from django.utils.translation import ngettext
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from reporting.metrics import Chart

# Distinct, print-friendly colours for up to six series; more series cycle.
SERIES_COLOURS = [
    colors.HexColor("#1b6e5a"),
    colors.HexColor("#d9822b"),
    colors.HexColor("#3a5ba0"),
    colors.HexColor("#a23b72"),
    colors.HexColor("#6b8e23"),
    colors.HexColor("#7f7f7f"),
]
CHART_WIDTH = 16 * cm
# Items of a list figure written out in the PDF; the rest are counted.
FIGURE_ITEMS = 20
CHART_HEIGHT = 6 * cm


def _text(value: object) -> str:
    # Paragraph reads a small XML markup: names typed by people must not be markup.
    return escape(str(value))


def figure_text(value: object, total: int | None = None) -> str:
    """A single figure as text: shares as percentages, small tables and lists joined.

    ``total`` is how many items a list stands for when it holds only the first
    ones (the dashboard lists 50 isolated groups and counts them all).
    """
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.0%}" if 0 <= value <= 1 else f"{value:.2f}"
    if isinstance(value, dict):
        return str(value.get("title") or ", ".join(f"{k}: {v}" for k, v in value.items()))
    if isinstance(value, list | tuple):
        if len(value) == 2 and not isinstance(value[0], list | tuple | dict):
            return f"{value[0]}: {figure_text(value[1])}"
        shown = "; ".join(figure_text(item) for item in value[:FIGURE_ITEMS])
        everything = max(total or 0, len(value))
        if everything > FIGURE_ITEMS:
            rest = everything - min(len(value), FIGURE_ITEMS)
            # A list of thousands (isolated groups at scale) would be one cell
            # taller than a page, which the layout cannot break.
            shown += " " + ngettext("… and %(count)d more", "… and %(count)d more", rest) % {
                "count": rest
            }
        return shown
    return str(value)


def _month_label(month: date, months: int) -> str:
    return month.strftime("%m/%y" if months > 12 else "%b %Y")


def chart_drawing(chart: Chart) -> Drawing:
    """The chart's series as grouped vertical bars, one group per month."""
    drawing = Drawing(CHART_WIDTH, CHART_HEIGHT + 1.2 * cm)
    bars = VerticalBarChart()
    bars.x, bars.y = 1.2 * cm, 1.4 * cm
    bars.width, bars.height = CHART_WIDTH - 1.6 * cm, CHART_HEIGHT - 1.2 * cm
    months = [month for month, _value in chart.series[0].points] if chart.series else []
    data = [[value for _month, value in series.points] for series in chart.series] or [[0]]
    bars.data = data
    bars.categoryAxis.categoryNames = [_month_label(m, len(months)) for m in months] or [""]
    bars.categoryAxis.labels.fontSize = 7
    if len(months) > 12:
        bars.categoryAxis.labels.angle = 60
        bars.categoryAxis.labels.boxAnchor = "ne"
    bars.valueAxis.valueMin = 0
    highest = max((max(row) for row in data if row), default=0)
    # An empty chart still needs a scale; whole numbers only (these are counts).
    bars.valueAxis.valueMax = max(highest, 1)
    bars.valueAxis.labels.fontSize = 7
    bars.valueAxis.labelTextFormat = "%d"
    bars.valueAxis.valueStep = max(1, (max(highest, 1) + 4) // 5)
    bars.groupSpacing = 4
    for index in range(len(data)):
        bars.bars[index].fillColor = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        bars.bars[index].strokeColor = None
    drawing.add(bars)
    if len(chart.series) > 1:
        legend = Legend()
        legend.x, legend.y = 1.2 * cm, CHART_HEIGHT + 0.9 * cm
        legend.alignment = "right"
        legend.deltax = 3.2 * cm
        legend.fontSize = 7
        legend.boxAnchor = "nw"
        legend.colorNamePairs = [
            (SERIES_COLOURS[index % len(SERIES_COLOURS)], str(series.label))
            for index, series in enumerate(chart.series)
        ]
        # Side by side rather than stacked: a one-row legend keeps the chart's height.
        legend.columnMaximum = 1
        legend.dxTextSpace = 4
        drawing.add(legend)
    return drawing


def chart_table(chart: Chart, *, month_heading: str) -> Table:
    """The chart's numbers, month by month, one column per series."""
    rows: list[list[str]] = [[month_heading, *(str(series.label) for series in chart.series)]]
    months = [month for month, _value in chart.series[0].points] if chart.series else []
    for index, month in enumerate(months):
        rows.append([month.strftime("%Y-%m"), *(str(s.points[index][1]) for s in chart.series)])
    table = Table(rows, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
                ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f2f2f2")]),
            ]
        )
    )
    return table


def report_pdf_write(
    out: BinaryIO,
    *,
    coalition_name: str,
    title: str,
    period: str,
    place: str,
    charts: list[Chart],
    figures: dict[str, object],
    labels: dict[str, str],
    compress: bool = True,
    on_chart: Callable[[int], None] | None = None,
) -> None:
    """Write the report to ``out``.

    ``labels`` holds the words of the page already translated (``month``,
    ``figures``, ``no_figures``, ``figure``, ``value``, ``made_on``).
    ``compress=False`` writes the page streams uncompressed and without
    timestamps (reportlab's ``invariant``), so tests can read the text.
    ``on_chart(n)`` is called after the n-th chart, to report progress.
    """
    styles = getSampleStyleSheet()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        title=f"{coalition_name} — {title}",
        author=coalition_name,
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
        pageCompression=1 if compress else 0,
        invariant=0 if compress else 1,
    )
    story: list = [
        Spacer(1, 6 * cm),
        Paragraph(_text(coalition_name), styles["Title"]),
        Paragraph(_text(title), styles["Heading2"]),
        Spacer(1, 1 * cm),
        Paragraph(_text(period), styles["Normal"]),
        Paragraph(_text(place), styles["Normal"]),
        Paragraph(_text(labels["made_on"]), styles["Italic"]),
        PageBreak(),
    ]
    for number, chart in enumerate(charts, start=1):
        heading = [Paragraph(_text(chart.title), styles["Heading2"])]
        if chart.note:
            heading.append(Paragraph(_text(chart.note), styles["Normal"]))
        heading.append(chart_drawing(chart))
        story.append(KeepTogether(heading))
        story.append(chart_table(chart, month_heading=labels["month"]))
        story.append(Spacer(1, 0.8 * cm))
        if on_chart:
            on_chart(number)
    story.append(Paragraph(_text(labels["figures"]), styles["Heading2"]))
    if figures:
        rows = [[labels["figure"], labels["value"]]]
        cell = styles["BodyText"]
        rows += [
            [
                str(name).replace("_", " "),
                Paragraph(_text(figure_text(value, figures.get(f"{name}_count"))), cell),
            ]
            for name, value in figures.items()
        ]
        table = Table(rows, hAlign="LEFT", colWidths=[6 * cm, 11 * cm], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 9),
                    ("FONT", (0, 1), (-1, -1), "Helvetica", 9),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story.append(table)
    else:
        story.append(Paragraph(_text(labels["no_figures"]), styles["Normal"]))
    document.build(story)

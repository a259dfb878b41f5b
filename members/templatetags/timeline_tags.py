"""The weaver's group timeline, written in Python: a page of 50 entries through the
template language cost about as much as all the rest of the group's page."""

from __future__ import annotations

from collections.abc import Sequence

from django import template
from django.utils import dateformat
from django.utils.formats import get_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _

from members.timeline import TimelineEntry

register = template.Library()


@register.simple_tag
def timeline_entries(entries: Sequence[TimelineEntry]) -> SafeString:
    """``{% timeline_entries timeline %}``: the entries as the ``<li>`` of a list.

    Formats and translations are looked up once for the page; every value is
    escaped by ``format_html``.
    """
    if not entries:
        return format_html("<li>{}</li>", _("Nothing has happened yet."))
    day_format, moment_format = get_format("DATE_FORMAT"), get_format("DATETIME_FORMAT")
    by_text = _("by %(person)s")
    return format_html_join(
        "\n", "{}", ((_entry(e, day_format, moment_format, by_text),) for e in entries)
    )


def _entry(entry: TimelineEntry, day_format: str, moment_format: str, by_text: str) -> SafeString:
    at = template_localtime(entry.at)
    if entry.date_only:
        machine, shown = dateformat.format(at, "Y-m-d"), dateformat.format(at, day_format)
    else:
        machine, shown = dateformat.format(at, "c"), dateformat.format(at, moment_format)
    summary = (
        format_html('<a href="{}">{}</a>', entry.url, entry.summary) if entry.url else entry.summary
    )
    detail = format_html('\n  <p class="help">{}</p>', entry.detail) if entry.detail else ""
    by = (
        format_html('\n  <p class="help">{}</p>', by_text % {"person": entry.by})
        if entry.by
        else ""
    )
    return format_html(
        '<li class="weave-timeline__entry weave-timeline__entry--{}">\n'
        '  <p><time datetime="{}">{}</time> · <span class="weave-badge">{}</span></p>\n'
        "  <p>{}</p>{}{}\n"
        "</li>",
        entry.kind,
        machine,
        shown,
        entry.label,
        summary,
        detail,
        by,
    )

"""Rows of the weaver's pages written in Python: a page of 50 timeline entries or
groups through the template language cost about as much as all the rest of the page."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils import dateformat
from django.utils.formats import get_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _

from members.models import Group, GroupKind, Stage
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


@register.simple_tag
def weave_group_rows(groups: Sequence[Group]) -> SafeString:
    """``{% weave_group_rows page.object_list %}``: the list's table rows, one per group.

    Each group has its place loaded and ``days_since_contact`` set
    (``members.selectors_weave.with_days_since_contact``).
    """
    if not groups:
        return format_html('<tr><td colspan="5">{}</td></tr>', _("No group matches these filters."))
    # One reverse for the page; the group's slug takes the placeholder's place.
    head, _middle, tail = reverse("members:weave_group", kwargs={"slug": "0"}).rpartition("/0/")
    stages = {stage: str(stage.label) for stage in Stage}
    kinds = {kind: str(kind.label) for kind in GroupKind}
    resign = format_html(
        ' <span class="weave-badge weave-badge--warning">{}</span>', _("to re-sign")
    )
    never = _("never")
    return format_html_join(
        "\n",
        "<tr>\n"
        '  <th scope="row"><a href="{}">{}</a>{}</th>\n'
        "  <td>{}</td>\n  <td>{}</td>\n  <td>{}</td>\n  <td>{}</td>\n"
        "</tr>",
        (
            (
                f"{head}/{quote(group.slug)}/{tail}",
                group.name,
                resign if group.needs_resign else "",
                stages.get(group.stage, group.stage),
                group.place.name,
                kinds.get(group.kind, group.kind),
                never if group.days_since_contact is None else group.days_since_contact,
            )
            for group in groups
        ),
    )

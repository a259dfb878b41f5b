"""Rows of the weaver's pages written in Python: a page of 50 timeline entries or
groups through the template language cost about as much as all the rest of the page."""

from __future__ import annotations

import html
from collections.abc import Sequence
from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils import dateformat
from django.utils.formats import get_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from members.models import Group, GroupKind, Stage
from members.timeline import TimelineEntry

register = template.Library()


@register.simple_tag
def timeline_entries(entries: Sequence[TimelineEntry]) -> SafeString:
    """``{% timeline_entries timeline %}``: the entries as the ``<li>`` of a list.

    Formats and translations are looked up once for the page. Every value is
    escaped (``html.escape``, as Django's ``escape`` does, without its lazy
    wrapper and ``format_html``: they ran a dozen times per entry).
    """
    if not entries:
        return format_html("<li>{}</li>", _("Nothing has happened yet."))
    day_format, moment_format = get_format("DATE_FORMAT"), get_format("DATETIME_FORMAT")
    by_text = _("by %(person)s")
    # Every value below is escaped.
    return mark_safe(  # noqa: S308  # nosec B308, B703
        "\n".join(_entry(entry, day_format, moment_format, by_text) for entry in entries)
    )


def _escape(value) -> str:
    return html.escape(str(value))


def _entry(entry: TimelineEntry, day_format: str, moment_format: str, by_text: str) -> str:
    at = template_localtime(entry.at)
    if entry.date_only:
        machine, shown = at.date().isoformat(), dateformat.format(at, day_format)
    else:  # what the "c" format gives
        machine, shown = at.isoformat(), dateformat.format(at, moment_format)
    summary = _escape(entry.summary)
    if entry.url:
        summary = f'<a href="{_escape(entry.url)}">{summary}</a>'
    detail = f'\n  <p class="help">{_escape(entry.detail)}</p>' if entry.detail else ""
    by = f'\n  <p class="help">{_escape(by_text % {"person": entry.by})}</p>' if entry.by else ""
    return (
        f'<li class="weave-timeline__entry weave-timeline__entry--{_escape(entry.kind)}">\n'
        f'  <p><time datetime="{_escape(machine)}">{_escape(shown)}</time>'
        f' · <span class="weave-badge">{_escape(entry.label)}</span></p>\n'
        f"  <p>{summary}</p>{detail}{by}\n"
        "</li>"
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
    resign = f' <span class="weave-badge weave-badge--warning">{_escape(_("to re-sign"))}</span>'
    never = _("never")

    def row(group: Group) -> str:
        days = never if group.days_since_contact is None else group.days_since_contact
        url = f"{head}/{quote(group.slug, safe='')}/{tail}"
        return (
            "<tr>\n"
            f'  <th scope="row"><a href="{_escape(url)}">'
            f"{_escape(group.name)}</a>{resign if group.needs_resign else ''}</th>\n"
            f"  <td>{_escape(stages.get(group.stage, group.stage))}</td>\n"
            f"  <td>{_escape(group.place.name)}</td>\n"
            f"  <td>{_escape(kinds.get(group.kind, group.kind))}</td>\n"
            f"  <td>{_escape(days)}</td>\n"
            "</tr>"
        )

    return mark_safe("\n".join(row(group) for group in groups))  # noqa: S308  # nosec B308, B703


@register.simple_tag
def weave_cards(cards: Sequence[Group]) -> SafeString:
    """``{% weave_cards column.cards %}``: a board column's cards, as
    ``members/weave/_card.html`` wrote them one include at a time.

    Each group has its place loaded and ``days_since_contact`` set.
    """
    head, _middle, tail = reverse("members:weave_group", kwargs={"slug": "0"}).rpartition("/0/")
    kinds = {kind: str(kind.label) for kind in GroupKind}
    never, today = _escape(_("Never contacted")), _escape(_("In touch today"))
    resign = (
        '\n  <p><span class="weave-badge weave-badge--warning">'
        f"{_escape(_('to re-sign'))}</span></p>"
    )

    def card(group: Group) -> str:
        days = group.days_since_contact
        if days is None:
            contact = never
        elif days == 0:
            contact = today
        else:
            contact = _escape(
                ngettext("No contact for %(days)s day", "No contact for %(days)s days", days)
                % {"days": days}
            )
        url = f"{head}/{quote(group.slug, safe='')}/{tail}"
        return (
            f'<article class="weave-card" aria-labelledby="card-{group.pk}">\n'
            f'  <h4 id="card-{group.pk}"><a href="{_escape(url)}">{_escape(group.name)}</a></h4>\n'
            f'  <p class="weave-card__meta">{_escape(group.place.name)} · '
            f"{_escape(kinds.get(group.kind, group.kind))}</p>\n"
            f'  <p class="weave-card__meta">{contact}</p>'
            f"{resign if group.needs_resign else ''}\n"
            "</article>"
        )

    # Every value above is escaped.
    return mark_safe("\n".join(card(group) for group in cards))  # noqa: S308  # nosec B308, B703

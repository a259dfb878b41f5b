"""The coordination view's table rows, written in Python.

Four lists of twenty rows through the template language (a reverse, a
translated label, a date format and a plural per row) were half of the
page's time; here each label and address is looked up once per page and
every value a person typed is escaped by ``format_html``.
"""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _

from actions.models import ActionStatus, SupportKind
from coalition.models import PlaceKind
from coalition.reversing import url_for_ids
from members.models import Stage

register = template.Library()


def _rows(rows: list[SafeString], empty: str, columns: int) -> SafeString:
    if not rows:
        return format_html('<tr><td colspan="{}">{}</td></tr>', columns, empty)
    return format_html_join("\n", "{}", ((row,) for row in rows))


@register.simple_tag
def places_rows(places, sort: str) -> SafeString:
    """Places without an event: name, kind, a link narrowing the view to the place."""
    kinds = {kind: str(kind.label) for kind in PlaceKind}
    narrow = _("Narrow to %(name)s")
    rows = [
        format_html(
            '<tr>\n  <th scope="row">{}</th>\n  <td>{}</td>\n'
            '  <td><a href="?place={}&amp;sort={}">{}</a></td>\n</tr>',
            place.name,
            kinds.get(place.kind, place.kind),
            place.pk,
            sort,
            narrow % {"name": place.name},
        )
        for place in places
    ]
    return _rows(rows, _("Every place has an event."), 3)


@register.simple_tag
def groups_rows(groups) -> SafeString:
    """Signed groups with no event: name (linked to the group's page), place, stage."""
    head, _middle, tail = reverse("members:group", kwargs={"slug": "0"}).rpartition("/0/")
    stages = {stage: str(stage.label) for stage in Stage}
    rows = [
        format_html(
            '<tr>\n  <th scope="row"><a href="{}/{}/{}">{}</a></th>\n'
            "  <td>{}</td>\n  <td>{}</td>\n</tr>",
            head,
            group.slug,
            tail,
            group.name,
            group.place.name,
            stages.get(group.stage, group.stage),
        )
        for group in groups
    ]
    return _rows(rows, _("Every signed group here has registered an event."), 3)


@register.simple_tag
def asking_rows(events) -> SafeString:
    """Events asking for support, with their open requests (``open_requests``)."""
    urls = url_for_ids("actions:detail")
    kinds = {kind: str(kind.label) for kind in SupportKind}
    rows = []
    for event in events:
        action = event.action
        asks = format_html_join(
            "",
            "<li>{}: {} / {}{}</li>",
            (
                (
                    kinds.get(request.kind, request.kind),
                    request.pledged,
                    request.amount,
                    format_html(" – {}", request.description) if request.description else "",
                )
                for request in action.open_requests
            ),
        )
        rows.append(
            format_html(
                '<tr>\n  <th scope="row"><a href="{}">{}</a></th>\n'
                "  <td>{}</td>\n  <td>{}</td>\n  <td><ul>{}</ul></td>\n</tr>",
                urls(event.action_id),
                action.title,
                action.host_group.name,
                action.place.name,
                asks,
            )
        )
    return _rows(rows, _("No event is asking for support."), 4)


@register.simple_tag
def rsvps_rows(events) -> SafeString:
    """Every event with its start, status, RSVPs and capacity."""
    urls = url_for_ids("actions:detail")
    statuses = {status: str(status.label) for status in ActionStatus}
    no_limit = _("no limit")
    rows = []
    for event in events:
        action = event.action
        starts = template_localtime(action.starts_at)
        rows.append(
            format_html(
                '<tr>\n  <th scope="row"><a href="{}">{}</a></th>\n'
                "  <td>{}</td>\n  <td>{}</td>\n"
                '  <td><time datetime="{}">{}</time></td>\n'
                "  <td>{}</td>\n  <td>{}</td>\n  <td>{}</td>\n</tr>",
                urls(event.action_id),
                action.title,
                action.host_group.name,
                action.place.name,
                starts.isoformat(),
                date_format(starts, "DATETIME_FORMAT"),
                statuses.get(action.status, action.status),
                action.rsvp_count,
                action.capacity if action.capacity else no_limit,
            )
        )
    return _rows(rows, _("No event is registered yet."), 7)

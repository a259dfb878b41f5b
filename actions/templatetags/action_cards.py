"""``{% action_card action %}``: one action as a card, written in Python.

Lists show twenty cards or more; as a template include each card cost about
0.7 ms (a translated kind looked up through the field's choices, two plural
sentences, a reversed address), most of a list page's time. The markup is the
same as the include it replaces; every value a person typed is escaped by
``format_html``.
"""

from __future__ import annotations

from django import template
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from actions.models import ActionKind, SupportKind
from coalition.reversing import url_for_ids
from coalition.templatetags.time_zones import local_time

register = template.Library()


@register.simple_tag(takes_context=True)
def action_card(context, action, heading_level=3) -> SafeString:
    """The card of ``action`` (host group and place loaded); ``amplification_count``
    shows when the queryset annotated it."""
    urls = context.render_context.get("action_card_url")
    if urls is None:
        urls = context.render_context["action_card_url"] = url_for_ids("actions:detail")
    level = int(heading_level or 3)
    parts = [
        format_html(
            '<article class="card action-card">\n'
            '  <h{} class="action-card__title"><a href="{}">{}</a></h{}>\n'
            '  <p class="action-card__when">{}</p>\n'
            '  <p class="action-card__meta">{} · {} · {}</p>',
            level,
            urls(action.pk),
            action.title,
            level,
            local_time(action.starts_at, action.time_zone),
            capfirst(_kind(action.kind)),
            action.host_group.name,
            action.place.name,
        )
    ]
    parts += _origin_and_badges(action)
    counts = ngettext(
        "%(counter)s person coming", "%(counter)s people coming", action.rsvp_count
    ) % {"counter": action.rsvp_count}
    amplified = getattr(action, "amplification_count", None)
    if amplified is not None:
        counts = (
            ngettext("%(counter)s amplification", "%(counter)s amplifications", amplified)
            % {"counter": amplified}
            + " · "
            + counts
        )
    parts.append(format_html('  <p class="action-card__counts">{}</p>\n</article>', counts))
    return format_html_join("\n", "{}", ((part,) for part in parts))


def _origin_and_badges(action) -> list[SafeString]:
    """The card's line naming where an imported action came from, and its badges."""
    parts = []
    if action.origin_system:
        origin = (
            format_html(
                ' · <a href="{}" rel="noopener noreferrer external">{}</a>',
                action.origin_url,
                _("at its origin"),
            )
            if action.origin_url
            else ""
        )
        parts.append(
            format_html(
                '  <p class="action-card__origin">{}{}</p>',
                _("From %(name)s") % {"name": action.origin_name},
                origin,
            )
        )
    badges = _badges(action)
    if badges:
        parts.append(format_html('  <p class="action-card__badges">{}</p>', badges))
    return parts


def _kind(kind: str) -> str:
    try:
        return str(ActionKind(kind).label)
    except ValueError:
        return kind


def _badges(action) -> SafeString:
    badges = []
    if action.visibility == "network":
        badges.append(("action-badge", _("network only")))
    elif action.visibility == "group":
        badges.append(("action-badge", _("group members only")))
    if action.is_hidden:
        badges.append(("action-badge action-badge--warning", _("hidden")))
    if action.status == "cancelled":
        badges.append(("action-badge action-badge--warning", _("cancelled")))
    elif action.status == "done":
        badges.append(("action-badge", _("done")))
    return format_html_join(" ", '<span class="{}">{}</span>', badges)


@register.simple_tag
def day_event_card(event, action_prefix: str) -> SafeString:
    """One event of a day, in the day's list by place, written in Python for the same reason.

    ``event`` is an action with host group and place loaded and ``rsvp_refusal``
    set by the view; ``action_prefix`` the actions' address up to the id,
    reversed once per page. The RSVP form opens on demand on the event's own
    RSVP page: a page of events renders no form at all.
    """
    url = f"{action_prefix}{event.pk}/"
    meta = format_html("{} · {}", capfirst(_kind(event.kind)), event.host_group.name)
    if event.address:
        meta = format_html("{} · {}", meta, event.address)
    parts = [
        format_html(
            '<article class="card action-card day-event" id="event-{}">\n'
            '  <h4 class="action-card__title"><a href="{}">{}</a></h4>\n'
            '  <p class="action-card__when">{}</p>\n'
            '  <p class="action-card__meta">{}</p>',
            event.pk,
            url,
            event.title,
            local_time(event.starts_at, event.time_zone),
            meta,
        )
    ]
    parts += _origin_and_badges(event)
    if event.status != "cancelled":
        parts.append(rsvp_counts(event.rsvp_count, event.capacity, event.places_left))
    if not event.rsvp_refusal:
        parts.append(
            format_html(
                '  <p class="day-event__rsvp"><a class="button" href="{}rsvp/">{}</a></p>',
                url,
                _("RSVP: I am coming to “%(title)s”") % {"title": event.title},
            )
        )
    elif event.status == "cancelled":
        parts.append(
            format_html(
                '  <p class="day-event__refusal">{}</p>', _("This event has been cancelled.")
            )
        )
    else:
        parts.append(format_html('  <p class="day-event__refusal">{}</p>', event.rsvp_refusal))
    parts.append(SafeString("</article>"))
    return format_html_join("\n", "{}", ((part,) for part in parts))


def rsvp_counts(count: int, capacity: int | None, places_left: int | None) -> SafeString:
    """Who is coming and the places left, as ``actions/participation/_counts.html`` writes it."""
    coming = ngettext("%(counter)s person is coming.", "%(counter)s people are coming.", count) % {
        "counter": count
    }
    left = ""
    if capacity is not None:
        left = (
            ngettext("%(counter)s place left.", "%(counter)s places left.", places_left)
            % {"counter": places_left}
            if places_left
            else _("No places left.")
        )
    return format_html('<p class="rsvp-counts">\n  {}\n  {}\n</p>', coming, left)


@register.simple_tag
def support_rows(requests) -> SafeString:
    """``{% support_rows page.object_list %}``: the open requests' table rows.

    Each request has its action with host group and place loaded. One address
    prefix and one set of labels for the page instead of a reverse, a kind
    lookup and two translations per row.
    """
    urls = url_for_ids("actions:detail")
    kinds = {kind: str(kind.label) for kind in SupportKind}
    asked, by = _("%(pledged)s pledged for %(amount)s asked"), _("by %(group)s")
    rows = []
    for request in requests:
        action = request.action
        what = capfirst(kinds.get(request.kind, request.kind))
        if request.description:
            what = f"{what}: {request.description}"
        rows.append(
            format_html(
                "<tr>\n"
                '  <th scope="row">{}</th>\n'
                "  <td>{}</td>\n"
                '  <td><a href="{}#support">{}</a>\n'
                '    <span class="help">{}</span></td>\n'
                "  <td>{}<br>{}</td>\n"
                "</tr>",
                what,
                asked % {"pledged": request.pledged, "amount": request.amount},
                urls(request.action_id),
                action.title,
                by % {"group": action.host_group.name},
                date_format(template_localtime(action.starts_at), "DATETIME_FORMAT"),
                action.place.name,
            )
        )
    return format_html_join("\n", "{}", ((row,) for row in rows))

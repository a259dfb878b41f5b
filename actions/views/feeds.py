"""The Atom feed of public actions and an iCalendar file per action.

The feed is the same for everyone, logged in or not: only public actions
that are not hidden (``actions_public``), the latest ``FEED_ENTRIES``
posted, newest first. The calendar file of one action answers 404 to
anyone who may not see it, like the action page.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape, linebreaks
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from actions.models import Action, ActionStatus
from actions.selectors_listing import action_for, actions_for_feed
from actions.services.posting import without_control_characters
from coalition.models import Coalition
from coalition.permissions import can_see_action


def _absolute(url: str) -> str:
    return settings.SITE_URL + url


@require_safe
def atom_feed(request: HttpRequest) -> HttpResponse:
    coalition = Coalition.objects.filter(pk=1).only("name").first()
    name = coalition.name if coalition else settings.COALITION_NAME
    feed = Atom1Feed(
        title=_("Actions of %(coalition)s") % {"coalition": name},
        link=_absolute(reverse("actions:list")),
        description=_("Public actions of the network's groups."),
        language=get_language(),
        feed_url=_absolute(reverse("actions:feed")),
    )
    # XML cannot carry control characters; rows saved before posting cleaned
    # them (or written around the service) must not break the feed for all.
    clean = without_control_characters
    for action in actions_for_feed():
        link = _absolute(reverse("actions:detail", kwargs={"pk": action.pk}))
        when = timezone.localtime(action.starts_at).strftime("%Y-%m-%d %H:%M %Z")
        summary = f"{when} · {action.place.name}\n\n{action.description}".strip()
        feed.add_item(
            title=clean(action.title),
            link=link,
            unique_id=link,
            description=linebreaks(escape(clean(summary))),
            author_name=clean(action.host_group.name),
            pubdate=action.created_at,
            updateddate=action.updated_at,
            categories=[action.get_kind_display()],
        )
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    feed.write(response, "utf-8")
    return response


# --- iCalendar (RFC 5545), written by hand ----------------------------------

ICS_LINE_OCTETS = 75


def ics_escape(text: str) -> str:
    """A TEXT value: backslash, semicolon, comma and newlines escaped (RFC 5545 3.3.11).

    Control characters other than line breaks cannot appear in a TEXT value;
    they are dropped, whatever older rows hold.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = without_control_characters(text)
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def ics_fold(line: str) -> str:
    """Fold a content line at 75 octets, never inside a UTF-8 character (RFC 5545 3.1)."""
    parts: list[str] = []
    current, size = "", 0
    limit = ICS_LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            # Continuation lines start with a space, which counts in their 75.
            current, size, limit = char, width, ICS_LINE_OCTETS - 1
        else:
            current += char
            size += width
    parts.append(current)
    return "\r\n ".join(parts)


def ics_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def action_vevent(action: Action, *, page_url: str, domain: str) -> list[str]:
    """The content lines (unfolded) of one action's VEVENT, for a calendar of one or many."""
    location = ", ".join(part for part in (action.address.strip(), action.place.name) if part)
    hosted = _("Hosted by %(group)s") % {"group": action.host_group.name}
    description = "\n\n".join(
        part for part in (hosted, action.description.strip(), page_url) if part
    )
    lines = [
        "BEGIN:VEVENT",
        f"UID:{action.pk}@{domain}",
        f"DTSTAMP:{ics_utc(action.updated_at)}",
        f"LAST-MODIFIED:{ics_utc(action.updated_at)}",
        f"DTSTART:{ics_utc(action.starts_at)}",
        f"DTEND:{ics_utc(action.ends_at)}",
        f"SUMMARY:{ics_escape(action.title)}",
        f"LOCATION:{ics_escape(location)}",
        f"DESCRIPTION:{ics_escape(description)}",
        f"URL:{page_url}",
        "STATUS:CANCELLED" if action.status == ActionStatus.CANCELLED else "STATUS:CONFIRMED",
    ]
    if action.latitude is not None and action.longitude is not None:
        lines.append(f"GEO:{action.latitude};{action.longitude}")
    lines.append("END:VEVENT")
    return lines


def ics_calendar(vevents: Iterable[list[str]], *, name: str = "") -> str:
    """A VCALENDAR of ``vevents`` (CRLF, folded lines); ``name`` becomes its X-WR-CALNAME."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Coalition//Actions//EN",
        "CALSCALE:GREGORIAN",
    ]
    if name:
        lines.append(f"X-WR-CALNAME:{ics_escape(name)}")
    for vevent in vevents:
        lines += vevent
    lines.append("END:VCALENDAR")
    return "".join(ics_fold(line) + "\r\n" for line in lines)


def action_ics(action: Action, *, page_url: str, domain: str) -> str:
    """One VEVENT in a VCALENDAR."""
    return ics_calendar([action_vevent(action, page_url=page_url, domain=domain)])


@require_safe
def action_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    action = action_for(request.user, pk)
    if action is None or not can_see_action(request.user, action):
        raise Http404
    page_url = _absolute(reverse("actions:detail", kwargs={"pk": action.pk}))
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    response = HttpResponse(
        action_ics(action, page_url=page_url, domain=domain),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="action-{action.pk}.ics"'
    return response


urlpatterns = [
    path("actions/feed.atom", atom_feed, name="feed"),
    path("actions/<int:pk>/calendar.ics", action_calendar, name="ical"),
]

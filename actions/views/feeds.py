"""The Atom feed of public actions, an iCalendar file per action and the subscribed calendars.

The Atom feed and the calendars of the network, a place and a group are
the same for everyone, logged in or not: only public actions that are not
hidden (``actions_public``). The Atom feed has the latest ``FEED_ENTRIES``
posted; a calendar has a bounded window (``actions_for_calendar``) and
fixed queries. The calendar file of one action answers 404 to anyone who
may not see it, like the action page. The files are made in
``actions.calendars``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.urls import path, reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape, linebreaks
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from actions.calendars import calendar_of, calendar_of_cached
from actions.selectors_calendar import actions_for_place_calendar
from actions.selectors_listing import action_for, actions_for_calendar, actions_for_feed
from actions.services.posting import without_control_characters
from coalition.models import Coalition, Place
from coalition.permissions import can_see_action
from coalition.reversing import url_for_ids
from members.selectors import group_public


def _absolute(url: str) -> str:
    return settings.SITE_URL + url


@require_safe
def atom_feed(request: HttpRequest) -> HttpResponse:
    name = _coalition_name()
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
    action_url = url_for_ids("actions:detail", prefix=settings.SITE_URL)
    for action in actions_for_feed():
        link = action_url(action.pk)
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
    # Written to a string, then sent whole: written straight into the
    # response, each of the XML writer's thousands of small pieces goes
    # through HttpResponse.write.
    return HttpResponse(
        feed.writeString("utf-8"), content_type="application/atom+xml; charset=utf-8"
    )


# --- iCalendar: one action's file and the subscribed feeds ----------------


def calendar_response(body: bytes, *, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
def action_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    action = action_for(request.user, pk)
    if action is None or not can_see_action(request.user, action):
        raise Http404
    return calendar_response(calendar_of([action]), filename=f"action-{action.pk}.ics")


def _coalition_name() -> str:
    coalition = Coalition.objects.filter(pk=1).only("name").first()
    return coalition.name if coalition else settings.COALITION_NAME


@require_safe
def network_calendar(request: HttpRequest) -> HttpResponse:
    """The network's public actions; ``?place=<id>`` narrows it to a place and below.

    The same for everyone, logged in or not: calendars are shared and subscribed to.
    """
    place = None
    raw = request.GET.get("place", "")
    if raw:
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
            return HttpResponseBadRequest(_("The place is given by its number."))
        place = Place.objects.filter(pk=int(raw)).first()
        if place is None:
            raise Http404
    return _place_or_network(place)


@require_safe
def place_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    place = Place.objects.filter(pk=pk).first()
    if place is None:
        raise Http404
    return _place_or_network(place)


def _place_or_network(place: Place | None) -> HttpResponse:
    name = _coalition_name()
    if place is not None:
        name = _("%(coalition)s – %(place)s") % {"coalition": name, "place": place.name}
    body = calendar_of_cached(
        lambda fields: actions_for_place_calendar(place=place, fields=fields),
        name=name,
        description=_("Public actions of the network's groups."),
    )
    filename = f"place-{place.pk}.ics" if place else "actions.ics"
    return calendar_response(body, filename=filename)


@require_safe
def group_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    """A listed group's public actions, hosted or co-hosted; 404 for a group anonymous
    visitors cannot see, whoever asks (a shared feed must not depend on who made the link)."""
    group = group_public(slug, AnonymousUser())
    if group is None:
        raise Http404
    body = calendar_of_cached(
        lambda fields: actions_for_calendar(group=group, fields=fields),
        name=_("Actions of %(group)s") % {"group": group.name},
    )
    return calendar_response(body, filename=f"{group.slug}.ics")


urlpatterns = [
    path("actions/feed.atom", atom_feed, name="feed"),
    path("actions/<int:pk>/calendar.ics", action_calendar, name="ical"),
    path("actions/calendar.ics", network_calendar, name="calendar"),
    path("places/<int:pk>/calendar.ics", place_calendar, name="place_calendar"),
    path("groups/<slug:slug>/calendar.ics", group_calendar, name="group_calendar"),
]

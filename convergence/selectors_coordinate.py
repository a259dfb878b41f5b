"""Reads for coordinators and hosts: the toolkit, the coordination view and the CSV export.

Each read is a fixed number of queries whatever the number of events, places
or groups. Lists that show events go through ``actions_visible_q`` like every
read of actions; the lists of places and groups "without an event" count any
registered event that is not cancelled, because they show places and groups,
not the events themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.core.paginator import Page
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
)

from actions.models import Action, ActionStatus, SupportRequest
from actions.selectors import actions_visible_q
from actions.selectors_listing import posting_groups
from coalition.models import Place
from coalition.paging import page_counted_with_rows, page_of_ids
from coalition.place_cover import paths_above
from coalition.place_pick import MATCHES_LOADED
from coalition.selectors import places_matching
from convergence.models import DayOfAction, Event, ToolkitItem, ToolkitVersion
from convergence.selectors import days_visible_to
from convergence.services.days import ANNOUNCED_STAGES
from members.models import Group

# Four lists share the page: 20 rows each keep it short enough to read and to
# render, and the pages and the CSV export reach the rest.
PER_PAGE = 20
# The select of places to narrow to lists the day's places and the places
# right under them, in tree order, when they are this many at most (else the
# day's places alone); any other covered place is found by typing its name
# (the type-ahead) or accepted by its id (a link from the list of places
# without an event; see covered_place).
PLACE_CHOICES_MAX = 60
SORTS = {
    "-rsvps": ("-action__rsvp_count", "action__starts_at", "id"),
    "rsvps": ("action__rsvp_count", "action__starts_at", "id"),
    "starts": ("action__starts_at", "id"),
    "title": ("action__title", "id"),
}


def day_for_coordinator(slug: str, *, with_hubs: bool = True) -> DayOfAction | None:
    """Any day, drafts included (the views check the "coordinate" permission), with its
    places, and its hub groups unless ``with_hubs`` is false (pages that do not show them)."""
    related = ("places", "hub_groups") if with_hubs else ("places",)
    return DayOfAction.objects.filter(slug=slug).prefetch_related(*related).first()


def day_for_viewer(user, slug: str) -> DayOfAction | None:
    """A day ``user`` may see (published ones, or any for coordinators), with its places."""
    return days_visible_to(user).filter(slug=slug).prefetch_related("places").first()


def toolkit_of(day: DayOfAction, *, with_versions: bool = False) -> list[ToolkitItem]:
    """The day's items in order with their current version; every version when asked.

    One query, two with the versions.
    """
    items = ToolkitItem.objects.filter(day=day).select_related("current")
    if with_versions:
        items = items.prefetch_related(
            Prefetch(
                "versions",
                queryset=ToolkitVersion.objects.select_related("created_by").order_by("-number"),
            )
        )
    return list(items.order_by("position", "id"))


def toolkit_version_file(user, *, slug: str, key) -> ToolkitVersion | None:
    """A version with a file, by its random key, of a day ``user`` may see (drafts only to
    coordinators); ``None`` otherwise (one query)."""
    return (
        ToolkitVersion.objects.filter(
            key=key, item__day__in=days_visible_to(user).filter(slug=slug)
        )
        .exclude(file="")
        .first()
    )


def covered_places(day: DayOfAction, *, name: str = "") -> list[Place]:
    """The day's places and those right under them, in tree order, for choices; only
    the day's places when that makes more than ``PLACE_CHOICES_MAX`` (a select of 500
    places was a third of the page's time).

    With ``name`` (typed in the place box), the covered places it matches are
    added, so any covered place can be typed (two queries).
    """
    own = list(day.places.all())
    under = Q(parent__in=[place.pk for place in own]) | Q(pk__in=[place.pk for place in own])
    places = list(
        Place.objects.filter(under)
        .only("id", "name", "kind", "depth", "path")
        .order_by("path")[: PLACE_CHOICES_MAX + 1]
    )
    if len(places) > PLACE_CHOICES_MAX:
        places = sorted(own, key=lambda place: place.path)
    if name:
        listed = {place.pk for place in places}
        matching = places_matching(name, Place.objects.filter(_covers(day, "")))
        places += [
            place
            for place in matching.annotate(parent_name=F("parent__name")).only(
                "id", "name", "kind", "depth", "path"
            )[:MATCHES_LOADED]
            if place.pk not in listed
        ]
    return places


def day_covered_names(day: DayOfAction) -> list[str]:
    """The names of the places the day covers (from its prefetched places), for messages."""
    return [place.name for place in day.places.all()]


def covered_place(day: DayOfAction, pk: int) -> Place | None:
    """One place in (or under) the day's places, by id; ``None`` if it is not (one query)."""
    return Place.objects.filter(_covers(day, ""), pk=pk).only("id", "name", "depth", "path").first()


def _covers(day: DayOfAction, prefix: str) -> Q:
    """Rows whose place (``prefix`` + path) is in the day's places, from the prefetched places."""
    q = Q(pk__in=[])
    for place in day.places.all():
        q |= Q(**{f"{prefix}path__startswith": place.path})
    return q


def _narrow(day: DayOfAction, place: Place | None, prefix: str) -> Q:
    q = _covers(day, prefix)
    if place is not None:
        q &= Q(**{f"{prefix}path__startswith": place.path})
    return q


def live_events(day: DayOfAction) -> QuerySet[Event]:
    """The day's registered events that are not cancelled."""
    return Event.objects.filter(day=day).exclude(action__status=ActionStatus.CANCELLED)


@dataclass(frozen=True)
class DayEvents:
    """The day's registered events, read once (one query).

    The lists below filter by these ids instead of joining every event to its
    action again in each of their eight queries: a day has hundreds of events,
    the network a million actions.
    """

    places: frozenset[int]  # the places of the events not cancelled
    hosts: frozenset[int]  # their host groups
    visible: frozenset[int]  # the actions the viewer may see, cancelled ones included


def day_events_read(day: DayOfAction, user=None) -> DayEvents:
    """``DayEvents`` of ``day``; ``visible`` is empty without a ``user``."""
    rows = Action.objects.filter(day_event__day=day).values_list(
        "pk", "place_id", "host_group_id", "status", _sees(user)
    )
    places, hosts, visible = set(), set(), set()
    for pk, place_id, host_id, status, shown in rows:
        if status != ActionStatus.CANCELLED:
            places.add(place_id)
            hosts.add(host_id)
        if shown:
            visible.add(pk)
    return DayEvents(frozenset(places), frozenset(hosts), frozenset(visible))


def _sees(user) -> Value | ExpressionWrapper:
    if user is None:
        return Value(False)
    rule = actions_visible_q(user)
    # An empty rule (stewards see everything) is no SQL condition at all.
    return ExpressionWrapper(rule, output_field=BooleanField()) if rule else Value(True)


def _visible_events(day: DayOfAction, events: DayEvents) -> QuerySet[Event]:
    return Event.objects.filter(day=day, action_id__in=events.visible)


def places_without_event(
    day: DayOfAction, place: Place | None = None, *, events: DayEvents | None = None
) -> QuerySet[Place]:
    """Covered places (and their sub-places) with no event anywhere in their subtree.

    One SQL query (two without ``events``): the places whose path is not among
    the paths above an event's place (``coalition.place_cover``), not one
    subtree scan per place.
    """
    events = events or day_events_read(day)
    with_event = Place.objects.filter(pk__in=events.places).values("pk")
    return (
        Place.objects.filter(_narrow(day, place, ""))
        .exclude(path__in=paths_above(with_event))
        .only("id", "name", "kind", "depth", "path")
        .order_by("path")
    )


def groups_not_registered(
    day: DayOfAction, place: Place | None = None, *, events: DayEvents | None = None
) -> QuerySet[Group]:
    """Signed (aligned or producing) groups in the covered places with no event for the day
    (one query, two without ``events``)."""
    events = events or day_events_read(day)
    return (
        Group.objects.filter(_narrow(day, place, "place__"), stage__in=ANNOUNCED_STAGES)
        .exclude(pk__in=events.hosts)
        .select_related("place")
        .only("id", "name", "slug", "stage", "place__id", "place__name")
        .order_by("name", "id")
    )


def _event_rows(queryset: QuerySet[Event]) -> QuerySet[Event]:
    """With the columns the lists show only: an action's and a group's texts are long."""
    return queryset.select_related("action", "action__host_group", "action__place").only(
        "id",
        "action_id",
        "action__title",
        "action__starts_at",
        "action__status",
        "action__rsvp_count",
        "action__capacity",
        "action__host_group__name",
        "action__place__name",
    )


def events_with_open_support(
    day: DayOfAction, events: DayEvents, place: Place | None = None
) -> QuerySet[Event]:
    """Events (that the viewer may see) asking the network for support, with their open
    requests."""
    open_requests = SupportRequest.objects.filter(is_open=True)
    return (
        _event_rows(_visible_events(day, events))
        .filter(_narrow(day, place, "action__place__"))
        .filter(Exists(open_requests.filter(action=OuterRef("action"))))
        .prefetch_related(
            Prefetch(
                "action__support_requests",
                queryset=open_requests.order_by("created_at", "id"),
                to_attr="open_requests",
            )
        )
        .order_by("action__starts_at", "id")
    )


def events_by_rsvps(
    day: DayOfAction, events: DayEvents, place: Place | None = None, sort: str = "-rsvps"
) -> QuerySet[Event]:
    """Every event the viewer may see, with its RSVP count, in the chosen order."""
    return (
        _event_rows(_visible_events(day, events))
        .filter(_narrow(day, place, "action__place__"))
        .order_by(*SORTS.get(sort, SORTS["-rsvps"]))
    )


def _place_rows(ids: list[int]) -> QuerySet[Place]:
    return Place.objects.filter(pk__in=ids).only("id", "name", "kind", "depth", "path")


def _group_rows(ids: list[int]) -> QuerySet[Group]:
    return (
        Group.objects.filter(pk__in=ids)
        .select_related("place")
        .only("id", "name", "slug", "stage", "place__id", "place__name")
    )


@dataclass
class Coordination:
    places: Page
    groups: Page
    support: Page
    rsvps: Page


def coordination(
    day: DayOfAction, user, *, place: Place | None, sort: str, pages: dict[str, str | None]
) -> Coordination:
    """The four lists of the coordination view, each paginated: the day's events read
    once; the places and groups in two queries each, their counts stopping past
    ``COUNT_LIMIT`` rows ("more than"); the events in one each (two for the
    support list, with its open requests)."""

    def page(queryset, key: str, rows_for) -> Page:
        # The "without an event" filter is the costly part: run it once for
        # the count and the page's ids, then read the page's rows by id.
        return page_of_ids(queryset, PER_PAGE, pages.get(key), rows_for)

    def sorted_page(queryset, key: str) -> Page:
        # Ordered by their actions' columns, the events are all read to be sorted:
        # their rows carry the total too (one query, not a count and a page).
        return page_counted_with_rows(queryset, PER_PAGE, pages.get(key))

    events = day_events_read(day, user)
    return Coordination(
        places=page(places_without_event(day, place, events=events), "places_page", _place_rows),
        groups=page(groups_not_registered(day, place, events=events), "groups_page", _group_rows),
        support=sorted_page(events_with_open_support(day, events, place), "support_page"),
        rsvps=sorted_page(events_by_rsvps(day, events, place, sort), "rsvps_page"),
    )


EXPORT_FIELDS = (
    "action_id",
    "action__title",
    "action__host_group__name",
    "action__place__name",
    "action__starts_at",
    "action__ends_at",
    "action__status",
    "action__rsvp_count",
    "action__capacity",
    "action__participants",
    "action__letters_sent",
    "action__signatures_gathered",
    "action__media_pieces",
)


def events_for_export(day: DayOfAction, user, place: Place | None = None) -> Iterator[dict]:
    """The day's events ``user`` may see, as plain rows (the events read, then one streamed
    query)."""
    return (
        _visible_events(day, day_events_read(day, user))
        .filter(_narrow(day, place, "action__place__"))
        .order_by("action__starts_at", "id")
        .values(*EXPORT_FIELDS)
        .iterator(chunk_size=1000)
    )


def event_for_host(day: DayOfAction, event_id: int) -> Event | None:
    """The day's event with its action, host group and place (one query)."""
    return (
        Event.objects.filter(day=day, pk=event_id)
        .select_related("action", "action__host_group", "action__place")
        .first()
    )


def groups_for_registration(user) -> tuple[list[Group], list[Group]]:
    """The person's groups that may register events (signed), and those that must sign first."""
    return posting_groups(user)

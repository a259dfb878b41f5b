"""Reads for the weaver's pipeline: the board, the group page and where the network is thin.

Every function here uses a fixed number of queries whatever the number of
groups; the pages that call them are for weavers only (permission "weave").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connections
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from coalition.models import Caucus, Place, WorkingGroup
from coalition.place_pick import places_to_offer, typed_name
from coalition.selectors import in_place
from members.models import STRONG_STAGES, Group, Membership, PlaceCover, Stage, StageChange
from members.timeline import TimelineEntry, timeline_for

# The board shows the start of each column; the paged list ("N more") has the rest.
BOARD_CARDS_PER_STAGE = 12
LAPSED_RECENTLY_DAYS = 90


@dataclass(frozen=True)
class FilterChoices:
    """What the board's filters offer, loaded once per page (one query each)."""

    places: list[Place]
    working_groups: list[WorkingGroup]
    caucuses: list[Caucus]


@dataclass(frozen=True)
class PipelineFilters:
    """The narrowing a weaver chose; ``None`` means "any"."""

    place: Place | None = None
    working_group: WorkingGroup | None = None
    caucus: Caucus | None = None
    kind: str | None = None
    quiet_days: int | None = None  # no contact for at least this many days (or never)
    stage: str | None = None


@dataclass
class BoardColumn:
    stage: str
    label: str
    count: int
    cards: list[Group] = field(default_factory=list)

    @property
    def more(self) -> int:
        return max(self.count - len(self.cards), 0)


def weave_filter_choices(data=None) -> FilterChoices:
    """``data`` is the request's GET: the chosen place and a typed name are offered with the
    upper levels of the tree, never every place (issue #8)."""
    return FilterChoices(
        places=places_to_offer(chosen=(data or {}).get("place"), name=typed_name(data)),
        working_groups=list(WorkingGroup.objects.only("id", "name", "slug").order_by("name")),
        caucuses=list(Caucus.objects.only("id", "name", "slug").order_by("name")),
    )


def _filtered(filters: PipelineFilters, *, now: datetime | None = None) -> QuerySet[Group]:
    groups = Group.objects.all()
    if filters.place is not None:
        groups = groups.filter(in_place(filters.place))
    if filters.working_group is not None:
        groups = groups.filter(working_groups=filters.working_group)
    if filters.caucus is not None:
        groups = groups.filter(caucuses=filters.caucus)
    if filters.kind:
        groups = groups.filter(kind=filters.kind)
    if filters.quiet_days is not None:
        since = (now or timezone.now()) - timedelta(days=filters.quiet_days)
        groups = groups.filter(Q(last_contact_at__lt=since) | Q(last_contact_at__isnull=True))
    if filters.stage:
        groups = groups.filter(stage=filters.stage)
    return groups


def _with_days_since_contact(groups: list[Group], now: datetime) -> list[Group]:
    """Cards say how long the network has been silent with each group (None: never in touch)."""
    for group in groups:
        last = group.last_contact_at
        group.days_since_contact = (now - last).days if last is not None else None
    return groups


def weave_board(
    filters: PipelineFilters, *, per_stage: int = BOARD_CARDS_PER_STAGE
) -> list[BoardColumn]:
    """A column per stage: its count and its first ``per_stage`` groups by name.

    Three queries whatever the number of groups: one aggregate for the counts,
    one for each stage's first ids (a ``UNION ALL`` of one ``LIMIT`` per stage,
    read from the ``(stage, name)`` index rather than numbering every group),
    and one for those groups' cards.
    """
    now = timezone.now()
    groups = _filtered(filters, now=now)
    counts = dict(groups.order_by().values_list("stage").annotate(n=Count("id", distinct=True)))
    branches, params = [], []
    for stage, _label in Stage.choices:
        first = groups.filter(stage=stage).order_by("name", "id").values("pk")[:per_stage]
        sql, stage_params = first.query.get_compiler(using=groups.db).as_sql()
        branches.append(f"SELECT b.pk FROM ({sql}) b")  # noqa: S608  # nosec B608: SQL compiled by the ORM; values are parameters
        params.extend(stage_params)
    with connections[groups.db].cursor() as cursor:
        cursor.execute(" UNION ALL ".join(branches), params)
        ids = [pk for (pk,) in cursor.fetchall()]
    cards = sorted(
        Group.objects.filter(pk__in=ids).select_related("place"),
        key=lambda group: (group.name, group.pk),
    )
    _with_days_since_contact(cards, now)
    columns = {
        stage: BoardColumn(stage=stage, label=label, count=counts.get(stage, 0))
        for stage, label in Stage.choices
    }
    for card in cards:
        columns[card.stage].cards.append(card)
    return list(columns.values())


def weave_group_list(filters: PipelineFilters) -> QuerySet[Group]:
    """The filtered groups by name, for a paginated list (cards' data included)."""
    return _filtered(filters).select_related("place").order_by("name", "id")


def with_days_since_contact(groups) -> list[Group]:
    return _with_days_since_contact(list(groups), timezone.now())


@dataclass(frozen=True)
class GroupFile:
    """All a weaver sees about one group: details, people and timeline."""

    group: Group
    memberships: list[Membership]
    timeline: list[TimelineEntry]
    # The moment the next (older) page of the timeline starts before; None: no older entries.
    timeline_older: datetime | None


def weave_group_file(slug: str, *, before: datetime | None = None) -> GroupFile | None:
    """The group behind ``slug`` with its people and a page of its timeline, the newest
    entries or those before ``before`` (None if there is no such group)."""
    group = (
        Group.objects.select_related("place", "place__parent", "signed_version", "created_by")
        .prefetch_related(
            Prefetch("working_groups", queryset=WorkingGroup.objects.order_by("name")),
            Prefetch("caucuses", queryset=Caucus.objects.order_by("name")),
        )
        .filter(slug=slug)
        .first()
    )
    if group is None:
        return None
    memberships = list(
        Membership.objects.filter(group=group)
        .select_related("person")
        .order_by("role", "person__name", "person__email")
    )
    timeline, cut = timeline_for(group, before=before)
    return GroupFile(
        group=group,
        memberships=memberships,
        timeline=timeline,
        timeline_older=timeline[-1].at if cut else None,
    )


# --- Where the network is thin ------------------------------------------------


def thin_places(place: Place | None) -> QuerySet[Place]:
    """Places (in ``place``'s subtree) with no aligned or producing group anywhere under them.

    One query for a page and one for the count, whatever the number of
    groups: the places without a covering row in ``PlaceCover`` (kept exact by
    ``members.services.place_cover``), a hash anti-join over a few thousand
    integers instead of cutting every strong group's path at page time.
    """
    covered = PlaceCover.objects.filter(place_id=OuterRef("pk"), strong_groups__gt=0)
    places = Place.objects.exclude(Exists(covered))
    if place is not None:
        places = places.filter(path__startswith=place.path)
    # The parent's name as a subquery: PostgreSQL reads it for the page's rows only,
    # where a join hashed every place first.
    parent_name = Place.objects.filter(pk=OuterRef("parent_id")).values("name")[:1]
    return (
        places.only("id", "name", "kind", "path", "parent_id")
        .annotate(parent_name=Subquery(parent_name))
        .order_by("path")
    )


def untied_groups(place: Place | None) -> QuerySet[Group]:
    """Aligned and producing groups (in ``place``'s subtree) with no tie to any other group.

    Reads ``has_tie`` (kept by ``members.services.ties``) from its partial index,
    rather than probing every kind of tie for each of thousands of strong groups.
    """
    return (
        Group.objects.filter(in_place(place), stage__in=STRONG_STAGES, has_tie=False)
        .select_related("place")
        .order_by("name", "id")
    )


def recently_lapsed(place: Place | None, *, days: int = LAPSED_RECENTLY_DAYS) -> QuerySet[Group]:
    """Groups that moved to "lapsed" in the last ``days`` days, newest first, with the reason."""
    since = timezone.now() - timedelta(days=days)
    last_reason = (
        StageChange.objects.filter(group=OuterRef("pk"), to_stage=Stage.LAPSED)
        .order_by("-at", "-id")
        .values("reason")[:1]
    )
    return (
        Group.objects.filter(in_place(place), stage=Stage.LAPSED, stage_changed_at__gte=since)
        .select_related("place")
        .annotate(lapse_reason=Subquery(last_reason))
        .order_by("-stage_changed_at", "-id")
    )

"""Reads of relational meetings, the tie graph between groups, the ladder and skills."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.paginator import Page
from django.db.models import (
    Count,
    Exists,
    F,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.functions import Coalesce, Greatest, Least, TruncMonth
from django.utils import timezone

from coalition.models import Place
from coalition.paging import BoundedPaginator
from coalition.permissions import can_weave, memberships_of
from coalition.selectors import in_place
from members.models import (
    Group,
    LadderLevel,
    LadderStep,
    Membership,
    RelationalMeeting,
    Skill,
    Training,
    User,
)

MEETINGS_PER_PAGE = 50
NEW_LEADER_DAYS = 90
NEW_LEADERS_SHOWN = 50
PEOPLE_CHOICES_MAX = 200
GROUP_CHOICES_MAX = 200
TRAININGS_SHOWN = 100
PERSON_MEETINGS_SHOWN = 100


def _meetings_base() -> QuerySet[RelationalMeeting]:
    return RelationalMeeting.objects.select_related("person_a", "person_b", "group_a", "group_b")


def _visible_meetings(user) -> QuerySet[RelationalMeeting]:
    """The meetings whose notes ``user`` may read: their own, or every one for weavers."""
    if not getattr(user, "is_authenticated", False):
        return RelationalMeeting.objects.none()
    if can_weave(user):
        return _meetings_base()
    return _meetings_base().filter(Q(person_a=user) | Q(person_b=user))


def _mark_groups_shown(user, meetings) -> None:
    """Set ``shown_group_a``/``shown_group_b``: a side's group, if ``user`` may know it.

    Which group another person belongs to is private to that group and to
    weavers, so a participant sees the other side's group only when they are
    in it too.
    """
    weaver = can_weave(user)
    mine = {} if weaver else memberships_of(user)
    for meeting in meetings:
        for side in ("a", "b"):
            group = getattr(meeting, f"group_{side}")
            person_id = getattr(meeting, f"person_{side}_id")
            visible = group is not None and (weaver or person_id == user.pk or group.pk in mine)
            setattr(meeting, f"shown_group_{side}", group if visible else None)


def meetings_page(
    *,
    user,
    place: Place | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    page_number: int | str = 1,
) -> Page:
    """A page of the meetings ``user`` may see, newest first, narrowed by place and dates.

    The place narrows to meetings where either side's group is in the place
    or under it. Three queries whatever the size: the person's memberships,
    the count (up to ``coalition.paging.COUNT_LIMIT``: "more than") and the page.
    """
    meetings = _visible_meetings(user)
    if place is not None:
        meetings = meetings.filter(
            in_place(place, "group_a__place") | in_place(place, "group_b__place")
        )
    if since is not None:
        meetings = meetings.filter(met_on__gte=since)
    if until is not None:
        meetings = meetings.filter(met_on__lte=until)
    # Counted up to a limit: a weaver's list holds every meeting of the network.
    page = BoundedPaginator(meetings.order_by("-met_on", "-id"), MEETINGS_PER_PAGE).get_page(
        page_number
    )
    page.object_list = list(page.object_list)
    _mark_groups_shown(user, page.object_list)
    return page


def meeting_for(*, user, pk: int) -> RelationalMeeting | None:
    """The meeting if ``user`` may read it; None when they may not even know it exists."""
    meeting = _visible_meetings(user).filter(pk=pk).select_related("logged_by").first()
    if meeting is not None:
        _mark_groups_shown(user, [meeting])
    return meeting


def person_by_email(email: str) -> User | None:
    """The active person with this address (ignoring case), for logging a meeting."""
    email = email.strip()
    if not email:
        return None
    return User.objects.filter(email__iexact=email, is_active=True).first()


def people_for_choice(*, search: str = "", include: tuple[int, ...] = ()) -> list[User]:
    """People for a weaver's select box: those matching ``search``, at most a few hundred.

    ``include`` keeps already chosen people in the list even if they do not match.
    """
    people = User.objects.filter(is_active=True).only("id", "name", "email")
    search = search.strip()
    if search:
        people = people.filter(Q(name__icontains=search) | Q(email__icontains=search))
    wanted = [pk for pk in include if pk]
    if wanted:
        people = people | User.objects.filter(pk__in=wanted).only("id", "name", "email")
    return list(people.order_by("name", "email")[:PEOPLE_CHOICES_MAX])


def groups_for_choice(*, search: str = "", include: tuple[int, ...] = ()) -> list[Group]:
    """Groups for a weaver's select box, narrowed the same way as ``people_for_choice``."""
    groups = Group.objects.only("id", "name")
    search = search.strip()
    if search:
        groups = groups.filter(name__icontains=search)
    wanted = [pk for pk in include if pk]
    if wanted:
        groups = groups | Group.objects.filter(pk__in=wanted).only("id", "name")
    return list(groups.order_by("name", "id")[:GROUP_CHOICES_MAX])


def groups_of(person: User) -> list[Group]:
    """The groups a person belongs to (for choosing which one they spoke for)."""
    return list(
        Group.objects.filter(memberships__person=person).only("id", "name").order_by("name")
    )


# --- A person, seen by a weaver --------------------------------------------


@dataclass
class PersonOverview:
    person: User
    steps: list[LadderStep]
    memberships: list[Membership]
    skills: list[Skill]
    trainings: list[Training]
    meetings: list[RelationalMeeting]  # the latest PERSON_MEETINGS_SHOWN


def person_overview(*, pk: int) -> PersonOverview | None:
    """Everything a weaver needs about one person, in a fixed number of queries."""
    person = (
        User.objects.select_related("ladder_level")
        .prefetch_related(
            Prefetch(
                "ladder_steps",
                queryset=LadderStep.objects.select_related("level", "recorded_by").order_by(
                    "-at", "-id"
                ),
            ),
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("group", "group__place").order_by(
                    "group__name"
                ),
            ),
            Prefetch("skills", queryset=Skill.objects.order_by("name")),
            Prefetch("trainings", queryset=Training.objects.order_by("-held_on", "-id")),
        )
        .filter(pk=pk)
        .first()
    )
    if person is None:
        return None
    meetings = list(
        _meetings_base()
        .filter(Q(person_a=person) | Q(person_b=person))
        .order_by("-met_on", "-id")[:PERSON_MEETINGS_SHOWN]
    )
    return PersonOverview(
        person=person,
        steps=list(person.ladder_steps.all()),
        memberships=list(person.memberships.all()),
        skills=list(person.skills.all()),
        trainings=list(person.trainings.all()),
        meetings=meetings,
    )


def levels_all() -> list[LadderLevel]:
    return list(LadderLevel.objects.order_by("rank"))


def skills_all() -> list[Skill]:
    return list(Skill.objects.order_by("name"))


def trainings_recent() -> list[Training]:
    """The latest trainings (the newest few hundred), for recording attendance."""
    return list(Training.objects.order_by("-held_on", "-id")[:TRAININGS_SHOWN])


# --- The ladder, seen by weavers --------------------------------------------


@dataclass
class LadderOverview:
    levels: list[LadderLevel]  # each with ``people_count``
    leaders_total: int
    new_leaders: list[User]  # each with ``became_leader_on``; at most NEW_LEADERS_SHOWN
    new_leaders_total: int
    new_leader_since: datetime.date
    skills: list[Skill]  # each with ``people_count`` and ``leaders_count``
    trainings: list[Training]  # each with ``attendee_count``


def ladder_overview(*, today: datetime.date | None = None) -> LadderOverview:
    """Counts per level, the people who became leaders lately, skills and trainings.

    A new leader is a person whose current level counts as a leader and whose
    first step onto any leader level is within the last ``NEW_LEADER_DAYS``.
    Four queries whatever the size.
    """
    today = today or timezone.localdate()
    since = today - datetime.timedelta(days=NEW_LEADER_DAYS)
    # Counted per level from the index of people's levels alone (a join counting
    # people's ids read all of their rows).
    on_level = (
        User.objects.filter(ladder_level=OuterRef("pk"))
        .order_by()
        .values("ladder_level")
        .annotate(count=Count("*"))
        .values("count")
    )
    levels = list(
        LadderLevel.objects.annotate(people_count=Coalesce(Subquery(on_level), 0)).order_by("rank")
    )
    # Only people with a leader step lately and none before are candidates:
    # aggregating every leader's steps to find them cost 40 ms with 10,000 leaders.
    leader_steps = LadderStep.objects.filter(level__counts_as_leader=True)
    new = (
        User.objects.filter(
            ladder_level__counts_as_leader=True,
            pk__in=leader_steps.filter(at__gte=since).values("person_id"),
        )
        .exclude(Exists(leader_steps.filter(person=OuterRef("pk"), at__lt=since)))
        .annotate(
            became_leader_on=Min(
                "ladder_steps__at", filter=Q(ladder_steps__level__counts_as_leader=True)
            )
        )
        .filter(became_leader_on__gte=since)
    )
    # The total rides on the shown rows (a window over the grouped people), so
    # every leader's steps are aggregated once, not again for a count.
    new_leaders = list(
        new.select_related("ladder_level")
        .only("id", "name", "email", "ladder_level__name")
        .annotate(total=Window(Count("pk")))
        .order_by("-became_leader_on", "name")[:NEW_LEADERS_SHOWN]
    )
    new_total = new_leaders[0].total if new_leaders else 0
    skills = list(
        Skill.objects.annotate(
            people_count=Count("people", distinct=True),
            leaders_count=Count(
                "people", filter=Q(people__ladder_level__counts_as_leader=True), distinct=True
            ),
        ).order_by("name")
    )
    trainings = list(
        Training.objects.annotate(attendee_count=Count("attendees", distinct=True)).order_by(
            "-held_on", "-id"
        )[:TRAININGS_SHOWN]
    )
    return LadderOverview(
        levels=levels,
        leaders_total=sum(level.people_count for level in levels if level.counts_as_leader),
        new_leaders=new_leaders,
        new_leaders_total=new_total,
        new_leader_since=since,
        skills=skills,
        trainings=trainings,
    )


# --- The tie graph ----------------------------------------------------------


def _between_groups(place: Place | None, since: datetime.date | None):
    meetings = RelationalMeeting.objects.filter(
        group_a__isnull=False, group_b__isnull=False
    ).exclude(group_a=F("group_b"))
    if place is not None:
        meetings = meetings.filter(
            in_place(place, "group_a__place") | in_place(place, "group_b__place")
        )
    if since is not None:
        meetings = meetings.filter(met_on__gte=since)
    return meetings


def group_ties(
    place: Place | None = None, since: datetime.date | None = None
) -> dict[tuple[int, int], int]:
    """{(lower group id, higher group id): number of meetings between their people}.

    A tie is undirected, so (A met B) and (B met A) count for the same pair.
    Only meetings between two different, known groups count; with a place,
    pairs where either group is in the place or under it (ties reaching out
    of a place matter as much as ties inside it). One aggregate query.
    """
    rows = (
        _between_groups(place, since)
        .annotate(low=Least("group_a_id", "group_b_id"), high=Greatest("group_a_id", "group_b_id"))
        .order_by()
        .values("low", "high")
        .annotate(meetings=Count("id"))
        .values_list("low", "high", "meetings")
    )
    return {(low, high): count for low, high, count in rows}


def meeting_counts_by_month(place: Place | None = None) -> list[tuple[datetime.date, int]]:
    """[(first day of the month, meetings that month)], oldest first; one query.

    With a place, the meetings where either side's group is in it or under it.
    """
    meetings = RelationalMeeting.objects.all()
    if place is not None:
        meetings = meetings.filter(
            in_place(place, "group_a__place") | in_place(place, "group_b__place")
        )
    rows = (
        meetings.annotate(month=TruncMonth("met_on"))
        .order_by()
        .values("month")
        .annotate(meetings=Count("id"))
        .order_by("month")
        .values_list("month", "meetings")
    )
    return [(_as_date(month), count) for month, count in rows]


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value

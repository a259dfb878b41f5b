"""Reads for OSDI and the CSV exports, each filtered to what the person may see.

Who sees whom (the rule ``coalition.permissions.can_read_people`` opens):
weavers and stewards see every active account; a group's admins and contacts
see the accounts of their own groups' members and of the people who RSVPed to
their groups' actions; everyone else no one.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from actions.models import Action, ActionKind, Amplification, Participation
from actions.selectors import actions_visible_q
from coalition.permissions import can_read_people, can_weave, memberships_of
from convergence.models import Event as DayEvent
from exchange.models import GroupTagging, Source, Tag, Tagging
from exchange.osdi import CollectionPage, Paging, page_of
from members.models import Group, Membership, Suppression, User

# Keyset batches for the streamed exports: big enough to keep the query count
# low, small enough that memory stays flat whatever the network's size.
EXPORT_BATCH = 1000


def _acting_groups(user) -> list[int]:
    return [pk for pk, role in memberships_of(user).items() if role in {"admin", "contact"}]


def people_visible_to(user) -> QuerySet[User]:
    """Accounts whose personal data the person may read (the rule in the module docstring)."""
    people = User.objects.filter(is_active=True)
    if can_weave(user):
        return people
    acting = _acting_groups(user)
    if not acting:
        return people.none()
    member = Membership.objects.filter(person=OuterRef("pk"), group_id__in=acting)
    rsvped = Participation.objects.filter(person=OuterRef("pk"), action__host_group_id__in=acting)
    return people.filter(Q(Exists(member)) | Q(Exists(rsvped)))


def _tags_prefetch() -> Prefetch:
    taggings = Tagging.objects.select_related("tag").order_by("tag__name")
    return Prefetch("taggings", queryset=taggings)


def _with_email_status(people: QuerySet[User]) -> QuerySet[User]:
    """Each person's outreach suppression reason and its moment, if any (OSDI's email status
    and part of the record's modified_date), in the query."""
    found = Suppression.objects.filter(email__iexact=OuterRef("email"))
    return people.annotate(
        suppression_reason=Subquery(found.values("reason")[:1]),
        suppression_at=Subquery(found.values("at")[:1]),
    )


def people_modified_q(*, after=None, before=None) -> Q:
    """People whose record changed after / before the moments: the account, the postal
    address, the email status (a suppression) and the tags are its parts.

    The record's date is the latest of its parts: after a moment when any part
    is, before it when every part is.
    """
    suppressed = Suppression.objects.filter(email__iexact=OuterRef("email"))
    tagged = Tagging.objects.filter(person=OuterRef("pk"))
    q = Q()
    if after is not None:
        q &= (
            Q(date_joined__gt=after)
            | Q(updated_at__gt=after)
            | Q(postal_address__modified_at__gt=after)
            | Q(Exists(suppressed.filter(at__gt=after)))
            | Q(Exists(tagged.filter(created_at__gt=after)))
        )
    if before is not None:
        q &= (
            Q(date_joined__lt=before)
            & Q(updated_at__lt=before)
            & (Q(postal_address__isnull=True) | Q(postal_address__modified_at__lt=before))
            & ~Q(Exists(suppressed.filter(at__gte=before)))
            & ~Q(Exists(tagged.filter(created_at__gte=before)))
        )
    return q


def people_page(user, *, paging: Paging, after=None, before=None) -> CollectionPage:
    """One page of people with their postal address, tags and email status, and the total
    up to ``osdi.TOTAL_LIMIT``, in three queries; ``after``/``before`` keep those whose
    record changed in between."""
    people = people_visible_to(user).filter(people_modified_q(after=after, before=before))
    documents = (
        _with_email_status(people)
        .select_related("postal_address")
        .prefetch_related(_tags_prefetch())
    )
    return page_of(documents, order=("pk",), paging=paging)


def person_for(user, pk: int) -> User | None:
    return (
        _with_email_status(people_visible_to(user))
        .select_related("postal_address")
        .prefetch_related(_tags_prefetch())
        .filter(pk=pk)
        .first()
    )


def events_visible_to(user) -> QuerySet[Action]:
    """Event-kind actions and the events registered for days of action, as the pages show them.

    "Registered for a day" is an ``Exists`` on the event's own row rather than
    a join: the join made the planner read every action to find the day's
    events, where the start-time index now serves the order and stops at a page.

    Events imported from a source are left out: they are another server's to publish,
    and two coalitions following each other would otherwise echo each other's events
    back as their own.
    """
    registered = DayEvent.objects.filter(action=OuterRef("pk"))
    return Action.objects.filter(actions_visible_q(user), origin_system="").filter(
        Q(kind=ActionKind.EVENT) | Q(Exists(registered))
    )


def events_page(user, *, paging: Paging, after=None, before=None) -> CollectionPage:
    """One page of events by start (the ``(starts_at, id)`` index) and the total up to
    ``osdi.TOTAL_LIMIT`` (two queries)."""
    events = events_visible_to(user)
    if after is not None:
        events = events.filter(updated_at__gt=after)
    if before is not None:
        events = events.filter(updated_at__lt=before)
    # The day an event is registered for gives its tag (osdi.event_doc): joined, no query.
    return page_of(
        events.select_related("place", "day_event__day"), order=("starts_at", "pk"), paging=paging
    )


def event_for(user, pk: int) -> Action | None:
    return events_visible_to(user).select_related("place", "day_event__day").filter(pk=pk).first()


def attendances_visible_q(user, prefix: str = "") -> Q:
    """The RSVPs a person may read: ``permissions.can_see_rsvps`` written as one filter.

    The host group's admins and contacts, the person who posted the action while
    still a member, and the co-hosts the host let see them.
    """
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    mine = list(memberships_of(user))
    acting = _acting_groups(user)
    allowed = Q(**{f"{prefix}host_group_id__in": acting}) | Q(
        **{f"{prefix}created_by": user, f"{prefix}host_group_id__in": mine}
    )
    if acting:
        cohost = Amplification.objects.filter(
            action=OuterRef(f"{prefix}pk" if prefix else "pk"),
            kind="cohost",
            sees_rsvps=True,
            group_id__in=acting,
        )
        allowed |= Q(Exists(cohost))
    return allowed


def attendances_visible_to(user, event: Action | None = None) -> QuerySet[Participation]:
    actions = events_visible_to(user).filter(attendances_visible_q(user))
    if event is not None:
        actions = actions.filter(pk=event.pk)
    return Participation.objects.filter(action__in=actions)


def attendances_page(user, *, paging: Paging, event: Action | None = None) -> CollectionPage:
    return page_of(attendances_visible_to(user, event), order=("pk",), paging=paging)


def attendance_for(user, pk: int) -> Participation | None:
    return attendances_visible_to(user).filter(pk=pk).first()


def tags_visible_to(user) -> QuerySet[Tag]:
    """Tag names only for those who may read people: a tag can say a lot about someone."""
    return Tag.objects.all() if can_read_people(user) else Tag.objects.none()


def tags_page(user, *, paging: Paging) -> CollectionPage:
    return page_of(tags_visible_to(user), order=("pk",), paging=paging)


def taggings_visible_to(
    user, *, tag: Tag | None = None, person: User | None = None
) -> QuerySet[Tagging]:
    taggings = Tagging.objects.filter(person__in=people_visible_to(user))
    if tag is not None:
        taggings = taggings.filter(tag=tag)
    if person is not None:
        taggings = taggings.filter(person=person)
    return taggings


def taggings_page(
    user, *, paging: Paging, tag: Tag | None = None, person: User | None = None
) -> CollectionPage:
    taggings = taggings_visible_to(user, tag=tag, person=person)
    return page_of(taggings, order=("pk",), paging=paging)


# --- CSV exports ---------------------------------------------------------------


def _tags_of(model, field: str, ids: list[int]) -> dict[int, list[str]]:
    tags: dict[int, list[str]] = {}
    for owner, name in (
        model.objects.filter(**{f"{field}_id__in": ids})
        .order_by("tag__name")
        .values_list(f"{field}_id", "tag__name")
    ):
        tags.setdefault(owner, []).append(name)
    return tags


def people_for_export(user) -> Iterator[dict]:
    """Every person the exporter may see, in keyset batches (two queries per batch)."""
    people = people_visible_to(user).order_by("pk")
    last = 0
    while True:
        batch = list(
            people.filter(pk__gt=last).values(
                "pk", "name", "email", "phone", "postal_address__postal_code"
            )[:EXPORT_BATCH]
        )
        if not batch:
            return
        tags = _tags_of(Tagging, "person", [row["pk"] for row in batch])
        for row in batch:
            row["tags"] = tags.get(row["pk"], [])
            yield row
        last = batch[-1]["pk"]


def groups_for_export() -> Iterator[dict]:
    """Every group, in keyset batches (two queries per batch)."""
    groups = Group.objects.order_by("pk")
    last = 0
    while True:
        batch = list(
            groups.filter(pk__gt=last).values(
                "pk",
                "name",
                "kind",
                "place__name",
                "contact_email",
                "website",
                "postal_address__postal_code",
            )[:EXPORT_BATCH]
        )
        if not batch:
            return
        tags = _tags_of(GroupTagging, "group", [row["pk"] for row in batch])
        for row in batch:
            row["tags"] = tags.get(row["pk"], [])
            yield row
        last = batch[-1]["pk"]


# --- Sources -----------------------------------------------------------------------


def sources_visible_to(user):
    """The sources a person manages: all for stewards and coordinators, else their groups'."""
    from coalition.permissions import can_coordinate, can_steward

    sources = Source.objects.select_related("group", "place", "attach_day")
    if can_steward(user) or can_coordinate(user):
        return sources
    mine = [pk for pk, role in memberships_of(user).items() if role == "admin"]
    return sources.filter(group_id__in=mine)


def source_events(source, *, limit: int = 200) -> list[Action]:
    """The source's imported events, soonest first, with their day of action if any."""
    return list(
        Action.objects.filter(origin_system=source.origin_system)
        .select_related("day_event__day")
        .order_by("starts_at", "pk")[:limit]
    )

"""Reads of the members app for the public pages and group pages."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet

from coalition.models import Place
from coalition.permissions import can_see_group_members, memberships_of
from coalition.selectors import in_place
from members.models import Group, GroupKind, Membership

SIGNATORIES_PER_PAGE = 50


@dataclass
class Signatories:
    page: Page
    total: int
    by_kind: list[tuple[str, str, int]]  # (kind, label, count)


def signatories_public(
    *, place: Place | None = None, kind: str = "", page_number: int | str = 1
) -> Signatories:
    """Groups that signed (a confirmed signature) and agreed to be listed.

    Two queries whatever the size: the counts per kind (which give the total)
    and the page itself.
    """
    listed = Group.objects.filter(signed_version__isnull=False, listing_consent=True).filter(
        in_place(place)
    )
    counts = dict(listed.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    by_kind = [(value, label, counts.get(value, 0)) for value, label in GroupKind.choices]
    if kind:
        listed = listed.filter(kind=kind)
    rows = (
        listed.select_related("place", "signed_version")
        .only(
            "name",
            "slug",
            "kind",
            "website",
            "needs_resign",
            "place__name",
            "signed_version__number",
        )
        .order_by("name", "id")
    )
    total = sum(counts.values()) if not kind else counts.get(kind, 0)
    paginator = Paginator(rows, SIGNATORIES_PER_PAGE)
    # Known from the counts per kind: the paginator need not count again
    # (a second pass over every listed group, 10 ms at 10,000 groups).
    paginator.count = total
    return Signatories(page=paginator.get_page(page_number), total=total, by_kind=by_kind)


def group_public(slug: str, viewer) -> Group | None:
    """A group's public page: listed signatories for everyone, any group for its members
    and weavers. None when the viewer may not know the group exists."""
    group = Group.objects.select_related("place", "signed_version").filter(slug=slug).first()
    if group is None:
        return None
    if group.listing_consent and group.signed_version_id:
        return group
    if can_see_group_members(viewer, group):
        return group
    return None


def group_members(group: Group) -> QuerySet[Membership]:
    return group.memberships.select_related("person").order_by(
        "role", "person__name", "person__email"
    )


def my_groups(person) -> QuerySet[Group]:
    ids = list(memberships_of(person))
    return (
        Group.objects.filter(pk__in=ids)
        .select_related("place", "signed_version")
        .annotate(member_count=Count("memberships"))
        .order_by("name")
    )


def groups_to_sign(person, version) -> list[Group]:
    """The groups this person can sign for that have not signed ``version``."""
    if version is None or not person.is_authenticated:
        return []
    roles = memberships_of(person)
    ids = [gid for gid, role in roles.items() if role in {"admin", "contact"}]
    return list(
        Group.objects.filter(pk__in=ids).exclude(Q(signatures__version=version)).order_by("name")
    )


def groups_to_resign_count(*, version) -> int:
    """Groups whose current signature is on a version older than ``version``: publishing
    it asks them to sign again (the same rule as ``signatories_mark_resign``)."""
    return Group.objects.filter(
        signed_version__isnull=False, signed_version__number__lt=version.number
    ).count()

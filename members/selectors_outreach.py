"""Reads for outreach email: audiences, recipients, messages and their progress."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from coalition.models import Caucus, Place, WorkingGroup
from coalition.selectors import in_place
from members.models import (
    Delivery,
    DeliveryStatus,
    Group,
    Membership,
    MembershipRole,
    OutreachMessage,
    OutreachStatus,
    Stage,
    Suppression,
    User,
)

# Who receives outreach for a group: the people who speak for it.
RECIPIENT_ROLES = (MembershipRole.ADMIN, MembershipRole.CONTACT)


@dataclass(frozen=True)
class Recipient:
    """One address an outreach message goes to, and the group it is written for."""

    email: str
    group: Group
    person: User | None = None


def audience_groups(audience: dict) -> QuerySet[Group]:
    """The groups an audience (as stored on ``OutreachMessage.audience``) points at.

    Every filter narrows: stages (any of), place and everything under it,
    places (under any of them), working group, caucus, and ``resign`` for
    groups asked to re-sign.
    """
    groups = Group.objects.all()
    if audience.get("stages"):
        groups = groups.filter(stage__in=audience["stages"])
    if audience.get("place"):
        place = Place.objects.filter(pk=audience["place"]).only("path").first()
        if place is None:
            return Group.objects.none()
        groups = groups.filter(in_place(place))
    if audience.get("places"):
        paths = Place.objects.filter(pk__in=audience["places"]).values_list("path", flat=True)
        any_of = Q(pk__in=[])
        for path in paths:
            any_of |= Q(place__path__startswith=path)
        groups = groups.filter(any_of)
    if audience.get("working_group"):
        groups = groups.filter(working_groups=audience["working_group"])
    if audience.get("caucus"):
        groups = groups.filter(caucuses=audience["caucus"])
    if audience.get("resign"):
        groups = groups.filter(needs_resign=True)
    return groups


def audience_recipients(audience: dict) -> list[Recipient]:
    """One recipient per address, in group order (name, then id); three queries at most.

    A group is written to through its admins and contacts, or through its
    ``contact_email`` when no one holds those roles (a prospect nobody has an
    account for yet). An address met twice keeps its first group.
    """
    speakers = Membership.objects.filter(role__in=RECIPIENT_ROLES).select_related("person")
    groups = (
        audience_groups(audience)
        .order_by("name", "id")
        .only("id", "name", "slug", "stage", "contact_name", "contact_email")
        .prefetch_related(Prefetch("memberships", queryset=speakers.order_by("id")))
    )
    recipients: list[Recipient] = []
    seen: set[str] = set()
    for group in groups:
        people = [m.person for m in group.memberships.all() if m.person.email]
        addresses = [(p.email, p) for p in people]
        if not people and group.contact_email:
            addresses = [(group.contact_email, None)]
        for email, person in addresses:
            key = email.strip().lower()
            if key in seen:
                continue
            seen.add(key)
            recipients.append(Recipient(email=key, group=group, person=person))
    return recipients


def address_is_suppressed(email: str) -> bool:
    """Whether outreach and invitations must not write to this address (one query)."""
    return Suppression.objects.filter(email__iexact=email.strip()).exists()


def suppressed_among(emails: list[str]) -> set[str]:
    """Which of these (lower-case) addresses outreach must not write to."""
    found: set[str] = set()
    # Chunked so a big audience stays under the database's parameter limit.
    for start in range(0, len(emails), 500):
        chunk = emails[start : start + 500]
        found.update(
            Suppression.objects.annotate(address=Lower("email"))
            .filter(address__in=chunk)
            .values_list("address", flat=True)
        )
    return found


def _counts() -> dict[str, Count]:
    def of(*statuses: str) -> Count:
        return Count("deliveries", filter=Q(deliveries__status__in=statuses))

    return {
        "total": Count("deliveries"),
        "sent_count": of(DeliveryStatus.SENT),
        "failed_count": of(DeliveryStatus.FAILED),
        "suppressed_count": of(DeliveryStatus.SUPPRESSED),
        "left_count": of(DeliveryStatus.PENDING, DeliveryStatus.SENDING),
    }


def outreach_messages() -> QuerySet[OutreachMessage]:
    """Every outreach message, newest first, with its delivery counts (one query per page).

    Outreach is network-wide: whoever may send it sees every message.
    """
    return (
        OutreachMessage.objects.select_related("created_by")
        .annotate(**_counts())
        .order_by("-created_at", "-id")
    )


def outreach_drafts(limit: int) -> list[OutreachMessage]:
    """The drafts still to finish or send, newest first, to open again (one query)."""
    return list(
        OutreachMessage.objects.filter(status=OutreachStatus.DRAFT)
        .select_related("created_by")
        .order_by("-created_at", "-id")[:limit]
    )


def outreach_message(message_id: int) -> OutreachMessage | None:
    return outreach_messages().filter(pk=message_id).first()


def outreach_progress(message_id: int) -> dict[str, int | str] | None:
    """Sent, failed, not sent (unsubscribed or bounced) and left, read fresh in one query."""
    row = (
        OutreachMessage.objects.filter(pk=message_id)
        .annotate(**_counts())
        .values("status", *_counts().keys())
        .first()
    )
    if row is None:
        return None
    return {
        "status": row["status"],
        "total": row["total"],
        "sent": row["sent_count"],
        "failed": row["failed_count"],
        "suppressed": row["suppressed_count"],
        "left": row["left_count"],
    }


def outreach_deliveries(message: OutreachMessage, limit: int = 100) -> list[Delivery]:
    """The first deliveries of a message, to choose whose preview to read."""
    return list(
        message.deliveries.select_related("group", "person").order_by("id")[:limit],
    )


def outreach_delivery(message: OutreachMessage, delivery_id: int) -> Delivery | None:
    return (
        message.deliveries.select_related("group", "person", "message")
        .filter(pk=delivery_id)
        .first()
    )


def audience_description(audience: dict) -> list[str]:
    """The audience's filters in words, for the message page (a query per named filter)."""
    parts: list[str] = []
    if audience.get("stages"):
        labels = ", ".join(str(Stage(stage).label) for stage in audience["stages"])
        parts.append(_("groups at these stages: %(stages)s") % {"stages": labels})
    for key, model, text in (
        ("place", Place, _("in %(name)s and everything under it")),
        ("working_group", WorkingGroup, _("in the working group %(name)s")),
        ("caucus", Caucus, _("in the caucus %(name)s")),
    ):
        if audience.get(key):
            name = model.objects.filter(pk=audience[key]).values_list("name", flat=True).first()
            parts.append(text % {"name": name or "?"})
    if audience.get("places"):
        names = Place.objects.filter(pk__in=audience["places"]).values_list("name", flat=True)
        parts.append(_("in %(names)s and everything under them") % {"names": ", ".join(names)})
    if audience.get("resign"):
        parts.append(_("asked to re-sign the statement"))
    return parts or [_("every group in the network")]

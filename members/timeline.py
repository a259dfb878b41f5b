"""A group's timeline for weavers, gathered from every app that registers a source.

Each source is a function ``source(group, *, limit) -> Iterable[TimelineEntry]``
returning at most ``limit`` of the group's newest entries of its own kind, in a
fixed number of queries whatever the group's history. The members app
registers its own sources below (stage changes, invitations, outreach email,
signatures, relational meetings). A higher app adds its entries without the
members app importing it, from its ``AppConfig.ready()``::

    from members.timeline import timeline_source_register

    timeline_source_register(action_entries_for_group)

Registering the same function twice keeps one copy, so ``ready()`` may run
more than once (tests) without doubling entries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import (
    Delivery,
    Group,
    Invitation,
    InvitationKind,
    RelationalMeeting,
    Signature,
    Stage,
    StageChange,
)

# Newest entries shown per page; every source is asked for this many, so the
# merged list's newest ``TIMELINE_LIMIT`` entries are exact.
TIMELINE_LIMIT = 200


@dataclass(frozen=True)
class TimelineEntry:
    """One dated line of a group's history, ready to display."""

    at: datetime
    kind: str  # a short machine name: "stage", "invitation", "email", "signature"…
    label: str  # the kind, translated, as shown to the weaver
    summary: str
    detail: str = ""
    by: str = ""
    url: str = ""
    date_only: bool = False  # a day without a time of day (meetings)


TimelineSource = Callable[..., Iterable[TimelineEntry]]

_sources: list[TimelineSource] = []


def timeline_source_register(source: TimelineSource) -> TimelineSource:
    """Add a source of timeline entries (usable as a decorator); idempotent."""
    if source not in _sources:
        _sources.append(source)
    return source


def timeline_sources() -> list[TimelineSource]:
    return list(_sources)


def timeline_for(group: Group, *, limit: int = TIMELINE_LIMIT) -> tuple[list[TimelineEntry], bool]:
    """The group's newest entries from every source, newest first, and whether some were cut."""
    entries: list[TimelineEntry] = []
    for source in _sources:
        entries.extend(source(group, limit=limit))
    # sorted() is stable: entries at the same moment keep their source's order.
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:limit], len(entries) > limit


def day_start(day: date) -> datetime:
    """A date as the start of that day in the current time zone, to sort among datetimes."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _person(user) -> str:
    return str(user) if user is not None else ""


# --- The members app's own sources ------------------------------------------


@timeline_source_register
def stage_change_entries(group: Group, *, limit: int) -> list[TimelineEntry]:
    changes = StageChange.objects.filter(group=group).select_related("changed_by")
    entries = []
    for change in changes.order_by("-at", "-id")[:limit]:
        if change.from_stage:
            summary = _("Moved from %(from)s to %(to)s") % {
                "from": Stage(change.from_stage).label,
                "to": Stage(change.to_stage).label,
            }
        else:
            summary = _("Added as %(to)s") % {"to": Stage(change.to_stage).label}
        entries.append(
            TimelineEntry(
                at=change.at,
                kind="stage",
                label=_("Stage"),
                summary=summary,
                detail=change.reason,
                by=_person(change.changed_by),
            )
        )
    return entries


@timeline_source_register
def invitation_entries(group: Group, *, limit: int) -> list[TimelineEntry]:
    invitations = Invitation.objects.filter(group=group).select_related("created_by", "used_by")
    entries = []
    for invitation in invitations.order_by("-created_at", "-id")[:limit]:
        if invitation.kind == InvitationKind.GROUP:
            sent = _("Invitation to join the network sent to %(email)s")
        else:
            sent = _("Invitation to join the group sent to %(email)s")
        entries.append(
            TimelineEntry(
                at=invitation.created_at,
                kind="invitation",
                label=_("Invitation"),
                summary=sent % {"email": invitation.email},
                detail=_("Expires %(date)s")
                % {"date": timezone.localtime(invitation.expires_at).date().isoformat()}
                if invitation.used_at is None
                else "",
                by=_person(invitation.created_by),
            )
        )
        if invitation.used_at is not None:
            entries.append(
                TimelineEntry(
                    at=invitation.used_at,
                    kind="invitation",
                    label=_("Invitation"),
                    summary=_("Invitation sent to %(email)s was used")
                    % {"email": invitation.email},
                    by=_person(invitation.used_by),
                )
            )
    return entries


@timeline_source_register
def delivery_entries(group: Group, *, limit: int) -> list[TimelineEntry]:
    deliveries = Delivery.objects.filter(group=group).select_related("message")
    entries = []
    for delivery in deliveries.order_by("-message__created_at", "-id")[:limit]:
        message = delivery.message
        entries.append(
            TimelineEntry(
                at=delivery.sent_at or message.sent_at or message.created_at,
                kind="email",
                label=_("Email"),
                summary=_("“%(subject)s” to %(email)s")
                % {"subject": message.subject, "email": delivery.email},
                detail=delivery.get_status_display(),
            )
        )
    return entries


@timeline_source_register
def signature_entries(group: Group, *, limit: int) -> list[TimelineEntry]:
    signatures = Signature.objects.filter(group=group).select_related("version", "signed_by")
    entries = []
    for signature in signatures.order_by("-signed_at", "-id")[:limit]:
        if signature.confirmed_at is not None:
            detail = _("Confirmed %(date)s") % {
                "date": timezone.localtime(signature.confirmed_at).date().isoformat()
            }
        else:
            detail = _("Not confirmed yet: the signer has not verified their email address")
        entries.append(
            TimelineEntry(
                at=signature.signed_at,
                kind="signature",
                label=_("Signature"),
                summary=_("Signed the statement, version %(number)s")
                % {"number": signature.version.number},
                detail=detail,
                by=_person(signature.signed_by),
            )
        )
    return entries


@timeline_source_register
def meeting_entries(group: Group, *, limit: int) -> list[TimelineEntry]:
    # Notes stay out of the timeline: they belong on the meeting itself.
    meetings = RelationalMeeting.objects.filter(Q(group_a=group) | Q(group_b=group)).select_related(
        "person_a", "person_b", "group_a", "group_b"
    )
    entries = []
    for meeting in meetings.order_by("-met_on", "-id")[:limit]:
        sides = [
            (meeting.person_a, meeting.group_a),
            (meeting.person_b, meeting.group_b),
        ]
        names = [
            _("%(person)s (%(group)s)") % {"person": person, "group": side_group.name}
            if side_group is not None
            else str(person)
            for person, side_group in sides
        ]
        entries.append(
            TimelineEntry(
                at=day_start(meeting.met_on),
                kind="meeting",
                label=_("Meeting"),
                summary=_("%(first)s met %(second)s") % {"first": names[0], "second": names[1]},
                date_only=True,
            )
        )
    return entries

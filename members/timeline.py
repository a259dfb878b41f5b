"""A group's timeline for weavers, gathered from every app that registers a source.

Each source is a function
``source(group, *, limit, before=None) -> Iterable[TimelineEntry]`` returning at
most ``limit`` of the group's newest entries of its own kind dated strictly
before ``before`` (when given), newest first and in one order among entries of
the same moment (so pages neither repeat nor skip one), in a fixed number of
bounded queries whatever the group's history. The members app registers its
own sources below (stage changes, invitations, outreach email, signatures,
relational meetings). A higher app adds its entries without the
members app importing it, from its ``AppConfig.ready()``::

    from members.timeline import timeline_source_register

    timeline_source_register(action_entries_for_group)

Registering the same function twice keeps one copy, so ``ready()`` may run
more than once (tests) without doubling entries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Case, Q, When
from django.db.models.functions import Coalesce
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

# Entries shown per page; every source is asked for this many, so the merged
# list's newest ``TIMELINE_LIMIT`` entries are exact. Older ones are a keyset
# page away (``before``): 200 on one page cost more to load and render than the
# whole rest of the page.
TIMELINE_LIMIT = 50


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


def timeline_for(
    group: Group, *, limit: int = TIMELINE_LIMIT, before: datetime | None = None
) -> tuple[list[TimelineEntry], bool]:
    """The group's newest entries (older than ``before`` if given) from every source,
    newest first, and whether older ones were left for the next page.

    When some are cut, the page ends before the moment of the first entry left
    out, so the last shown entry's moment is an exact cursor (``before``) for
    the next page: nothing is shown twice or skipped. Only when a whole page
    and the next entry share one instant is the rest of that instant skipped.
    """
    entries: list[TimelineEntry] = []
    for source in _sources:
        entries.extend(source(group, limit=limit, before=before))
    # sorted() is stable: entries at the same moment keep their source's order.
    entries.sort(key=lambda entry: entry.at, reverse=True)
    if len(entries) <= limit:
        return entries, False
    first_left_out = entries[limit].at
    page = [entry for entry in entries[:limit] if entry.at > first_left_out]
    return page or entries[:limit], True


def day_start(day: date) -> datetime:
    """A date as the start of that day in the current time zone, to sort among datetimes."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _person(user) -> str:
    return str(user) if user is not None else ""


def last_day_before(before: datetime) -> date:
    """The last day whose start (``day_start``) is strictly before ``before``."""
    return timezone.localtime(before - timedelta(microseconds=1)).date()


# Only what an entry shows is read: a person's name and email, not the whole row.
PERSON_FIELDS = ("name", "email")


def _only_people(*relations: str) -> list[str]:
    return [f"{relation}__{name}" for relation in relations for name in PERSON_FIELDS]


# --- The members app's own sources ------------------------------------------


@timeline_source_register
def stage_change_entries(
    group: Group, *, limit: int, before: datetime | None = None
) -> list[TimelineEntry]:
    changes = (
        StageChange.objects.filter(group=group)
        .select_related("changed_by")
        .only("from_stage", "to_stage", "reason", "at", *_only_people("changed_by"))
    )
    if before is not None:
        changes = changes.filter(at__lt=before)
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
def invitation_entries(
    group: Group, *, limit: int, before: datetime | None = None
) -> list[TimelineEntry]:
    invitations = (
        Invitation.objects.filter(group=group)
        .select_related("created_by", "used_by")
        .only(
            "kind", "email", "created_at", "expires_at", "used_at",
            *_only_people("created_by", "used_by"),
        )
    )  # fmt: skip
    # Ordered by each invitation's newest entry (its use, else its sending) so
    # that the newest ``limit`` entries are among the invitations read.
    if before is None:
        newest = Coalesce("used_at", "created_at")
    else:
        invitations = invitations.filter(Q(created_at__lt=before) | Q(used_at__lt=before))
        newest = Case(When(used_at__lt=before, then="used_at"), default="created_at")
    entries = []
    for invitation in invitations.alias(newest=newest).order_by("-newest", "-id")[:limit]:
        if invitation.kind == InvitationKind.GROUP:
            sent = _("Invitation to join the network sent to %(email)s")
        else:
            sent = _("Invitation to join the group sent to %(email)s")
        if before is None or invitation.created_at < before:
            entries.append(
                (
                    invitation.pk,
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
                    ),
                )
            )
        if invitation.used_at is not None and (before is None or invitation.used_at < before):
            entries.append(
                (
                    invitation.pk,
                    TimelineEntry(
                        at=invitation.used_at,
                        kind="invitation",
                        label=_("Invitation"),
                        summary=_("Invitation sent to %(email)s was used")
                        % {"email": invitation.email},
                        by=_person(invitation.used_by),
                    ),
                )
            )
    # Newest first, and in one order at a shared moment whichever page they are read for.
    entries.sort(key=lambda pair: (pair[1].at, pair[0]), reverse=True)
    return [entry for _pk, entry in entries]


@timeline_source_register
def delivery_entries(
    group: Group, *, limit: int, before: datetime | None = None
) -> list[TimelineEntry]:
    deliveries = (
        Delivery.objects.filter(group=group)
        .select_related("message")
        .only(
            "email", "status", "sent_at",
            "message__subject", "message__sent_at", "message__created_at",
        )
    )  # fmt: skip
    # Read by the moment each entry shows (``at`` below), so the newest are exact
    # and no page repeats or skips one.
    deliveries = deliveries.alias(
        shown_at=Coalesce("sent_at", "message__sent_at", "message__created_at")
    )
    if before is not None:
        deliveries = deliveries.filter(shown_at__lt=before)
    entries = []
    for delivery in deliveries.order_by("-shown_at", "-id")[:limit]:
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
def signature_entries(
    group: Group, *, limit: int, before: datetime | None = None
) -> list[TimelineEntry]:
    signatures = (
        Signature.objects.filter(group=group)
        .select_related("version", "signed_by")
        .only("signed_at", "confirmed_at", "version__number", *_only_people("signed_by"))
    )
    if before is not None:
        signatures = signatures.filter(signed_at__lt=before)
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
def meeting_entries(
    group: Group, *, limit: int, before: datetime | None = None
) -> list[TimelineEntry]:
    # Notes stay out of the timeline: they belong on the meeting itself.
    meetings = RelationalMeeting.objects.filter(Q(group_a=group) | Q(group_b=group))
    if before is not None:
        meetings = meetings.filter(met_on__lte=last_day_before(before))
    sides = ("a", "b")
    rows = meetings.order_by("-met_on", "-id").values(
        "met_on",
        *(f"{field}_{side}__{name}" for side in sides for field, name in (
            ("person", "name"), ("person", "email"), ("group", "name"),
        )),
    )[:limit]  # fmt: skip
    label, met, speaking_for = (
        _("Meeting"),
        _("%(first)s met %(second)s"),
        _("%(person)s (%(group)s)"),
    )
    entries = []
    for row in rows:
        names = []
        for side in sides:
            person = row[f"person_{side}__name"] or row[f"person_{side}__email"]
            side_group = row[f"group_{side}__name"]
            names.append(
                speaking_for % {"person": person, "group": side_group}
                if side_group is not None
                else person
            )
        entries.append(
            TimelineEntry(
                at=day_start(row["met_on"]),
                kind="meeting",
                label=label,
                summary=met % {"first": names[0], "second": names[1]},
                date_only=True,
            )
        )
    return entries

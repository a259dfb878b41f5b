"""Reads for amplification and support requests, filtered to the viewer.

Every function here uses a fixed number of queries whatever the number of
actions, amplifications, requests or pledges.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from actions.models import (
    Action,
    ActionStatus,
    Amplification,
    AmplificationKind,
    SupportPledge,
    SupportRequest,
    Visibility,
)
from actions.selectors import actions_visible_q, actions_visible_to
from coalition.models import Place
from coalition.permissions import can_act_for_group, can_edit_action, is_in_network, memberships_of
from coalition.selectors import in_place
from members.models import Group
from members.timeline import TimelineEntry

ACTING_ROLES = ("admin", "contact")
COHOSTS_SHOWN = 50
GROUP_PANEL_LATEST = 5


def action_url(action_id: int) -> str:
    """The action page's address."""
    return reverse("actions:detail", kwargs={"pk": action_id})


def action_urls() -> Callable[[int], str]:
    """``action_url`` for many rows at once: one ``reverse`` whose id is then replaced."""
    head, _middle, tail = reverse("actions:detail", kwargs={"pk": 0}).rpartition("/0/")
    return lambda action_id: f"{head}/{action_id}/{tail}"


def network_shown_q(prefix: str = "") -> Q:
    """What anyone in the network sees without belonging to the host: public and
    network actions that are not hidden (``actions_visible_q`` for such a person).

    For reads with no single viewer, such as the weaver's timeline.
    """
    return Q(
        **{
            f"{prefix}visibility__in": [Visibility.PUBLIC, Visibility.NETWORK],
            f"{prefix}hidden_at__isnull": True,
        }
    )


def group_named(group: Group, *, viewer_in_network: bool) -> bool:
    """Whether the viewer may know the group's name: listed signatories for everyone,
    any group for people in the network."""
    return viewer_in_network or bool(group.listing_consent and group.signed_version_id)


def group_label(group: Group, *, viewer_in_network: bool) -> str:
    """A group's name where the viewer may know it (``group_named``), else "another group"."""
    if group_named(group, viewer_in_network=viewer_in_network):
        return group.name
    return _("another group")


def _kind_counts(rows: dict, prefix: str = "") -> list[tuple[str, str, int]]:
    return [
        (kind, label, rows.get(f"{prefix}{kind}") or 0) for kind, label in AmplificationKind.choices
    ]


# --- The action page ----------------------------------------------------------

_ACTING_CACHE = "_actions_acting_groups"


def acting_groups(request, action: Action) -> list[Group]:
    """Groups (other than the host) the person may act for, read once per request."""
    cached = getattr(request, _ACTING_CACHE, None)
    if cached is not None and cached[0] == action.pk:
        return cached[1]
    ids = [
        pk
        for pk, role in memberships_of(request.user).items()
        if role in ACTING_ROLES and pk != action.host_group_id
    ]
    groups = list(Group.objects.filter(pk__in=ids).order_by("name", "id")) if ids else []
    setattr(request, _ACTING_CACHE, (action.pk, groups))
    return groups


@dataclass
class KindButton:
    kind: str
    label: str
    active: bool
    people: int | None = None


@dataclass
class GroupAmplifyState:
    group: Group
    buttons: list[KindButton]


@dataclass
class CohostLine:
    amplification: Amplification
    name: str


@dataclass
class AmplifyPanel:
    action: Action
    counts: list[tuple[str, str, int]]
    people_pledged: int
    cohosts: list[CohostLine]
    groups: list[GroupAmplifyState]
    open_to_amplify: bool
    manages_rsvp_access: bool
    share_text: str
    share_url: str
    share_is_public: bool


def amplification_counts(action: Action) -> tuple[list[tuple[str, str, int]], int]:
    """How many groups amplified ``action`` in each way, and how many people were pledged."""
    aggregates = {kind: Count("id", filter=Q(kind=kind)) for kind in AmplificationKind.values} | {
        "people": Sum("people", filter=Q(kind=AmplificationKind.PLEDGE))
    }
    rows = Amplification.objects.filter(action=action).aggregate(**aggregates)
    return _kind_counts(rows), rows["people"] or 0


def share_text(action: Action) -> tuple[str, str]:
    """Ready-to-paste text about the action (title, date, place, link) and the link."""
    url = _absolute(action_url(action.pk))
    start = timezone.localtime(action.starts_at)
    when = formats.date_format(start, "DATETIME_FORMAT")
    lines = [action.title, f"{when} · {action.place.name}", url]
    return "\n".join(lines), url


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def amplify_panel(request, action: Action) -> AmplifyPanel:
    """What the action page shows about amplification, for ``request.user``."""
    user = request.user
    viewer_in_network = is_in_network(user)
    counts, people = amplification_counts(action)
    cohost_rows = list(
        Amplification.objects.filter(action=action, kind=AmplificationKind.COHOST)
        .select_related("group")
        .order_by("created_at", "id")[:COHOSTS_SHOWN]
    )
    cohosts = [
        CohostLine(
            amplification=row,
            name=group_label(row.group, viewer_in_network=viewer_in_network),
        )
        for row in cohost_rows
    ]
    groups = acting_groups(request, action)
    states = []
    if groups:
        mine: dict[tuple[int, str], Amplification] = {
            (row.group_id, row.kind): row
            for row in Amplification.objects.filter(action=action, group__in=groups)
        }
        for group in groups:
            buttons = []
            for kind, label in AmplificationKind.choices:
                done = mine.get((group.pk, kind))
                buttons.append(
                    KindButton(
                        kind=kind,
                        label=label,
                        active=done is not None,
                        people=done.people if done is not None else None,
                    )
                )
            states.append(GroupAmplifyState(group=group, buttons=buttons))
    text, url = share_text(action)
    return AmplifyPanel(
        action=action,
        counts=counts,
        people_pledged=people,
        cohosts=cohosts,
        groups=states,
        open_to_amplify=not action.is_hidden and action.status != ActionStatus.CANCELLED,
        manages_rsvp_access=can_act_for_group(user, action.host_group),
        share_text=text,
        share_url=url,
        share_is_public=action.visibility == Visibility.PUBLIC,
    )


@dataclass
class PledgeLine:
    pledge: SupportPledge
    name: str
    note: str = ""  # the note for the host: only for the host and the pledging group


@dataclass
class RequestLine:
    request: SupportRequest
    pledges: list[PledgeLine]
    shown_value: int  # the progress bar's value: never past its maximum
    # Per group the person acts for: (group, its current pledge or None).
    mine: list[tuple[Group, SupportPledge | None]] = field(default_factory=list)


@dataclass
class SupportPanel:
    action: Action
    requests: list[RequestLine]
    is_host: bool
    groups: list[Group]
    open_to_support: bool
    # The host may ask for more: not once the action is over (pledges still count).
    open_to_requests: bool = False
    form: object = None  # the host's form to ask for more support


def support_panel(request, action: Action) -> SupportPanel:
    """The action's support requests with their progress and pledges, for ``request.user``."""
    viewer_in_network = is_in_network(request.user)
    rows = list(
        SupportRequest.objects.filter(action=action)
        .prefetch_related(
            Prefetch(
                "pledges",
                queryset=SupportPledge.objects.select_related("group").order_by("created_at", "id"),
            )
        )
        .order_by("-is_open", "created_at", "id")
    )
    groups = acting_groups(request, action) if rows else []
    is_host = can_edit_action(request.user, action)
    lines = []
    for row in rows:
        pledges = list(row.pledges.all())
        by_group = {pledge.group_id: pledge for pledge in pledges}
        lines.append(
            RequestLine(
                request=row,
                pledges=[
                    PledgeLine(
                        pledge=pledge,
                        name=group_label(pledge.group, viewer_in_network=viewer_in_network),
                        note=pledge.note
                        if is_host or can_act_for_group(request.user, pledge.group)
                        else "",
                    )
                    for pledge in pledges
                ],
                shown_value=min(row.pledged, row.amount),
                mine=[(group, by_group.get(group.pk)) for group in groups],
            )
        )
    open_to_support = not action.is_hidden and action.status != ActionStatus.CANCELLED
    return SupportPanel(
        action=action,
        requests=lines,
        is_host=is_host,
        groups=groups,
        open_to_support=open_to_support,
        open_to_requests=open_to_support and action.ends_at >= timezone.now(),
    )


def support_request_for(user, request_id: int) -> SupportRequest | None:
    """A support request on an action the person may see (None otherwise)."""
    return (
        SupportRequest.objects.filter(pk=request_id, action__in=actions_visible_to(user))
        .select_related("action", "action__host_group", "action__place")
        .first()
    )


# --- Open requests across the network ----------------------------------------


def support_open_for(
    user, *, place: Place | None = None, kind: str | None = None, now: datetime | None = None
) -> QuerySet[SupportRequest]:
    """Open requests on actions the person may see that have not ended yet, soonest first.

    A page of them costs four queries: the requests, then their actions, places and hosts.
    """
    now = now or timezone.now()
    requests = SupportRequest.objects.filter(
        actions_visible_q(user, "action__"),
        is_open=True,
        action__ends_at__gte=now,
    ).exclude(action__status=ActionStatus.CANCELLED)
    if place is not None:
        requests = requests.filter(in_place(place, "action__place"))
    if kind:
        requests = requests.filter(kind=kind)
    # The page's rows are chosen from the actions' (end) covering index alone;
    # their actions, places and hosts are then read for those rows only
    # (joining them first read 30,000 upcoming actions from the table).
    return requests.prefetch_related("action__place", "action__host_group").order_by(
        "action__starts_at", "id"
    )


# --- A group's page ----------------------------------------------------------


@dataclass
class AmplifiedLine:
    amplification: Amplification
    name: str  # the other group's name, as the viewer may know it


@dataclass
class GroupAmplificationPanel:
    group: Group
    given: list[tuple[str, str, int]]
    received: list[tuple[str, str, int]]
    latest_given: list[Amplification]
    latest_received: list[AmplifiedLine]
    cohosting: list[Action]

    @property
    def rows(self) -> list[tuple[str, str, int, int]]:
        """(kind, label, given, received) per kind, for one table."""
        return [
            (kind, label, given, received)
            for (kind, label, given), (_kind, _label, received) in zip(
                self.given, self.received, strict=True
            )
        ]

    @property
    def is_empty(self) -> bool:
        return not any(n for _k, _l, n in self.given) and not any(n for _k, _l, n in self.received)


def group_amplification_panel(
    viewer, group: Group, *, latest: int = GROUP_PANEL_LATEST
) -> GroupAmplificationPanel:
    """Amplification a group gave and received, on actions the viewer may see.

    Five queries: the counts given, the counts received, the latest given,
    the latest received and the actions it co-hosts. Given and received are
    counted apart, each from its own index (the group's amplifications; the
    actions it hosts): one aggregate over both under an OR walked every
    amplification of the network (3 s with 2,000,000 of them).
    """
    viewer_in_network = is_in_network(viewer)
    # The rule on the joined action, not ``action__in`` a subquery of the
    # visible actions: that read each action twice (3 ms a query at scale).
    shown = Amplification.objects.filter(actions_visible_q(viewer, "action__"))
    per_kind = {kind: Count("id", filter=Q(kind=kind)) for kind in AmplificationKind.values}
    given = shown.filter(group=group).aggregate(**per_kind)
    received = shown.filter(action__host_group=group).aggregate(**per_kind)
    counts = {f"given_{kind}": n for kind, n in given.items()}
    counts |= {f"received_{kind}": n for kind, n in received.items()}
    newest = ("-created_at", "-id")
    # The latest rows are chosen first, then joined to what they show: joined
    # before the limit, every amplification of the group read its action's
    # host and place (twice the time at scale-group-4's 280).
    latest_given = list(
        Amplification.objects.filter(
            pk__in=shown.filter(group=group).order_by(*newest).values("pk")[:latest]
        )
        .select_related("action", "action__host_group", "action__place")
        .order_by(*newest)
    )
    latest_received = [
        AmplifiedLine(
            amplification=row, name=group_label(row.group, viewer_in_network=viewer_in_network)
        )
        for row in Amplification.objects.filter(
            pk__in=shown.filter(action__host_group=group).order_by(*newest).values("pk")[:latest]
        )
        .select_related("action", "group")
        .order_by(*newest)
    ]
    cohosting = list(
        Action.objects.filter(
            actions_visible_q(viewer),
            amplifications__group=group,
            amplifications__kind=AmplificationKind.COHOST,
        )
        .select_related("host_group", "place")
        .order_by("-starts_at", "-id")[:latest]
    )
    for action in cohosting:
        action.host_label = group_label(action.host_group, viewer_in_network=viewer_in_network)
    return GroupAmplificationPanel(
        group=group,
        given=_kind_counts(counts, "given_"),
        received=_kind_counts(counts, "received_"),
        latest_given=latest_given,
        latest_received=latest_received,
        cohosting=cohosting,
    )


# --- The weaver's group timeline ---------------------------------------------
# Weavers read it; they are in the network but not in the group, so group-only
# and hidden actions stay out (network_shown_q).


def amplification_entries(
    group: Group, *, limit: int, before: datetime | None = None
) -> list[TimelineEntry]:
    """Amplification the group gave and received, newest first (two queries).

    Given and received are read apart, each from its own index (the group's
    amplifications newest first; the actions it hosts), then merged: one query
    with both under an OR walked every amplification of the network newest
    first (3 s with 2,000,000 of them).
    """
    shown = Amplification.objects.filter(network_shown_q("action__"))
    if before is not None:
        shown = shown.filter(created_at__lt=before)
    # Plain rows, not models: a page holds a hundred of them and the entries
    # need a few columns each.
    fields = (
        "pk", "action_id", "group_id", "kind", "people", "created_at",
        "action__title", "action__host_group__name", "group__name", "by__name", "by__email",
    )  # fmt: skip
    newest = ("-created_at", "-id")
    given = list(shown.filter(group=group).order_by(*newest).values(*fields)[:limit])
    received = list(
        shown.filter(action__host_group=group)
        .exclude(group=group)
        .order_by(*newest)
        .values(*fields)[:limit]
    )
    rows = sorted(given + received, key=lambda row: (row["created_at"], row["pk"]), reverse=True)[
        :limit
    ]
    # Translated once, not once a row.
    given_label, given_summary = _("Amplification"), _("%(kind)s “%(title)s” by %(host)s")
    received_label, received_summary = _("Amplified"), _("%(group)s: %(kind)s “%(title)s”")
    people_text = _("%(count)s people")
    kinds = {kind: str(kind.label) for kind in AmplificationKind}
    url_of = action_urls()
    entries = []
    for row in rows:
        people = people_text % {"count": row["people"]} if row["people"] else ""
        kind = kinds[row["kind"]]
        if row["group_id"] == group.pk:
            entry = TimelineEntry(
                at=row["created_at"],
                kind="amplification",
                label=given_label,
                summary=given_summary
                % {
                    "kind": kind.capitalize(),
                    "title": row["action__title"],
                    "host": row["action__host_group__name"],
                },
                detail=people,
                by=row["by__name"] or row["by__email"] or "",
                url=url_of(row["action_id"]),
            )
        else:
            entry = TimelineEntry(
                at=row["created_at"],
                kind="amplification",
                label=received_label,
                summary=received_summary
                % {"group": row["group__name"], "kind": kind, "title": row["action__title"]},
                detail=people,
                url=url_of(row["action_id"]),
            )
        entries.append(entry)
    return entries


def hosted_action_entries(
    group: Group, *, limit: int, before: datetime | None = None
) -> list[TimelineEntry]:
    rows = Action.objects.filter(network_shown_q(), host_group=group)
    if before is not None:
        rows = rows.filter(created_at__lt=before)
    rows = rows.order_by("-created_at", "-id").values(
        "pk", "title", "starts_at", "created_at", "place__name",
        "created_by__name", "created_by__email",
    )[:limit]  # fmt: skip
    label, summary, detail = _("Action"), _("Posted “%(title)s”, %(place)s"), _("Starts %(date)s")
    url_of = action_urls()
    return [
        TimelineEntry(
            at=row["created_at"],
            kind="action",
            label=label,
            summary=summary % {"title": row["title"], "place": row["place__name"]},
            detail=detail % {"date": timezone.localtime(row["starts_at"]).date().isoformat()},
            by=row["created_by__name"] or row["created_by__email"] or "",
            url=url_of(row["pk"]),
        )
        for row in rows
    ]


# --- Ties between groups ----------------------------------------------------------


def cohost_ties() -> Q:
    """Q over Group: it co-hosts another group's action, or another group co-hosts its own."""
    across = Amplification.objects.filter(kind=AmplificationKind.COHOST).exclude(
        group=F("action__host_group")
    )
    return Q(Exists(across.filter(group=OuterRef("pk")))) | Q(
        Exists(across.filter(action__host_group=OuterRef("pk")))
    )

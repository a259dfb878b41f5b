"""Reads for moderation: the moderators' queue, hidden actions, an action's history, the
public log and the placeholder of a hidden action."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Min, Prefetch, Q, QuerySet

from actions.models import Action, Flag, ModerationDecision, ModerationOutcome, Visibility
from actions.selectors import actions_visible_to
from actions.selectors_amplification import group_label
from coalition.permissions import is_in_network

DECISIONS_SHOWN = 50
# The queue shows this many open flags and decisions per action; the action's own
# moderation page shows the rest. Bounds keep a much-flagged action from
# swelling the page.
QUEUE_FLAGS_SHOWN = 10
QUEUE_DECISIONS_SHOWN = 5
LOG_PAGE = 50


def flags_open() -> QuerySet[Flag]:
    """Flags no decision has answered yet, newest first (for moderators only)."""
    return (
        Flag.objects.filter(resolved_at__isnull=True)
        .select_related("action", "action__host_group", "by")
        .order_by("-created_at", "-pk")
    )


def flags_open_on(action: Action) -> list[Flag]:
    return list(flags_open().filter(action=action)[:DECISIONS_SHOWN])


def actions_to_moderate() -> QuerySet[Action]:
    """Actions with an open flag or an automatic hiding still to review, longest waiting first.

    Each carries ``open_flags`` (the latest QUEUE_FLAGS_SHOWN), ``recent_decisions``
    (the latest QUEUE_DECISIONS_SHOWN), ``open_count`` and ``earlier_count``
    (flags already answered): five queries for a page (with its count),
    whatever the number of flags.
    """
    waiting = Q(flags__resolved_at__isnull=True)
    to_review = ModerationDecision.objects.filter(automatic=True, reviewed_at__isnull=True)
    return (
        Action.objects.filter(
            Q(pk__in=Flag.objects.filter(resolved_at__isnull=True).values("action_id"))
            | Q(pk__in=to_review.values("action_id"))
        )
        .annotate(
            waiting_since=Min("flags__created_at", filter=waiting),
            open_count=Count("flags", filter=waiting),
            earlier_count=Count("flags", filter=Q(flags__resolved_at__isnull=False)),
        )
        .select_related("host_group")
        .prefetch_related(
            Prefetch(
                "flags",
                queryset=Flag.objects.filter(resolved_at__isnull=True)
                .select_related("by")
                .order_by("-created_at", "-pk")[:QUEUE_FLAGS_SHOWN],
                to_attr="open_flags",
            ),
            Prefetch(
                "decisions",
                queryset=ModerationDecision.objects.select_related("by").order_by("-at", "-pk")[
                    :QUEUE_DECISIONS_SHOWN
                ],
                to_attr="recent_decisions",
            ),
        )
        .order_by("waiting_since", "pk")
    )


def to_review(action: Action) -> bool:
    """Hidden automatically and not looked at since (reads the prefetched decisions)."""
    decisions = getattr(action, "recent_decisions", None)
    if decisions is None:
        decisions = list(action.decisions.order_by("-at", "-pk")[:1])
    return bool(decisions) and decisions[0].automatic and decisions[0].reviewed_at is None


def actions_hidden(user) -> QuerySet[Action]:
    """Hidden actions ``user`` may see (all of them for moderators), most recently hidden first."""
    return (
        actions_visible_to(user)
        .filter(hidden_at__isnull=False)
        .select_related("host_group", "hidden_by")
        .order_by("-hidden_at", "-pk")
    )


def action_decisions(action: Action) -> list[ModerationDecision]:
    """The latest decisions on ``action``, newest first (for moderators only: they name who)."""
    return list(
        ModerationDecision.objects.filter(action=action)
        .select_related("by")
        .order_by("-at", "-pk")[:DECISIONS_SHOWN]
    )


def has_open_flag(action: Action, user) -> bool:
    return Flag.objects.filter(action=action, by=user, resolved_at__isnull=True).exists()


def has_open_review(action: Action) -> bool:
    return Flag.objects.filter(action=action, is_review=True, resolved_at__isnull=True).exists()


# --- What the public sees ------------------------------------------------------------


@dataclass(frozen=True)
class LogEntry:
    at: object
    outcome: str
    rule: str
    role: str
    automatic: bool
    # The action's title and address only when it is public and shown today;
    # otherwise ``what`` names the host group as the public list would.
    title: str
    action_id: int | None
    group: str


def moderation_log(*, before: int | None = None) -> tuple[list[LogEntry], int | None]:
    """Hidings and restorings, newest first, LOG_PAGE at a time (keyset on the id).

    No personal data: never who flagged or decided (a role only), no free-text
    reason (the rule says enough here; the reason stands on the action's own
    placeholder page), and a hidden or non-public
    action's title is left out, since a title may itself be what was hidden.
    One query. Returns the entries and the ``before`` of the next page.
    """
    rows = (
        ModerationDecision.objects.filter(
            outcome__in=[ModerationOutcome.HIDDEN, ModerationOutcome.RESTORED]
        )
        .select_related("action__host_group")
        .only(
            "pk", "at", "outcome", "rule", "role", "automatic",
            "action__title", "action__visibility", "action__hidden_at",
            "action__host_group__name", "action__host_group__slug",
            "action__host_group__listing_consent", "action__host_group__signed_version_id",
        )
        .order_by("-pk")
    )  # fmt: skip
    if before is not None:
        rows = rows.filter(pk__lt=before)
    rows = list(rows[: LOG_PAGE + 1])
    entries = []
    for row in rows[:LOG_PAGE]:
        action = row.action
        shown = action.visibility == Visibility.PUBLIC and action.hidden_at is None
        entries.append(
            LogEntry(
                at=row.at,
                outcome=row.outcome,
                rule=row.get_rule_display() if row.rule else "",
                role=row.role,
                automatic=row.automatic,
                title=action.title if shown else "",
                action_id=action.pk if shown else None,
                group=group_label(action.host_group, viewer_in_network=False),
            )
        )
    more = len(rows) > LOG_PAGE
    return entries, (rows[LOG_PAGE - 1].pk if more else None)


@dataclass(frozen=True)
class HiddenPlaceholder:
    group: str
    hidden_at: object
    reason: str
    rule: str


def hidden_placeholder(user, pk: int) -> HiddenPlaceholder | None:
    """What stands in for a hidden action for someone who could see it were it shown.

    None for an action that does not exist or that the person could not see
    anyway (a group-only action stays a 404: its existence is not revealed).
    Two queries.
    """
    action = (
        Action.objects.filter(pk=pk, hidden_at__isnull=False)
        .select_related("host_group")
        .only(
            "pk", "visibility", "hidden_at", "hidden_reason",
            "host_group__name", "host_group__slug", "host_group__listing_consent",
            "host_group__signed_version_id",
        )
        .first()
    )  # fmt: skip
    if action is None:
        return None
    in_network = is_in_network(user)
    if action.visibility == Visibility.NETWORK and not in_network:
        return None
    if action.visibility not in (Visibility.PUBLIC, Visibility.NETWORK):
        return None
    decision = (
        ModerationDecision.objects.filter(action=action, outcome=ModerationOutcome.HIDDEN)
        .order_by("-at", "-pk")
        .only("reason", "rule")
        .first()
    )
    return HiddenPlaceholder(
        group=group_label(action.host_group, viewer_in_network=in_network),
        hidden_at=action.hidden_at,
        reason=decision.reason if decision else action.hidden_reason,
        rule=decision.get_rule_display() if decision and decision.rule else "",
    )

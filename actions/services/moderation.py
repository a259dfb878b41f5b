"""Moderation: anyone flags an action, moderators dismiss the flags, hide or restore it,
and everyone concerned is told.

Who hears what:

- a flag (or the hosts' request for a review) notifies every moderator and
  steward, as their notification settings say (at once by default);
- a decision tells whoever flagged: through the notification centre when they
  have an account, else by email when they left an address;
- hiding and restoring tell the hosts (who posted it and the host group's
  admins and contacts) what was decided, by which role (never a name), and why;
- a moderator's hiding also tells the co-host groups (their admins and
  contacts) and the people who RSVPed (accounts by notification, the others by
  email, once per address). An automatic hiding tells only the hosts: it is
  provisional until a moderator reviews it.
"""

from __future__ import annotations

from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actions import notification_kinds_moderation as kinds
from actions.models import (
    Action,
    AmplificationKind,
    Flag,
    ModerationDecision,
    ModerationOutcome,
    ModerationRule,
    Participation,
    ParticipationStatus,
)
from actions.services.participation import action_url, rate_limit_hit
from coalition import audit
from coalition.errors import RuleBroken
from coalition.mail import coalition_name, email_queue, language_for
from coalition.models import AuditVerb, Role
from coalition.permissions import can_ask_for_review, can_moderate, has_role
from members.models import MembershipRole, User
from notifications.services import notify

REASON_MAX = 500
# Flags reach people, so an account (or, without one, a connection) that flags
# everything in sight is slowed down long before it buries the moderators.
FLAGS_PER_HOUR = 10
# Who decided, as the hosts and the public log read it: a role, never a name.
ROLE_LABELS = {
    Role.STEWARD: gettext_lazy("a network steward"),
    Role.MODERATOR: gettext_lazy("a moderator"),
    "": gettext_lazy("the app, automatically"),
}


def _reason(reason: str, *, what: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise RuleBroken(what, field="reason")
    if len(reason) > REASON_MAX:
        raise RuleBroken(
            _("Keep the reason under %(max)s characters.") % {"max": REASON_MAX}, field="reason"
        )
    return reason


def role_label(role: str):
    return ROLE_LABELS.get(role, ROLE_LABELS[Role.MODERATOR])


def moderators() -> list[User]:
    """Everyone who may moderate (coalition.permissions.can_moderate), each once."""
    return list(
        User.objects.filter(
            is_active=True, network_roles__role__in=[Role.MODERATOR, Role.STEWARD]
        ).distinct()
    )


def _sender() -> str:
    return formataddr(
        (" ".join(coalition_name().split()), parseaddr(settings.DEFAULT_FROM_EMAIL)[1])
    )


# --- Flags ---------------------------------------------------------------------------


@transaction.atomic
def flag_create(
    *, action: Action, by, reason: str, email: str = "", language: str = "", ip: str = ""
) -> Flag:
    """Ask the moderators to look at an action; one open flag per person (or address).

    A visitor without an account may leave ``email`` to be told the outcome;
    people with an account are told through their notifications instead, so
    their address is never copied here.
    """
    logged_in = getattr(by, "is_authenticated", False)
    reason = _reason(reason, what=_("Say what is wrong, so the moderators know what to look at."))
    email = "" if logged_in else (email or "").strip().lower()
    rate_limit_hit(
        key=f"actions:flags:{by.pk}" if logged_in else f"actions:flags:ip:{ip}",
        limit=FLAGS_PER_HOUR,
        seconds=3600,
        message=_("You have flagged %(limit)s actions in the last hour. Please wait a little.")
        % {"limit": FLAGS_PER_HOUR},
    )
    # The action's row is the lock that keeps a double click to one flag.
    locked = Action.objects.select_for_update().select_related("host_group").get(pk=action.pk)
    mine = Q(by=by) if logged_in else Q(by__isnull=True, email=email) if email else None
    if (
        mine is not None
        and Flag.objects.filter(mine, action=locked, resolved_at__isnull=True).exists()
    ):
        raise RuleBroken(_("You have already flagged this action; the moderators will look at it."))
    flag = Flag.objects.create(
        action=locked,
        by=by if logged_in else None,
        reason=reason,
        email=email,
        language=(language or "")[:10],
    )
    automatic = _auto_hide(locked)
    notify(
        recipients=moderators(),
        kind=kinds.FLAGGED.name,
        about=locked,
        url=reverse("actions:moderate", args=[locked.pk]),
        context={
            "title": locked.title,
            "group": locked.host_group.name,
            "reason": reason,
            "automatic": automatic is not None,
            "flags": _distinct_flaggers(locked),
        },
        exclude=[by] if logged_in else [],
    )
    if automatic is None:
        # The hosts hear that their action was flagged, never by whom nor the words used
        # (an automatic hiding tells them through its own notice).
        notify(
            recipients=hosts_of(locked),
            kind=kinds.YOUR_ACTION_FLAGGED.name,
            about=locked,
            url=action_url(locked),
            context={"title": locked.title, "group": locked.host_group.name},
            exclude=[by] if logged_in else [],
        )
    return flag


def _distinct_flaggers(action: Action) -> int:
    """Accounts with an open flag on the action (hosts asking for a review not counted).

    Only accounts count: an address costs nothing to invent, so visitors'
    flags reach the moderators but never hide anything by themselves.
    """
    return (
        Flag.objects.filter(
            action=action, resolved_at__isnull=True, is_review=False, by__isnull=False
        )
        .values("by")
        .distinct()
        .count()
    )


def _auto_hide(action: Action) -> ModerationDecision | None:
    """Hide the (locked) action when MODERATION_AUTO_HIDE_FLAGS accounts have flagged it."""
    threshold = settings.MODERATION_AUTO_HIDE_FLAGS
    if threshold <= 0 or action.hidden_at is not None:
        return None
    count = _distinct_flaggers(action)
    if count < threshold:
        return None
    now = timezone.now()
    reason = _(
        "Hidden automatically after %(count)s people flagged it, until a moderator reviews it."
    ) % {"count": count}
    action.hidden_at, action.hidden_by, action.hidden_reason = now, None, reason
    action.save(update_fields=["hidden_at", "hidden_by", "hidden_reason", "updated_at"])
    decision = ModerationDecision.objects.create(
        action=action,
        outcome=ModerationOutcome.HIDDEN,
        hidden=True,
        reason=reason,
        automatic=True,
        at=now,
    )
    audit.record(
        None, AuditVerb.MODERATION, f"action #{action.pk}", decision="hidden", automatic=True
    )
    _tell_hosts(action=action, decision=decision)
    return decision


@transaction.atomic
def review_request(*, action: Action, by, message: str) -> Flag:
    """The hosts of a hidden action ask the moderators to look at it again."""
    if not can_ask_for_review(by, action):
        raise RuleBroken(_("Only the hosts of a hidden action ask for its review."))
    message = _reason(message, what=_("Say what you changed, or why it should be shown again."))
    rate_limit_hit(
        key=f"actions:flags:{by.pk}",
        limit=FLAGS_PER_HOUR,
        seconds=3600,
        message=_("You have asked too often in the last hour. Please wait a little."),
    )
    locked = Action.objects.select_for_update().select_related("host_group").get(pk=action.pk)
    if Flag.objects.filter(action=locked, is_review=True, resolved_at__isnull=True).exists():
        raise RuleBroken(_("A review is already asked for; a moderator will look at it."))
    flag = Flag.objects.create(action=locked, by=by, reason=message, is_review=True)
    notify(
        recipients=moderators(),
        kind=kinds.REVIEW_ASKED.name,
        about=locked,
        url=reverse("actions:moderate", args=[locked.pk]),
        context={"title": locked.title, "group": locked.host_group.name, "message": message},
        exclude=[by],
    )
    return flag


# --- Decisions -----------------------------------------------------------------------


def _pending_review(action: Action) -> bool:
    return ModerationDecision.objects.filter(
        action=action, automatic=True, reviewed_at__isnull=True
    ).exists()


def _decide(*, action: Action, by, outcome: str, reason: str, rule: str) -> ModerationDecision:
    if not can_moderate(by):
        raise RuleBroken(
            _("Only the network's moderators dismiss flags, hide and restore actions.")
        )
    reason = _reason(
        reason,
        what=_("Give the reason: the people concerned are told it, and it stays on record."),
    )
    if outcome == ModerationOutcome.HIDDEN and rule not in ModerationRule.values:
        raise RuleBroken(_("Choose the rule the action breaks."), field="rule")
    if outcome != ModerationOutcome.HIDDEN:
        rule = ""
    locked = Action.objects.select_for_update().select_related("host_group").get(pk=action.pk)
    pending = _pending_review(locked)
    open_flags = list(
        Flag.objects.filter(action=locked, resolved_at__isnull=True).select_related("by")
    )
    if outcome == ModerationOutcome.DISMISSED:
        if pending:
            raise RuleBroken(
                _("This action was hidden automatically: restore it, or confirm the hiding.")
            )
        if not open_flags:
            raise RuleBroken(_("There is no open flag to dismiss."))
    elif outcome == ModerationOutcome.HIDDEN:
        if locked.hidden_at is not None and not pending:
            raise RuleBroken(_("This action is already hidden."))
    elif locked.hidden_at is None:
        raise RuleBroken(_("This action is not hidden."))
    now = timezone.now()
    if outcome == ModerationOutcome.HIDDEN:
        locked.hidden_at, locked.hidden_by, locked.hidden_reason = now, by, reason
    elif outcome == ModerationOutcome.RESTORED:
        locked.hidden_at, locked.hidden_by, locked.hidden_reason = None, None, ""
    if outcome != ModerationOutcome.DISMISSED:
        locked.save(update_fields=["hidden_at", "hidden_by", "hidden_reason", "updated_at"])
    decision = ModerationDecision.objects.create(
        action=locked,
        outcome=outcome,
        hidden=locked.hidden_at is not None,
        reason=reason,
        rule=rule,
        by=by,
        role=Role.STEWARD if has_role(by, Role.STEWARD) else Role.MODERATOR,
        at=now,
    )
    # A person's decision is the review an automatic hiding waited for.
    ModerationDecision.objects.filter(
        action=locked, automatic=True, reviewed_at__isnull=True
    ).update(reviewed_at=now)
    # A decision answers every flag raised so far, whichever way it went.
    Flag.objects.filter(pk__in=[flag.pk for flag in open_flags]).update(
        resolved_at=now, decision=decision
    )
    audit.record(
        by,
        AuditVerb.MODERATION,
        f"action #{locked.pk}",
        decision=outcome,
        rule=rule,
        flags_resolved=len(open_flags),
    )
    _tell_flaggers(action=locked, decision=decision, flags=open_flags)
    # Confirming an automatic hiding changes nothing for the hosts but the reason,
    # which they are told again with the moderator's words.
    if outcome != ModerationOutcome.DISMISSED:
        _tell_hosts(action=locked, decision=decision)
    if outcome == ModerationOutcome.HIDDEN:
        _tell_those_taking_part(action=locked, decision=decision)
    for name in ("hidden_at", "hidden_by", "hidden_reason"):
        setattr(action, name, getattr(locked, name))
    return decision


@transaction.atomic
def flags_dismiss(*, action: Action, by, reason: str) -> ModerationDecision:
    """No rule broken: close the open flags, the action stays as it is."""
    return _decide(
        action=action, by=by, outcome=ModerationOutcome.DISMISSED, reason=reason, rule=""
    )


@transaction.atomic
def action_hide(
    *, action: Action, by, reason: str, rule: str = ModerationRule.OTHER
) -> ModerationDecision:
    """Hide an action from everyone but its host group and the moderators (or confirm an
    automatic hiding), and tell everyone concerned."""
    return _decide(action=action, by=by, outcome=ModerationOutcome.HIDDEN, reason=reason, rule=rule)


@transaction.atomic
def action_restore(*, action: Action, by, reason: str) -> ModerationDecision:
    """Show a hidden action again, and tell the hosts and whoever flagged it."""
    return _decide(action=action, by=by, outcome=ModerationOutcome.RESTORED, reason=reason, rule="")


# --- Telling people ------------------------------------------------------------------


def _decision_context(action: Action, decision: ModerationDecision) -> dict:
    return {
        "title": action.title,
        "group": action.host_group.name,
        "outcome": decision.outcome,
        "hidden": decision.hidden,
        "automatic": decision.automatic,
        "reason": decision.reason,
        "rule": ModerationRule(decision.rule).label if decision.rule else "",
        "role": role_label(decision.role),
    }


def _acting_for(group_ids) -> Q:
    return Q(
        memberships__group_id__in=list(group_ids),
        memberships__role__in=[MembershipRole.ADMIN, MembershipRole.CONTACT],
    )


def hosts_of(action: Action) -> list[User]:
    """Who posted the action and the host group's admins and contacts, each once."""
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(pk=action.created_by_id) | _acting_for([action.host_group_id]))
        .distinct()
        .order_by("pk")
    )


def _tell_hosts(*, action: Action, decision: ModerationDecision) -> None:
    notify(
        recipients=hosts_of(action),
        kind=kinds.YOUR_ACTION.name,
        about=action,
        url=action_url(action),
        context=_decision_context(action, decision),
    )


def _tell_flaggers(*, action: Action, decision: ModerationDecision, flags: list[Flag]) -> None:
    """Each person who flagged, once: by notification, or by email to the address left."""
    context = _decision_context(action, decision)
    accounts = [flag.by for flag in flags if flag.by is not None and not flag.is_review]
    notify(
        recipients=accounts,
        kind=kinds.FLAG_OUTCOME.name,
        about=action,
        url=action_url(action),
        context=context,
        exclude=[decision.by],
    )
    told: set[str] = set()
    for flag in flags:
        if flag.by is not None or not flag.email or flag.email in told:
            continue
        told.add(flag.email)
        _email(
            to=flag.email,
            language=flag.language,
            template="actions/moderation/email_outcome",
            kind="flag_outcome",
            context={**context, "data_link": settings.SITE_URL + reverse("privacy:data_request")},
        )


def _tell_those_taking_part(*, action: Action, decision: ModerationDecision) -> None:
    """Co-host groups' admins and contacts, and everyone who RSVPed (accounts by notification,
    other addresses by email, once each); the hosts have their own notice."""
    context = _decision_context(action, decision)
    hosts = hosts_of(action)
    cohost_groups = action.amplifications.filter(kind=AmplificationKind.COHOST).values_list(
        "group_id", flat=True
    )
    cohosts = list(
        User.objects.filter(is_active=True).filter(_acting_for(cohost_groups)).distinct()
    )
    notify(
        recipients=cohosts,
        kind=kinds.PART_OF_HIDDEN.name,
        about=action,
        url=action_url(action),
        context={**context, "cohost": True},
        exclude=[*hosts, decision.by],
    )
    rsvps = list(
        Participation.objects.filter(action=action, status=ParticipationStatus.CONFIRMED)
        .select_related("person")
        .order_by("pk")
    )
    notify(
        recipients=[rsvp.person for rsvp in rsvps if rsvp.person_id is not None],
        kind=kinds.PART_OF_HIDDEN.name,
        about=action,
        url=action_url(action),
        context={**context, "cohost": False},
        exclude=[*hosts, *cohosts, decision.by],
    )
    emailed: set[str] = set()
    for rsvp in rsvps:
        address = rsvp.email.strip().lower()
        if rsvp.person_id is not None or address in emailed:
            continue
        emailed.add(address)
        _email(
            to=rsvp.email,
            language="",
            template="actions/moderation/email_rsvp_hidden",
            kind="action_hidden",
            context=context,
        )


def _email(*, to: str, language: str, template: str, kind: str, context: dict) -> None:
    """One email to an address without an account, unless it stopped this kind with one click."""
    from notifications.broadcasts import (
        address_unsubscribe_link,
        email_opted_out,
        unsubscribe_headers,
    )

    if email_opted_out(email=to, kind=kind):
        return
    link = address_unsubscribe_link(email=to, kind=kind)
    language = language if language in dict(settings.LANGUAGES) else language_for(None)
    with translation.override(language):
        full = {**context, "coalition_name": coalition_name(), "unsubscribe": link}
        subject = render_to_string(f"{template}_subject.txt", full)
        body = render_to_string(f"{template}.txt", full)
    email_queue(
        EmailMessage(
            subject=" ".join(subject.split()),
            body=body,
            from_email=_sender(),
            to=[to],
            headers=unsubscribe_headers(link),
        )
    )

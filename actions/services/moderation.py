"""Moderation: anyone flags an action, stewards hide or restore it, and the hosts are told why."""

from __future__ import annotations

from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from actions.models import Action, Flag, ModerationDecision
from actions.services.participation import action_url, rate_limit_hit
from coalition import audit
from coalition.errors import RuleBroken
from coalition.mail import email_queue, language_for
from coalition.models import AuditVerb, Coalition
from coalition.permissions import can_moderate
from members.models import MembershipRole, User

REASON_MAX = 500
# Flags reach people, so an account that flags everything in sight is slowed
# down long before it buries the stewards.
FLAGS_PER_HOUR = 10


def _reason(reason: str, *, what: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise RuleBroken(what, field="reason")
    if len(reason) > REASON_MAX:
        raise RuleBroken(
            _("Keep the reason under %(max)s characters.") % {"max": REASON_MAX}, field="reason"
        )
    return reason


@transaction.atomic
def flag_create(*, action: Action, by, reason: str) -> Flag:
    """Ask the stewards to look at an action; one open flag per person and action."""
    if not getattr(by, "is_authenticated", False):
        raise RuleBroken(_("Log in to flag an action."))
    reason = _reason(reason, what=_("Say what is wrong, so the stewards know what to look at."))
    rate_limit_hit(
        key=f"actions:flags:{by.pk}",
        limit=FLAGS_PER_HOUR,
        seconds=3600,
        message=_("You have flagged %(limit)s actions in the last hour. Please wait a little.")
        % {"limit": FLAGS_PER_HOUR},
    )
    # The action's row is the lock that keeps a double click to one flag.
    Action.objects.select_for_update().filter(pk=action.pk).first()
    if Flag.objects.filter(action=action, by=by, resolved_at__isnull=True).exists():
        raise RuleBroken(_("You have already flagged this action; the stewards will look at it."))
    return Flag.objects.create(action=action, by=by, reason=reason)


def _decide(*, action: Action, by, reason: str, hide: bool) -> ModerationDecision:
    if not can_moderate(by):
        raise RuleBroken(_("Only the network's stewards hide and restore actions."))
    reason = _reason(
        reason,
        what=_("Give the reason: the hosts are told it, and it stays on record."),
    )
    locked = Action.objects.select_for_update().select_related("host_group").get(pk=action.pk)
    if hide and locked.hidden_at is not None:
        raise RuleBroken(_("This action is already hidden."))
    if not hide and locked.hidden_at is None:
        raise RuleBroken(_("This action is not hidden."))
    now = timezone.now()
    if hide:
        locked.hidden_at, locked.hidden_by, locked.hidden_reason = now, by, reason
    else:
        locked.hidden_at, locked.hidden_by, locked.hidden_reason = None, None, ""
    locked.save(update_fields=["hidden_at", "hidden_by", "hidden_reason", "updated_at"])
    decision = ModerationDecision.objects.create(
        action=locked, hidden=hide, reason=reason, by=by, at=now
    )
    # A decision answers every flag raised so far, whichever way it went.
    flags = Flag.objects.filter(action=locked, resolved_at__isnull=True).update(resolved_at=now)
    audit.record(
        by,
        AuditVerb.MODERATION,
        f"action #{locked.pk}",
        decision="hidden" if hide else "restored",
        flags_resolved=flags,
    )
    _tell_hosts(action=locked, decision=decision)
    for name in ("hidden_at", "hidden_by", "hidden_reason"):
        setattr(action, name, getattr(locked, name))
    return decision


@transaction.atomic
def action_hide(*, action: Action, by, reason: str) -> ModerationDecision:
    """Hide an action from everyone but its host group and the stewards, and tell the hosts."""
    return _decide(action=action, by=by, reason=reason, hide=True)


@transaction.atomic
def action_restore(*, action: Action, by, reason: str) -> ModerationDecision:
    """Show a hidden action again, and tell the hosts."""
    return _decide(action=action, by=by, reason=reason, hide=False)


def _hosts_to_tell(action: Action) -> list[User]:
    """Who posted the action and the host group's admins, each once."""
    return list(
        User.objects.filter(is_active=True)
        .filter(
            Q(pk=action.created_by_id)
            | Q(
                memberships__group_id=action.host_group_id,
                memberships__role=MembershipRole.ADMIN,
            )
        )
        .distinct()
        .order_by("pk")
    )


def _tell_hosts(*, action: Action, decision: ModerationDecision) -> None:
    """Email each host what was decided, by whom (their role, never their name), why,
    and how to ask for a review."""
    coalition = Coalition.objects.filter(pk=1).first()
    coalition_name = coalition.name if coalition else settings.COALITION_NAME
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    sender = formataddr((" ".join(coalition_name.split()), address))
    kind = "hidden" if decision.hidden else "restored"
    for person in _hosts_to_tell(action):
        with translation.override(language_for(person)):
            context = {
                "person": person,
                "action": action,
                "decision": decision,
                "role": _("a network steward"),
                "action_link": settings.SITE_URL + action_url(action),
                "review_address": address,
                "coalition_name": coalition_name,
            }
            subject = render_to_string(f"actions/moderation/email_{kind}_subject.txt", context)
            body = render_to_string(f"actions/moderation/email_{kind}.txt", context)
        email_queue(
            EmailMessage(
                subject=" ".join(subject.split()),
                body=body,
                from_email=sender,
                to=[person.email],
                headers={"Reply-To": address},
            )
        )

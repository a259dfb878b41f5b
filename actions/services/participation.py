"""RSVPs: anyone says they are coming to a public action, and can take it back from a link."""

from __future__ import annotations

import logging
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from actions import notification_kinds
from actions.models import (
    Action,
    ActionStatus,
    Participation,
    ParticipationStatus,
    Visibility,
)
from coalition.errors import RuleBroken
from coalition.mail import email_queue
from coalition.permissions import can_see_action, is_in_network
from coalition.selectors import privacy_policy_current

logger = logging.getLogger(__name__)

CANCEL_SALT = "rsvp-cancel"
NAME_MAX = 150
EMAIL_MAX = 254

# RSVPs need no account, so the form is open to robots: a handful a minute
# from one address is plenty for people, and it slows down anyone testing
# which addresses are already on a list.
RSVPS_PER_MINUTE = 10


class TooManyRequests(RuleBroken):
    """The same source asked too often; pages answer 429."""


def rate_limit_hit(*, key: str, limit: int, seconds: int, message: str) -> None:
    """Count one request under ``key``; past ``limit`` within ``seconds``, refuse it."""
    cache.add(key, 0, timeout=seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add() and incr()
        cache.set(key, 1, timeout=seconds)
        count = 1
    if count > limit:
        raise TooManyRequests(message)


def rsvp_rate_check(*, ip: str) -> None:
    rate_limit_hit(
        key=f"actions:rsvp:{ip}",
        limit=RSVPS_PER_MINUTE,
        seconds=60,
        message=_(
            "Too many RSVPs from your connection in the last minute. "
            "Please wait a minute and try again."
        ),
    )


def action_url(action: Action) -> str:
    """The action page's address (path only)."""
    try:
        return reverse("actions:detail", args=[action.pk])
    except NoReverseMatch:  # the action page is built in another module
        return f"/actions/{action.pk}/"


def rsvp_refusal(*, action: Action, person=None, mind_capacity: bool = True) -> str | None:
    """Why ``action`` does not take an RSVP from ``person`` (None: it does).

    Public actions take them from anyone; network and group actions only from
    people who are logged in and may see them. ``mind_capacity=False`` leaves
    "full" to the one conditional UPDATE that decides it for certain.
    """
    if action.hidden_at is not None:
        return _("This action has been hidden by the network's stewards.")
    if action.origin_system:
        return _("This event is run by %(origin)s: RSVP where it was posted.") % {
            "origin": action.origin_name or action.origin_system
        }
    if action.status == ActionStatus.CANCELLED:
        return _("This action has been cancelled.")
    if action.status != ActionStatus.PLANNED or action.ends_at <= timezone.now():
        return _("This action is over.")
    if action.visibility != Visibility.PUBLIC:
        if person is None or not person.is_authenticated:
            return _("Log in to say you are coming: this action is for the network only.")
        if not can_see_action(person, action) or not is_in_network(person):
            return _("This action is not open to you.")
    if mind_capacity and action.capacity is not None and action.rsvp_count >= action.capacity:
        return _("This action is full.")
    return None


def _cleaned(name: str, email: str) -> tuple[str, str]:
    name = " ".join((name or "").split())
    email = (email or "").strip()
    if not name:
        raise RuleBroken(_("Tell us your name."), field="name")
    if len(name) > NAME_MAX:
        raise RuleBroken(
            _("A name is at most %(max)s characters.") % {"max": NAME_MAX}, field="name"
        )
    try:
        if len(email) > EMAIL_MAX:
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError:
        raise RuleBroken(_("Give an email address we can write to."), field="email") from None
    return name, email


@transaction.atomic
def participation_create(
    *, action: Action, name: str, email: str, consent: bool, person=None
) -> Participation:
    """Put someone on an action's list, and email them a confirmation with a cancel link.

    Capacity is never exceeded, however many people RSVP at once: the place is
    taken by one conditional UPDATE of ``rsvp_count`` (the database re-checks
    the condition on the locked row, so of two concurrent requests for the
    last place only one updates a row). An address already on the list takes
    no second place: it gets the existing RSVP back, answered like a new one,
    and its owner an email saying so (``_already_on_the_list``).
    """
    if person is not None and not person.is_authenticated:
        person = None
    name, email = _cleaned(name, email)
    refusal = rsvp_refusal(action=action, person=person, mind_capacity=False)
    if refusal is not None:
        raise RuleBroken(refusal)
    policy = privacy_policy_current()
    if not consent or policy is None:
        raise RuleBroken(_("To say you are coming, agree to the privacy policy."), field="consent")
    existing = _confirmed_for(action, email)
    if existing is not None:
        # A full action answers "full" to any address, on the list or not.
        if Action.objects.filter(
            pk=action.pk, capacity__isnull=False, rsvp_count__gte=F("capacity")
        ).exists():
            raise RuleBroken(_("This action is full."))
        return _already_on_the_list(existing)
    taken = (
        Action.objects.filter(
            pk=action.pk,
            status=ActionStatus.PLANNED,
            hidden_at__isnull=True,
            ends_at__gt=timezone.now(),
        )
        .filter(Q(capacity__isnull=True) | Q(rsvp_count__lt=F("capacity")))
        .update(rsvp_count=F("rsvp_count") + 1)
    )
    if not taken:
        raise RuleBroken(_("This action is full."))
    try:
        with transaction.atomic():
            participation = Participation.objects.create(
                action=action,
                name=name,
                email=email,
                person=person,
                privacy_policy=policy,
            )
    except IntegrityError:
        # Someone with the same address got in at the same moment: give the
        # place back and answer as for any address already on the list.
        Action.objects.filter(pk=action.pk, rsvp_count__gt=0).update(rsvp_count=F("rsvp_count") - 1)
        existing = _confirmed_for(action, email)
        if existing is None:
            raise RuleBroken(_("Something went wrong. Please try again.")) from None
        return _already_on_the_list(existing)
    _send_confirmation(participation)
    action.rsvp_count = Action.objects.values_list("rsvp_count", flat=True).get(pk=action.pk)
    notification_kinds.tell_rsvp(participation=participation)
    return participation


def _confirmed_for(action: Action, email: str) -> Participation | None:
    return (
        Participation.objects.filter(
            action=action, email__iexact=email, status=ParticipationStatus.CONFIRMED
        )
        .select_related("action", "action__host_group", "action__place")
        .first()
    )


def _already_on_the_list(participation: Participation) -> Participation:
    """Answer an RSVP for an address already on the list as if it were new.

    Saying "already on the list" on the page would let anyone test whether an
    address is coming to an action; the address's owner hears it by email
    instead, with their cancel link.
    """
    action = participation.action
    email_queue(
        EmailMessage(
            subject=_("You are already on the list: %(title)s")
            % {"title": " ".join(action.title.split())},
            body=render_to_string(
                "actions/email/rsvp_already.txt",
                {
                    "participation": participation,
                    "action": action,
                    "place": action.place,
                    "action_link": settings.SITE_URL + action_url(action),
                    "cancel_link": _cancel_link(participation),
                },
            ),
            from_email=_sender(action),
            to=[participation.email],
        )
    )
    return participation


def cancel_token(participation: Participation) -> str:
    return signing.dumps(participation.pk, salt=CANCEL_SALT)


def participation_for_token(token: str) -> Participation:
    """The RSVP a cancel link stands for, or RuleBroken if the link is not one of ours."""
    try:
        pk = signing.loads(token, salt=CANCEL_SALT)
    except signing.BadSignature:
        pk = None
    participation = None
    if isinstance(pk, int):
        participation = (
            Participation.objects.select_related("action", "action__place", "action__host_group")
            .filter(pk=pk)
            .first()
        )
    if participation is None:
        raise RuleBroken(
            _("This cancel link is not valid. Check that it was copied whole from the email.")
        )
    return participation


@transaction.atomic
def participation_cancel(*, participation: Participation) -> bool:
    """Take an RSVP back and free its place; True if it was still confirmed.

    Running it twice (a second click, a link checker) changes nothing more.
    """
    cancelled = Participation.objects.filter(
        pk=participation.pk, status=ParticipationStatus.CONFIRMED
    ).update(status=ParticipationStatus.CANCELLED, cancelled_at=timezone.now())
    if cancelled:
        Action.objects.filter(pk=participation.action_id, rsvp_count__gt=0).update(
            rsvp_count=F("rsvp_count") - 1
        )
        participation.status = ParticipationStatus.CANCELLED
    return bool(cancelled)


def _cancel_link(participation: Participation) -> str:
    return settings.SITE_URL + reverse(
        "actions:rsvp_cancel", kwargs={"token": cancel_token(participation)}
    )


def _sender(action: Action) -> str:
    # The group the action belongs to speaks in its own name, from our address.
    return formataddr(
        (" ".join(action.host_group.name.split()), parseaddr(settings.DEFAULT_FROM_EMAIL)[1])
    )


def _send_confirmation(participation: Participation) -> None:
    action = participation.action
    context = {
        "participation": participation,
        "action": action,
        # A title may hold line breaks; a header must not.
        "title": " ".join(action.title.split()),
        "group": action.host_group,
        "place": action.place,
        "action_link": settings.SITE_URL + action_url(action),
        "cancel_link": _cancel_link(participation),
    }
    subject = render_to_string("actions/email/rsvp_confirmation_subject.txt", context)
    email_queue(
        EmailMessage(
            subject=" ".join(subject.split()),
            body=render_to_string("actions/email/rsvp_confirmation.txt", context),
            from_email=_sender(action),
            to=[participation.email],
        )
    )


def participations_export_log(*, action: Action, by, rows: int) -> None:
    """Exports of personal data are logged: who took which list, and how long it was."""
    logger.info("RSVP list of action %s exported by person %s (%s rows)", action.pk, by.pk, rows)

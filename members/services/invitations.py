"""Single-use, expiring invitations by email: prospect groups to join, people to a group."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coalition.errors import RuleBroken
from coalition.mail import coalition_name, email_queue, language_for
from members.models import (
    Group,
    Invitation,
    InvitationKind,
    MembershipRole,
    User,
)
from members.selectors_outreach import address_is_suppressed
from members.services.groups import group_touch_contact, membership_add

INVITATION_DAYS = 14


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_link(*, token: str, base_url: str) -> str:
    return base_url.rstrip("/") + reverse("members:invitation", kwargs={"token": token})


@transaction.atomic
def invitation_create(
    *,
    kind: str,
    group: Group,
    email: str,
    by: User,
    base_url: str,
    name: str = "",
    role: str = MembershipRole.MEMBER,
    days: int = INVITATION_DAYS,
) -> Invitation:
    """Create an invitation and email its link once the transaction commits.

    The token exists only in the email; the database keeps its hash, so a
    leaked database cannot be used to accept invitations.
    """
    email = email.strip().lower()
    if not email:
        raise RuleBroken(_("An invitation needs an email address."), field="email")
    if address_is_suppressed(email):
        raise RuleBroken(
            _("%(email)s asked not to receive email from the network.") % {"email": email},
            field="email",
        )
    if (
        kind == InvitationKind.MEMBER
        and group.memberships.filter(person__email__iexact=email).exists()
    ):
        raise RuleBroken(_("%(email)s is already in this group.") % {"email": email}, field="email")
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        kind=kind,
        group=group,
        email=email,
        name=name.strip(),
        role=role,
        token_hash=_hash(token),
        created_by=by,
        expires_at=timezone.now() + timedelta(days=days),
    )
    context = {
        "invitation": invitation,
        "group": group,
        "inviter": by,
        "link": invitation_link(token=token, base_url=base_url),
        "days": days,
        "coalition_name": coalition_name(),
    }
    template = (
        "members/email/invitation_group"
        if kind == InvitationKind.GROUP
        else ("members/email/invitation_member")
    )
    # In the invitee's language if they have an account, else the coalition's.
    with translation.override(language_for(User.objects.filter(email__iexact=email).first())):
        message = EmailMultiAlternatives(
            subject=render_to_string(f"{template}_subject.txt", context).strip(),
            body=render_to_string(f"{template}.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[email],
        )
    email_queue(message)
    if kind == InvitationKind.GROUP:
        group_touch_contact(group=group)
    return invitation


def invitation_for_token(token: str) -> Invitation:
    """The usable invitation behind ``token``, or a RuleBroken saying why it is not."""
    invitation = (
        Invitation.objects.select_related("group", "group__place")
        .filter(token_hash=_hash(token))
        .first()
    )
    if invitation is None:
        raise RuleBroken(_("This invitation link is not valid. Check that it was copied whole."))
    if invitation.used_at is not None:
        raise RuleBroken(_("This invitation has already been used."))
    if invitation.expires_at <= timezone.now():
        raise RuleBroken(
            _("This invitation has expired. Ask the person who invited you for a new one.")
        )
    return invitation


@transaction.atomic
def invitation_redeem(*, invitation: Invitation, person: User) -> Invitation:
    """Use an invitation once; a member invitation makes the person a member of the group."""
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.used_at is not None:
        raise RuleBroken(_("This invitation has already been used."))
    if locked.expires_at <= timezone.now():
        raise RuleBroken(
            _("This invitation has expired. Ask the person who invited you for a new one.")
        )
    locked.used_at = timezone.now()
    locked.used_by = person
    locked.save(update_fields=["used_at", "used_by"])
    if locked.kind == InvitationKind.MEMBER:
        membership_add(group=locked.group, person=person, role=locked.role)
    return locked

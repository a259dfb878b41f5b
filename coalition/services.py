"""Writes of the network's frame: places, statement versions, roles and invitations into them,
first-run setup."""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
import zoneinfo
from dataclasses import dataclass
from datetime import timedelta
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.mail import EmailMessage
from django.db import IntegrityError, models, transaction
from django.db.models import F, Max, Value
from django.db.models.functions import Concat, Substr
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coalition import audit, hooks, setup_hooks, signals
from coalition.accounts import account_create_verified
from coalition.errors import RuleBroken
from coalition.mail import email_queue
from coalition.models import (
    AuditVerb,
    Coalition,
    NetworkRole,
    Place,
    PlaceImport,
    PlaceKind,
    Principle,
    PrivacyPolicy,
    Role,
    RoleInvitation,
    SetupToken,
    StatementVersion,
)
from coalition.permissions import forget_roles
from coalition.search import search_normalise
from coalition.selectors import privacy_policy_starting_text, setup_needed


@transaction.atomic
def place_create(
    *,
    name: str,
    kind: int,
    parent: Place | None = None,
    latitude=None,
    longitude=None,
) -> Place:
    """Create a place inside ``parent``; a place must be smaller than the one it sits in."""
    name = name.strip()
    if not name:
        raise RuleBroken(_("A place needs a name."), field="name")
    if parent is not None and kind >= parent.kind:
        raise RuleBroken(
            _("A %(kind)s cannot sit inside a %(parent)s.")
            % {"kind": PlaceKind(kind).label, "parent": PlaceKind(parent.kind).label},
            field="parent",
        )
    if Place.objects.filter(parent=parent, name__iexact=name).exists():
        raise RuleBroken(_("There is already a place called %(name)s there.") % {"name": name})
    place = Place.objects.create(
        name=name, kind=kind, parent=parent, latitude=latitude, longitude=longitude
    )
    place.path = (parent.path if parent else "") + Place.segment(place.pk)
    place.depth = parent.depth + 1 if parent else 0
    place.save(update_fields=["path", "depth"])
    return place


@transaction.atomic
def place_move(*, place: Place, parent: Place | None) -> Place:
    """Move a place (and everything under it) inside another one, in one UPDATE."""
    if parent is not None and parent.path.startswith(place.path):
        raise RuleBroken(_("A place cannot move inside itself."), field="parent")
    if parent is not None and place.kind >= parent.kind:
        raise RuleBroken(_("A place must be smaller than the one it sits in."), field="parent")
    if Place.objects.filter(parent=parent, name__iexact=place.name).exclude(pk=place.pk).exists():
        raise RuleBroken(
            _("There is already a place called %(name)s there.") % {"name": place.name},
            field="parent",
        )
    old_path = place.path
    new_path = (parent.path if parent else "") + Place.segment(place.pk)
    depth_change = (parent.depth + 1 if parent else 0) - place.depth
    Place.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_change,
    )
    Place.objects.filter(pk=place.pk).update(parent=parent)
    place.refresh_from_db()
    return place


@transaction.atomic
def statement_draft_create(
    *, title: str, text: str, principles: list[tuple[str, str]], by=None
) -> StatementVersion:
    """A new draft version numbered after the highest so far."""
    if not title.strip() or not text.strip():
        raise RuleBroken(_("A statement needs a title and a text."))
    if not principles:
        raise RuleBroken(_("A statement needs at least one principle."), field="principles")
    number = (StatementVersion.objects.aggregate(top=Max("number"))["top"] or 0) + 1
    version = StatementVersion.objects.create(number=number, title=title.strip(), text=text)
    Principle.objects.bulk_create(
        Principle(version=version, position=index, title=p_title, text=p_text)
        for index, (p_title, p_text) in enumerate(principles)
    )
    return version


@transaction.atomic
def statement_draft_update(
    *,
    version: StatementVersion,
    title: str,
    text: str,
    principles: list[tuple[str, str]],
    by=None,
) -> StatementVersion:
    """Edit a draft's title, text and principles; a published version never changes."""
    locked = StatementVersion.objects.select_for_update().get(pk=version.pk)
    if locked.published_at is not None:
        raise RuleBroken(_("Published versions are read-only: draft a new version instead."))
    if not title.strip() or not text.strip():
        raise RuleBroken(_("A statement needs a title and a text."))
    if not principles:
        raise RuleBroken(_("A statement needs at least one principle."), field="principles")
    locked.title = title.strip()
    locked.text = text
    locked.save(update_fields=["title", "text"])
    locked.principles.all().delete()
    Principle.objects.bulk_create(
        Principle(version=locked, position=index, title=p_title, text=p_text)
        for index, (p_title, p_text) in enumerate(principles)
    )
    return locked


@transaction.atomic
def statement_publish(*, version: StatementVersion, by=None) -> StatementVersion:
    """Publish a draft: it becomes the current statement.

    Old signatures stay on record. Once the transaction commits,
    ``statement_published`` lets the members app mark older signatories as
    "to re-sign" and write to them.
    """
    locked = StatementVersion.objects.select_for_update().get(pk=version.pk)
    if locked.published_at is not None:
        raise RuleBroken(_("This version is already published."))
    newer = StatementVersion.objects.filter(
        number__gt=locked.number, published_at__isnull=False
    ).exists()
    if newer:
        raise RuleBroken(_("A newer version is already published."))
    locked.published_at = timezone.now()
    locked.published_by = by
    locked.save(update_fields=["published_at", "published_by"])
    audit.record(
        by, AuditVerb.STATEMENT_PUBLISHED, f"statement v{locked.number}", number=locked.number
    )
    transaction.on_commit(
        lambda: signals.statement_published.send(sender=StatementVersion, version=locked, by=by)
    )
    return locked


REASON_MAX = RoleInvitation._meta.get_field("reason").max_length
ROLE_INVITATION_DAYS = 14


def _reason_given(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise RuleBroken(_("Say why: the reason goes into the audit log."), field="reason")
    if len(reason) > REASON_MAX:
        raise RuleBroken(
            _("Keep the reason under %(count)s characters.") % {"count": REASON_MAX},
            field="reason",
        )
    return reason


def _role_known(role: str) -> Role:
    if role not in Role.values:
        raise RuleBroken(_("Choose a role from the list."), field="role")
    return Role(role)


@transaction.atomic
def role_grant(
    *, person, role: str, by, reason: str, invitation: RoleInvitation | None = None
) -> NetworkRole:
    """Give ``person`` a network role, with the reason in the audit log.

    ``by`` is the steward deciding (None for the system, e.g. first-run
    setup). Refused: no reason, giving a role to oneself, a role already held.
    ``invitation`` names the accepted invitation the grant comes from.
    """
    role = _role_known(role)
    reason = _reason_given(reason)
    if by is not None and by.pk == person.pk:
        raise RuleBroken(_("Nobody gives a role to themselves: ask another steward."))
    grant, created = NetworkRole.objects.get_or_create(
        person=person, role=role, defaults={"granted_by": by}
    )
    if not created:
        raise RuleBroken(
            _("%(person)s already holds the role %(role)s.")
            % {"person": person, "role": role.label}
        )
    detail = {"role": role.value, "person": person.pk, "reason": reason}
    if invitation is not None:
        detail["invitation"] = invitation.pk
    audit.record(by, AuditVerb.ROLE_GRANTED, f"person #{person.pk}: {role.value}", **detail)
    transaction.on_commit(
        lambda: signals.role_granted.send(sender=NetworkRole, person=person, role=role.value, by=by)
    )
    forget_roles(person)
    return grant


@transaction.atomic
def role_revoke(*, person, role: str, by, reason: str) -> None:
    """Withdraw a network role from ``person``, with the reason in the audit log.

    The network always keeps at least one active steward: the steward rows are
    locked first, so two stewards withdrawing each other at the same moment
    cannot both succeed (the second sees one steward left and is refused).
    """
    role = _role_known(role)
    reason = _reason_given(reason)
    if role == Role.STEWARD:
        stewards = list(
            NetworkRole.objects.select_for_update(of=("self",))
            .filter(role=Role.STEWARD)
            .values_list("person_id", "person__is_active")
        )
        holds = any(pk == person.pk for pk, _active in stewards)
        others = [pk for pk, active in stewards if active and pk != person.pk]
        if holds and not others:
            raise RuleBroken(
                _(
                    "%(person)s is the network's last steward: give someone else the "
                    "steward role first, so somebody can still give roles."
                )
                % {"person": person}
            )
    removed, _kinds = NetworkRole.objects.filter(person=person, role=role).delete()
    if not removed:
        raise RuleBroken(
            _("%(person)s does not hold the role %(role)s.")
            % {"person": person, "role": role.label}
        )
    audit.record(
        by,
        AuditVerb.ROLE_REVOKED,
        f"person #{person.pk}: {role.value}",
        role=role.value,
        person=person.pk,
        reason=reason,
    )
    forget_roles(person)


# --- First-run setup -----------------------------------------------------------
# /setup/ (coalition/views_setup.py) and ``manage.py coalition_init`` call these
# same services; the steward's account and the privacy policy go through the
# hooks the members and privacy apps register (coalition/setup_hooks.py).


def setup_token_issue() -> str:
    """A fresh one-time setup token; only its sha256 is kept. Refused once set up."""
    if not setup_needed():
        raise RuleBroken(_("This coalition is already set up."))
    token = secrets.token_urlsafe(32)
    SetupToken.objects.create(token_hash=SetupToken.digest(token))
    return token


def time_zone_check(time_zone: str) -> str:
    """The time zone's name if zoneinfo knows it, else RuleBroken."""
    time_zone = (time_zone or "").strip()
    try:
        if not time_zone:
            raise ValueError
        zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise RuleBroken(
            _("“%(zone)s” is not a time zone; write it like Europe/Paris or America/Montreal.")
            % {"zone": time_zone},
            field="time_zone",
        ) from None
    return time_zone


def language_check(language: str) -> str:
    """The language code if the app speaks it (settings.LANGUAGES), else RuleBroken."""
    if language not in dict(settings.LANGUAGES):
        raise RuleBroken(
            _("“%(language)s” is not a language of the app; choose one of %(choices)s.")
            % {"language": language, "choices": ", ".join(dict(settings.LANGUAGES))},
            field="language",
        )
    return language


@transaction.atomic
def coalition_details_save(*, name: str, cause: str, language: str, time_zone: str) -> Coalition:
    """The coalition's name, cause, default language and time zone (before or after setup).

    The cause may wait (a scripted install may not know it yet); the setup page asks for it.
    """
    name, cause = name.strip(), cause.strip()
    if not name:
        raise RuleBroken(_("The coalition needs a name."), field="name")
    language = language_check(language)
    time_zone = time_zone_check(time_zone)
    coalition, _created = Coalition.objects.update_or_create(
        pk=1, defaults={"name": name, "cause": cause, "language": language, "time_zone": time_zone}
    )
    return coalition


@transaction.atomic
def coalition_details_change(
    *, name: str, cause: str, language: str, time_zone: str, by
) -> Coalition:
    """A steward changes the coalition's details after setup; the audit log keeps which."""
    before = Coalition.objects.filter(pk=1).values("name", "cause", "language", "time_zone")
    before = before.first() or {}
    coalition = coalition_details_save(
        name=name, cause=cause, language=language, time_zone=time_zone
    )
    changed = sorted(
        field
        for field in ("name", "cause", "language", "time_zone")
        if before.get(field) != getattr(coalition, field)
    )
    if changed:
        audit.record(by, AuditVerb.COALITION_CHANGED, coalition.name, fields=changed)
    return coalition


@transaction.atomic
def steward_create(*, name: str, email: str, password: str) -> AbstractBaseUser:
    """The first steward: a verified account (made by the members app) holding the steward role."""
    person = account_create_verified(name=name, email=email, password=password)
    role_grant(person=person, role=Role.STEWARD, by=None, reason=_("First-run setup"))
    return person


# --- Invitations into a role -------------------------------------------------


class InvitationUnusable(RuleBroken):
    """A role invitation link that cannot be used; ``status`` is the page's answer:
    404 for a link that never existed, 410 for one used, withdrawn or expired."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def role_invitation_link(token: str) -> str:
    return settings.SITE_URL + reverse("network_invitation", kwargs={"token": token})


def _coalition_now() -> Coalition:
    return Coalition.objects.filter(pk=1).first() or Coalition(
        name=settings.COALITION_NAME, cause="", language=settings.LANGUAGE_CODE
    )


def _role_invitation_email(*, invitation: RoleInvitation, token: str, by) -> None:
    """Queue the invitation email (sent after commit), in the invitee's language if they
    have an account, else the coalition's."""
    coalition = _coalition_now()
    known = (
        get_user_model()
        .objects.filter(email__iexact=invitation.email)
        .values_list("language", flat=True)
        .first()
    )
    language = known or coalition.language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "coalition": coalition.name,
            "inviter": by.get_full_name() if by is not None else "",
            "role": Role(invitation.role).label,
            "reason": invitation.reason,
            "link": role_invitation_link(token),
            "days": ROLE_INVITATION_DAYS,
        }
        template = "coalition/email/role_invitation"
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}.txt", context)
    sender = formataddr(
        (" ".join(coalition.name.split()), parseaddr(settings.DEFAULT_FROM_EMAIL)[1])
    )
    email_queue(EmailMessage(subject=subject, body=body, from_email=sender, to=[invitation.email]))


@transaction.atomic
def role_invitation_create(*, email: str, role: str, reason: str, by) -> RoleInvitation:
    """Invite someone by email into a role; the role is given when they accept.

    The link (a random token, only its sha256 kept) works once, for
    ROLE_INVITATION_DAYS days, and goes out after the commit.
    """
    email = (email or "").strip().lower()
    if not email:
        raise RuleBroken(_("An invitation needs an email address."), field="email")
    role = _role_known(role)
    reason = _reason_given(reason)
    if by is not None and by.email.lower() == email:
        raise RuleBroken(_("Nobody gives a role to themselves: ask another steward."))
    if hooks.address_suppressed(email):
        raise RuleBroken(
            _("%(email)s asked not to receive email from the network.") % {"email": email},
            field="email",
        )
    if NetworkRole.objects.filter(person__email__iexact=email, role=role).exists():
        raise RuleBroken(
            _("The person with this address already holds the role %(role)s.")
            % {"role": role.label},
            field="email",
        )
    if role_invitations_pending().filter(email__iexact=email, role=role).exists():
        raise RuleBroken(
            _("This address already has an invitation into that role waiting: "
              "withdraw it first to send a new one."),
            field="email",
        )  # fmt: skip
    token = secrets.token_urlsafe(32)
    invitation = RoleInvitation.objects.create(
        email=email,
        role=role,
        reason=reason,
        token_hash=_token_hash(token),
        invited_by=by,
        expires_at=timezone.now() + timedelta(days=ROLE_INVITATION_DAYS),
    )
    audit.record(
        by,
        AuditVerb.ROLE_INVITED,
        f"invitation #{invitation.pk}: {role.value}",
        role=role.value,
        invitation=invitation.pk,
        reason=reason,
    )
    _role_invitation_email(invitation=invitation, token=token, by=by)
    return invitation


def role_invitations_pending():
    """Invitations not yet accepted, withdrawn or expired, newest first."""
    return RoleInvitation.objects.filter(
        accepted_at__isnull=True, withdrawn_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("-created_at")


def _usable(invitation: RoleInvitation | None) -> RoleInvitation:
    if invitation is None:
        raise InvitationUnusable(
            _("This invitation link is not valid. Check that it was copied whole."), status=404
        )
    if invitation.accepted_at is not None:
        raise InvitationUnusable(_("This invitation has already been used."), status=410)
    if invitation.withdrawn_at is not None:
        raise InvitationUnusable(_("This invitation was withdrawn."), status=410)
    if invitation.expires_at <= timezone.now():
        raise InvitationUnusable(
            _("This invitation has expired. Ask the person who invited you for a new one."),
            status=410,
        )
    return invitation


def role_invitation_for_token(token: str) -> RoleInvitation:
    """The usable invitation behind ``token``, or InvitationUnusable saying why not."""
    return _usable(
        RoleInvitation.objects.select_related("invited_by")
        .filter(token_hash=_token_hash(token))
        .first()
    )


@transaction.atomic
def role_invitation_accept(*, invitation: RoleInvitation, person) -> RoleInvitation:
    """``person`` (whose address the invitation went to) accepts it and gets the role.

    Single use: the row is locked, so the same link opened twice at once gives
    the role once. A role the person already holds is kept as it is.
    """
    locked = _usable(RoleInvitation.objects.select_for_update().filter(pk=invitation.pk).first())
    if person.email.lower() != locked.email.lower():
        raise RuleBroken(
            _("This invitation was sent to %(email)s. Log in with that address to accept it.")
            % {"email": locked.email}
        )
    locked.accepted_at = timezone.now()
    locked.accepted_by = person
    locked.save(update_fields=["accepted_at", "accepted_by"])
    if not NetworkRole.objects.filter(person=person, role=locked.role).exists():
        role_grant(
            person=person,
            role=locked.role,
            by=locked.invited_by,
            reason=locked.reason or _("Invitation accepted."),
            invitation=locked,
        )
    return locked


@transaction.atomic
def role_invitation_accept_new_account(
    *, invitation: RoleInvitation, name: str, password: str, language: str = ""
):
    """Someone without an account accepts: the account is made (its address verified by
    the act of following the link) and given the role, all or nothing. Returns the person."""
    person = account_create_verified(
        email=invitation.email, name=name, password=password, language=language
    )
    role_invitation_accept(invitation=invitation, person=person)
    return person


@transaction.atomic
def setup_policy_publish(*, text: str, by: AbstractBaseUser | None) -> PrivacyPolicy:
    """Publish the coalition's privacy policy (through the privacy app); ``by`` agrees to it."""
    return setup_hooks.policy_publish()(text=text, by=by)


@transaction.atomic
def coalition_setup_complete(*, by: AbstractBaseUser | None, how: str = "web") -> Coalition:
    """Mark setup done: every setup link stops working and the audit log says who did it.

    Needs the coalition's details, a steward and a published privacy policy.
    """
    coalition = Coalition.objects.select_for_update().filter(pk=1).first()
    if coalition is None:
        raise RuleBroken(_("Give the coalition its name and cause first."))
    if coalition.set_up_at is not None:
        raise RuleBroken(_("This coalition is already set up."))
    if not NetworkRole.objects.filter(role=Role.STEWARD).exists():
        raise RuleBroken(_("The coalition needs its first steward."))
    if not PrivacyPolicy.objects.filter(published_at__isnull=False).exists():
        raise RuleBroken(_("Publish the privacy policy first."))
    now = timezone.now()
    coalition.set_up_at = now
    coalition.save(update_fields=["set_up_at", "updated_at"])
    used = SetupToken.objects.filter(used_at__isnull=True).update(used_at=now)
    audit.record(by, AuditVerb.SETUP_DONE, coalition.name, how=how, links_closed=used)
    return coalition


@transaction.atomic
def coalition_init(
    *,
    name: str,
    cause: str,
    language: str,
    time_zone: str,
    admin_email: str,
    admin_password: str,
    admin_name: str = "",
    places_outline: str = "",
) -> Coalition:
    """Set the coalition up in one go (``manage.py coalition_init``): details, the first
    steward, places, the shipped privacy policy; all or nothing."""
    if not setup_needed():
        raise RuleBroken(_("This coalition is already set up."))
    coalition = coalition_details_save(
        name=name, cause=cause, language=language, time_zone=time_zone
    )
    steward = steward_create(name=admin_name, email=admin_email, password=admin_password)
    if places_outline.strip():
        places_create_from_outline(text=places_outline)
    setup_policy_publish(
        text=privacy_policy_starting_text(
            language=coalition.language, coalition_name=coalition.name
        ),
        by=steward,
    )
    return coalition_setup_complete(by=steward, how="command")


def role_invitation_withdraw(*, invitation: RoleInvitation, by) -> RoleInvitation:
    """Withdraw a pending invitation: its link stops working at once."""
    locked = RoleInvitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.accepted_at is not None:
        raise RuleBroken(_("This invitation was already accepted: withdraw the role instead."))
    if locked.withdrawn_at is not None:
        return locked
    locked.withdrawn_at = timezone.now()
    locked.save(update_fields=["withdrawn_at"])
    audit.record(
        by,
        AuditVerb.ROLE_INVITATION_WITHDRAWN,
        f"invitation #{locked.pk}: {locked.role}",
        role=locked.role,
        invitation=locked.pk,
    )
    return locked


# Words a pasted outline may put in brackets after a name to say its kind,
# in English and French; a number (1 = neighbourhood … 6 = global) works too.
_KIND_WORDS = {
    "neighbourhood": PlaceKind.NEIGHBOURHOOD,
    "neighborhood": PlaceKind.NEIGHBOURHOOD,
    "quartier": PlaceKind.NEIGHBOURHOOD,
    "district": PlaceKind.DISTRICT,
    "arrondissement": PlaceKind.DISTRICT,
    "city": PlaceKind.CITY,
    "town": PlaceKind.CITY,
    "ville": PlaceKind.CITY,
    "region": PlaceKind.REGION,
    "région": PlaceKind.REGION,
    "nation": PlaceKind.NATION,
    "country": PlaceKind.NATION,
    "pays": PlaceKind.NATION,
    "global": PlaceKind.GLOBAL,
    "monde": PlaceKind.GLOBAL,
}
OUTLINE_MAX_LINES = 2000


def place_kind_from_word(word: str) -> int | None:
    """A kind of place from its name in English or French, or its number; None if unknown."""
    word = word.strip().casefold()
    if word.isdecimal() and int(word) in PlaceKind.values:
        return int(word)
    return _KIND_WORDS.get(word)


def _outline_lines(text: str) -> list[tuple[int, int, str, int | None]]:
    """(line number, indent, name, stated kind) for each non-blank line of an outline."""
    parsed = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.expandtabs(4).rstrip()
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        name = line.strip().lstrip("-*•").strip()
        kind = None
        if name.endswith(")") and "(" in name:
            head, _sep, word = name[:-1].rpartition("(")
            kind = place_kind_from_word(word)
            if kind is None:
                raise RuleBroken(
                    _("Line %(line)s: “%(word)s” is not a kind of place.")
                    % {"line": number, "word": word.strip()}
                )
            name = head.strip()
        if not name:
            raise RuleBroken(_("Line %(line)s has no place name.") % {"line": number})
        if len(name) > Place._meta.get_field("name").max_length:
            raise RuleBroken(_("Line %(line)s: the name is too long.") % {"line": number})
        parsed.append((number, indent, name, kind))
    return parsed


@transaction.atomic
def places_create_from_outline(*, text: str, under: Place | None = None) -> list[Place]:
    """Create a whole tree of places from an indented list, one place a line.

    Indentation (spaces or tabs) puts a place inside the line above it. A kind
    may follow the name in brackets ("Port Maren (city)"); without one, a
    place is one scale below the place it sits in, and a top-level place is a
    nation (or one scale below ``under``). A place that already exists under
    the same parent is reused, so pasting the same list twice creates nothing.
    Any broken line refuses the whole list, naming the line. Returns the
    places created.
    """
    lines = _outline_lines(text)
    if not lines:
        raise RuleBroken(_("Type at least one place, one per line."))
    if len(lines) > OUTLINE_MAX_LINES:
        raise RuleBroken(
            _("At most %(count)s places at once; split the list.") % {"count": OUTLINE_MAX_LINES}
        )
    created: list[Place] = []
    # The chain of (indent, place) from the outermost line to the current one.
    stack: list[tuple[int, Place | None]] = [(-1, under)]
    for number, indent, name, kind in lines:
        while len(stack) > 1 and stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1]
        if kind is None:
            kind = parent.kind - 1 if parent is not None else PlaceKind.NATION
            if kind < PlaceKind.NEIGHBOURHOOD:
                raise RuleBroken(
                    _(
                        "Line %(line)s: %(name)s would sit below a neighbourhood; "
                        "say its kind in brackets or indent it less."
                    )
                    % {"line": number, "name": name}
                )
        place = Place.objects.filter(parent=parent, name__iexact=name).first()
        if place is None:
            try:
                place = place_create(name=name, kind=kind, parent=parent)
            except RuleBroken as problem:
                raise RuleBroken(
                    _("Line %(line)s: %(problem)s") % {"line": number, "problem": problem.message}
                ) from None
            created.append(place)
        stack.append((indent, place))
    return created


# --- Keeping the place tree: rename, merge, delete, import -----------------------------
#
# The frame does not import the apps that point at places (groups, actions, days
# of action, wins, rollups…): it finds them through Django's model relations, so
# a new app's pointer is merged and counted without a change here.


def _place_relations() -> list:
    """Every relation of another model (or of Place itself, but not ``parent``) to Place.

    ``get_fields(include_hidden=True)`` rather than ``related_objects``: pointers
    declared with ``related_name="+"`` (rollups, reports) are hidden from the latter
    and must follow a merge too.
    """
    relations = [
        field
        for field in Place._meta.get_fields(include_hidden=True)
        if field.auto_created
        and not field.concrete
        and (field.one_to_many or field.one_to_one or field.many_to_many)
        and not (field.related_model is Place and field.field.name == "parent")
    ]
    # A many-to-many link is handled through its relation, not its table's own key.
    throughs = {field.through for field in relations if field.many_to_many}
    return [field for field in relations if field.related_model not in throughs]


def _relation_label(relation, count: int) -> str:
    opts = relation.related_model._meta
    return f"{count} {opts.verbose_name if count == 1 else opts.verbose_name_plural}"


def place_usage(*, place: Place) -> dict[str, int]:
    """{what: count} of the rows that point at ``place`` and would stop its deletion.

    Rows whose relation cascades (rollups: figures derived from other rows) go
    with the place and are not counted; every other pointer, and every
    many-to-many link (a day of action's places), keeps the place alive.
    """
    usage: dict[str, int] = {}
    for relation in _place_relations():
        if relation.many_to_many:
            through = relation.through
            count = through._base_manager.filter(
                **{relation.field.m2m_reverse_field_name(): place.pk}
            ).count()
        else:
            if relation.on_delete is models.CASCADE:
                continue
            count = relation.related_model._base_manager.filter(
                **{relation.field.name: place}
            ).count()
        if count:
            label = _relation_label(relation, count)
            usage[label] = count
    return usage


def _places_changed(*, change: str, ids: list[int]) -> None:
    transaction.on_commit(
        lambda: signals.places_changed.send(sender=Place, change=change, place_ids=ids)
    )


@transaction.atomic
def place_rename(*, place: Place, name: str, by=None) -> Place:
    """Give a place a new name; two places in one parent never share a name."""
    name = name.strip()
    if not name:
        raise RuleBroken(_("A place needs a name."), field="name")
    if len(name) > Place._meta.get_field("name").max_length:
        raise RuleBroken(_("The name is too long."), field="name")
    clash = Place.objects.filter(parent_id=place.parent_id, name__iexact=name).exclude(pk=place.pk)
    if clash.exists():
        raise RuleBroken(
            _("There is already a place called %(name)s there.") % {"name": name}, field="name"
        )
    old = place.name
    if old == name:
        return place
    Place.objects.filter(pk=place.pk).update(name=name, search_name=search_normalise(name))
    place.name = name
    place.search_name = search_normalise(name)
    audit.record(
        by, AuditVerb.PLACES_CHANGED, f"place #{place.pk} renamed", change="rename",
        place=place.pk, old_name=old, new_name=name,
    )  # fmt: skip
    return place


def _degrees(value, *, limit: int, field: str):
    if value is not None and not (-limit <= value <= limit):
        raise RuleBroken(
            _("Give degrees between -%(limit)d and %(limit)d.") % {"limit": limit}, field=field
        )
    return value


@transaction.atomic
def place_locate(
    *,
    place: Place,
    latitude=None,
    longitude=None,
    min_latitude=None,
    min_longitude=None,
    max_latitude=None,
    max_longitude=None,
    by=None,
) -> Place:
    """Set where a place is: its centre point, and optionally its bounding box.

    Maps frame a place by its box (else 10 km around its centre); "within N
    km of a place" measures from its centre. Each pair is given whole or not at all.
    """
    values = {
        "latitude": _degrees(latitude, limit=90, field="latitude"),
        "longitude": _degrees(longitude, limit=180, field="longitude"),
        "min_latitude": _degrees(min_latitude, limit=90, field="min_latitude"),
        "min_longitude": _degrees(min_longitude, limit=180, field="min_longitude"),
        "max_latitude": _degrees(max_latitude, limit=90, field="max_latitude"),
        "max_longitude": _degrees(max_longitude, limit=180, field="max_longitude"),
    }
    if (latitude is None) != (longitude is None):
        raise RuleBroken(
            _("Give both the latitude and the longitude, or neither."), field="latitude"
        )
    box = [min_latitude, min_longitude, max_latitude, max_longitude]
    if any(v is not None for v in box) and any(v is None for v in box):
        raise RuleBroken(_("Give all four edges of the area, or none."), field="min_latitude")
    if min_latitude is not None and min_latitude > max_latitude:
        raise RuleBroken(
            _("The south edge must not be north of the north edge."), field="min_latitude"
        )
    Place.objects.filter(pk=place.pk).update(**values)
    for name, value in values.items():
        setattr(place, name, value)
    audit.record(
        by, AuditVerb.PLACES_CHANGED, f"place #{place.pk} located", change="locate",
        place=place.pk, **{name: str(value) if value is not None else None
                           for name, value in values.items()},
    )  # fmt: skip
    return place


@transaction.atomic
def place_relocate(*, place: Place, parent: Place | None, by=None) -> Place:
    """``place_move`` from a page: checked the same way, and written to the audit log."""
    old_parent = place.parent_id
    if old_parent == (parent.pk if parent else None):
        return place
    moved = place_move(place=place, parent=parent)
    audit.record(
        by, AuditVerb.PLACES_CHANGED, f"place #{place.pk} moved", change="move",
        place=place.pk, old_parent=old_parent, new_parent=parent.pk if parent else None,
        places_moved=Place.objects.filter(path__startswith=moved.path).count(),
    )  # fmt: skip
    _places_changed(change="move", ids=[place.pk])
    return moved


def _merge_into(absorbed: Place, kept: Place, moved: dict[str, int], gone: list[int]) -> None:
    """Everything of ``absorbed`` to ``kept``, then delete ``absorbed`` (inside a transaction).

    A child of ``absorbed`` moves under ``kept``; a child whose name ``kept``
    already has inside it is merged into that one, so two copies of one tree
    become one tree.
    """
    for child in list(Place.objects.filter(parent=absorbed).order_by("path")):
        twin = Place.objects.filter(parent=kept, name__iexact=child.name).first()
        if twin is not None:
            _merge_into(child, twin, moved, gone)
            continue
        try:
            place_move(place=child, parent=kept)
        except RuleBroken as problem:
            raise RuleBroken(
                _("%(child)s (inside %(place)s) cannot move into %(kept)s: %(problem)s")
                % {
                    "child": child.name,
                    "place": absorbed.name,
                    "kept": kept.name,
                    "problem": problem.message,
                }
            ) from None
        moved["places"] = moved.get("places", 0) + 1
    for relation in _place_relations():
        model = relation.related_model
        if relation.many_to_many:
            through = relation.through._base_manager
            source = relation.field.m2m_field_name()
            target = relation.field.m2m_reverse_field_name()
            # A row that already covers ``kept`` would be a duplicate: drop it.
            has_kept = through.filter(**{target: kept.pk}).values(source)
            through.filter(**{target: absorbed.pk, f"{source}__in": has_kept}).delete()
            count = through.filter(**{target: absorbed.pk}).update(**{target: kept.pk})
        else:
            rows = model._base_manager.filter(**{relation.field.name: absorbed})
            if (
                relation.one_to_one
                and model._base_manager.filter(**{relation.field.name: kept}).exists()
            ):
                raise RuleBroken(
                    _("Both places have a %(what)s; only one can stay.")
                    % {"what": model._meta.verbose_name}
                )
            try:
                with transaction.atomic():
                    count = rows.update(**{relation.field.name: kept})
            except IntegrityError:
                raise RuleBroken(
                    _(
                        "Some %(what)s of %(absorbed)s clash with those of %(kept)s; "
                        "rename them first."
                    )
                    % {
                        "what": model._meta.verbose_name_plural,
                        "absorbed": absorbed.name,
                        "kept": kept.name,
                    }
                ) from None
        if count:
            # The model's label, not its (translated) name: the log reads the same in any language.
            key = model._meta.label_lower
            moved[key] = moved.get(key, 0) + count
    Place.objects.filter(pk=absorbed.pk).delete()
    gone.append(absorbed.pk)


@transaction.atomic
def place_merge(*, absorbed: Place, kept: Place, by=None) -> dict[str, int]:
    """Merge ``absorbed`` into ``kept``: one place where there were two.

    Every row that points at ``absorbed`` (groups, actions, wins, days of action
    covering it, whatever another app adds) points at ``kept`` afterwards; the
    places inside ``absorbed`` move inside ``kept`` (same-named ones merge in
    turn); then ``absorbed`` is deleted. All or nothing. Returns {model label or
    "places": count moved}.
    """
    absorbed = Place.objects.select_for_update().get(pk=absorbed.pk)
    kept = Place.objects.select_for_update().get(pk=kept.pk)
    if absorbed.pk == kept.pk:
        raise RuleBroken(_("Choose another place to merge with."), field="into")
    if kept.path.startswith(absorbed.path):
        raise RuleBroken(
            _("%(kept)s is inside %(absorbed)s: a place cannot be merged into a place inside it.")
            % {"kept": kept.name, "absorbed": absorbed.name},
            field="into",
        )
    moved: dict[str, int] = {}
    gone: list[int] = []
    _merge_into(absorbed, kept, moved, gone)
    audit.record(
        by, AuditVerb.PLACES_CHANGED, f"place #{absorbed.pk} merged into #{kept.pk}",
        change="merge", kept=kept.pk, absorbed=gone, moved=moved,
    )  # fmt: skip
    _places_changed(change="merge", ids=[kept.pk, *gone])
    return moved


@transaction.atomic
def place_delete(*, place: Place, by=None) -> None:
    """Delete a place nothing uses; refused, naming what uses it, otherwise."""
    place = Place.objects.select_for_update().get(pk=place.pk)
    children = Place.objects.filter(parent=place).count()
    if children:
        raise RuleBroken(
            ngettext(
                "%(place)s still has %(count)d place inside it: move or delete it first.",
                "%(place)s still has %(count)d places inside it: move or delete them first.",
                children,
            )
            % {"place": place.name, "count": children}
        )
    usage = place_usage(place=place)
    if usage:
        raise RuleBroken(
            _("%(place)s is still used by %(what)s: move them to another place, or merge.")
            % {"place": place.name, "what": ", ".join(usage)}
        )
    name, pk = place.name, place.pk
    place.delete()
    audit.record(
        by, AuditVerb.PLACES_CHANGED, f"place #{pk} deleted", change="delete", place=pk, name=name
    )
    _places_changed(change="delete", ids=[pk])


@transaction.atomic
def places_paste(*, text: str, under: Place | None = None, by=None) -> list[Place]:
    """``places_create_from_outline`` from a page, written to the audit log."""
    created = places_create_from_outline(text=text, under=under)
    if created:
        audit.record(
            by, AuditVerb.PLACES_CHANGED, f"{len(created)} places added from a list",
            change="paste", created=len(created), under=under.pk if under else None,
            first_id=created[0].pk, last_id=created[-1].pk,
        )  # fmt: skip
    return created


CSV_MAX_BYTES = 2 * 1024 * 1024
_CSV_COLUMNS = {
    "name": "name", "nom": "name",
    "parent": "parent", "inside": "parent", "dans": "parent",
    "kind": "kind", "type": "kind",
}  # fmt: skip


@dataclass(frozen=True)
class _PlaceRow:
    line: int
    name: str
    parent: str
    kind: int | None


def _csv_rows(content: bytes) -> list[_PlaceRow]:
    if len(content) > CSV_MAX_BYTES:
        raise RuleBroken(_("The file is larger than 2 MB; split it."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RuleBroken(_("The file is not UTF-8 text: save it as CSV (UTF-8).")) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, None)
    columns = [_CSV_COLUMNS.get((cell or "").strip().casefold()) for cell in header or []]
    if "name" not in columns:
        raise RuleBroken(_("The first line must name the columns: name, parent, kind."))
    rows: list[_PlaceRow] = []
    max_length = Place._meta.get_field("name").max_length
    for values in reader:
        line = reader.line_num
        pairs = zip(columns, values, strict=False)
        cells = {column: (value or "").strip() for column, value in pairs if column}
        if not any(cells.values()):
            continue
        # The cap every CSV import shares (CSV_IMPORT_MAX_ROWS, default 5,000).
        if len(rows) >= settings.CSV_IMPORT_MAX_ROWS:
            raise RuleBroken(
                _("At most %(count)s places at once; split the file.")
                % {"count": settings.CSV_IMPORT_MAX_ROWS}
            )
        name = cells.get("name", "")
        if not name:
            raise RuleBroken(_("Line %(line)s has no place name.") % {"line": line})
        if len(name) > max_length:
            raise RuleBroken(_("Line %(line)s: the name is too long.") % {"line": line})
        kind = None
        if cells.get("kind"):
            kind = place_kind_from_word(cells["kind"])
            if kind is None:
                raise RuleBroken(
                    _("Line %(line)s: “%(word)s” is not a kind of place.")
                    % {"line": line, "word": cells["kind"]}
                )
        rows.append(_PlaceRow(line=line, name=name, parent=cells.get("parent", ""), kind=kind))
    if not rows:
        raise RuleBroken(_("The file has no places in it."))
    return rows


def _parent_pending(row: _PlaceRow, names_pending: dict[str, int]) -> bool:
    """Whether a row still to be created could be ``row``'s parent (not counting ``row``)."""
    folded = row.parent.casefold()
    waiting = names_pending.get(folded, 0) if folded else 0
    return waiting - (row.name.casefold() == folded) > 0


def places_import_start(*, content: bytes, filename: str, by) -> list[Place] | PlaceImport:
    """Import a places CSV file now if it is short (the places created), else by a worker.

    A file of more than ``CSV_IMPORT_INLINE_ROWS`` rows is stored in a
    ``PlaceImport`` and its task queued through the outbox: 5,000 places took
    about 90 s, too long to hold a request. A file that cannot be read, or is over
    ``CSV_IMPORT_MAX_ROWS`` rows, is refused here, before anything is stored.
    """
    rows = _csv_rows(content)
    if len(rows) <= settings.CSV_IMPORT_INLINE_ROWS:
        return places_import_csv(content=content, by=by)
    from coalition.outbox import outbox_add
    from coalition.tasks import places_import_run as run_task

    with transaction.atomic():
        run = PlaceImport.objects.create(
            started_by=by,
            filename=(filename or "places.csv")[:200],
            content=content.decode("utf-8-sig"),
            rows_total=len(rows),
        )
        outbox_add(run_task, import_id=run.pk)
    return run


def places_import_run(*, import_id: int) -> bool:
    """Import a stored places file; True if this call ran it, False if there was nothing to do.

    Claimed once (``coalition.imports``); the import itself is idempotent (a place
    already in its parent is reused), so one taken over after a lost worker adds
    nothing twice. The stored file is cleared when the import ends.
    """
    from coalition.imports import import_claim, import_fail, import_finish

    now = import_claim(PlaceImport, pk=import_id, rows_done=0)
    if now is None:
        return False
    run = PlaceImport.objects.select_related("started_by").get(pk=import_id)
    try:
        created = places_import_csv(content=run.content.encode(), by=run.started_by)
    except RuleBroken as error:
        import_fail(PlaceImport, pk=run.pk, claimed_at=now, problem=error.message, content="")
        return True
    import_finish(
        PlaceImport, pk=run.pk, claimed_at=now,
        rows_done=run.rows_total, created_count=len(created), content="",
    )  # fmt: skip
    return True


@transaction.atomic
def places_import_csv(*, content: bytes, by=None) -> list[Place]:
    """Create places from a CSV file with the columns name, parent, kind.

    ``parent`` is a place's name: one in the network already or on another line
    of the file; a name that several places have, or none, refuses the file
    with its line number. ``kind`` is a word (city, région…) or a number
    (1 = neighbourhood … 6 = global); left empty, a place is one scale below its
    parent, or a nation at the top. A place that already exists in the same
    parent is reused, so importing a file twice creates nothing. Any bad line
    refuses the whole file. Returns the places created.
    """
    rows = _csv_rows(content)
    created: list[Place] = []
    # Rows wait until every row that could be their parent (same name) is done.
    pending = {row.line: row for row in rows}
    names_pending: dict[str, int] = {}
    for row in rows:
        folded = row.name.casefold()
        names_pending[folded] = names_pending.get(folded, 0) + 1
    while pending:
        ready = [row for row in pending.values() if not _parent_pending(row, names_pending)]
        if not ready:
            first = min(pending.values(), key=lambda row: row.line)
            raise RuleBroken(
                _("Line %(line)s: %(name)s sits, through its parents, inside itself.")
                % {"line": first.line, "name": first.name}
            )
        for row in ready:
            parent = None
            if row.parent:
                matches = list(Place.objects.filter(name__iexact=row.parent)[:2])
                if not matches:
                    raise RuleBroken(
                        _("Line %(line)s: no place is called “%(parent)s”.")
                        % {"line": row.line, "parent": row.parent}
                    )
                if len(matches) > 1:
                    raise RuleBroken(
                        _(
                            "Line %(line)s: several places are called “%(parent)s”; "
                            "rename one of them first so the file can say which."
                        )
                        % {"line": row.line, "parent": row.parent}
                    )
                parent = matches[0]
            place = Place.objects.filter(parent=parent, name__iexact=row.name).first()
            if place is None:
                kind = row.kind
                if kind is None:
                    kind = parent.kind - 1 if parent is not None else PlaceKind.NATION
                    if kind < PlaceKind.NEIGHBOURHOOD:
                        raise RuleBroken(
                            _("Line %(line)s: %(name)s would sit below a neighbourhood.")
                            % {"line": row.line, "name": row.name}
                        )
                try:
                    place = place_create(name=row.name, kind=kind, parent=parent)
                except RuleBroken as problem:
                    raise RuleBroken(
                        _("Line %(line)s: %(problem)s")
                        % {"line": row.line, "problem": problem.message}
                    ) from None
                created.append(place)
            del pending[row.line]
            names_pending[row.name.casefold()] -= 1
    if created:
        audit.record(
            by, AuditVerb.PLACES_CHANGED, f"{len(created)} places imported from a file",
            change="import", created=len(created), rows=len(rows),
            first_id=created[0].pk, last_id=created[-1].pk,
        )  # fmt: skip
    return created

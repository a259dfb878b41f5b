"""A group joins the network from /join/: the group, its contact person, its signature."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, Value
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from coalition.errors import RuleBroken
from coalition.mail import email_queue
from coalition.models import Place, PrivacyPolicy
from coalition.permissions import can_weave
from coalition.selectors import statement_current
from members.models import Group, Invitation, Membership, MembershipRole, Signature, User
from members.services.groups import group_create, membership_add
from members.services.invitations import invitation_redeem
from members.services.signatures import signature_create


@dataclass(frozen=True)
class DuplicateMatch:
    """A group the joining one may be, and why: the same name in the same place, or
    the same email (its contact address, or one of its admins' or contacts')."""

    group: Group
    by_name: bool
    by_email: bool


class DuplicateSuspected(RuleBroken):
    """The group looks like one the network already knows; the page says so."""

    def __init__(self, matches: list[DuplicateMatch]) -> None:
        super().__init__(_("This group may already be in the network: see below."))
        self.matches = matches

    @property
    def groups(self) -> list[Group]:
        return [match.group for match in self.matches]


def duplicates_shown_to(user, matches: list[DuplicateMatch]) -> tuple[list[Group], bool]:
    """The suspected duplicates a person may see by name, and whether others were left out.

    Naming a group matched by email would tell anyone who types an address which
    groups that person runs; so only groups on the public list of signatories and
    matched by name and place are named, except to weavers, who see them all.
    """
    if can_weave(user):
        return [match.group for match in matches], False
    named = [
        match.group
        for match in matches
        if match.by_name and match.group.listing_consent and match.group.signed_version_id
    ]
    return named, len(named) < len(matches)


@dataclass
class GroupDetails:
    name: str
    kind: str
    place: Place
    description: str = ""
    website: str = ""
    listing_consent: bool = False


@dataclass
class JoinResult:
    """What joining made. With ``existing_account`` nothing was made: the address
    already had an account, and only its owner was told (the page must not say so)."""

    group: Group | None
    person: User | None
    signature: Signature | None
    needs_verification: bool
    warnings: list[str] = field(default_factory=list)
    existing_account: bool = False


# One "someone tried to join with your address" email per address and hour, so
# the join form cannot be used to flood someone's inbox.
EXISTING_ACCOUNT_NOTICE_SECONDS = 3600


def _existing_account_notify(*, email: str) -> None:
    """Tell the owner of ``email`` that someone tried to join with it (after commit)."""
    digest = hashlib.sha256(email.encode()).hexdigest()
    if not cache.add(f"members:join:existing:{digest}", 1, EXISTING_ACCOUNT_NOTICE_SECONDS):
        return
    context = {
        "email": email,
        "link": settings.SITE_URL + reverse("account_login") + "?next=" + reverse("members:join"),
    }
    template = "members/email/join_existing_account"
    email_queue(
        EmailMessage(
            subject=render_to_string(f"{template}_subject.txt", context).strip(),
            body=render_to_string(f"{template}.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[email],
        )
    )


def group_duplicates(
    *, name: str, place: Place, email: str, exclude: Group | None = None
) -> list[DuplicateMatch]:
    """Groups with the same name in the same place, or the same email: the group's
    contact address or one of its admins' or contacts' (one query)."""
    email = email.strip().lower()
    same_name = Q(place=place) & Q(name__iexact=name.strip())
    same_email = Q(pk__in=[])
    if email:
        runs_it = Membership.objects.filter(
            group=OuterRef("pk"),
            person__email__iexact=email,
            role__in=[MembershipRole.ADMIN, MembershipRole.CONTACT],
        )
        same_email = Q(contact_email__iexact=email) | Q(Exists(runs_it))
    found = (
        Group.objects.filter(same_name | same_email)
        .annotate(
            by_name=ExpressionWrapper(same_name, output_field=BooleanField()),
            by_email=ExpressionWrapper(same_email, output_field=BooleanField())
            if email
            else Value(False),
        )
        .select_related("place")
    )
    if exclude is not None:
        found = found.exclude(pk=exclude.pk)
    return [
        DuplicateMatch(group=group, by_name=bool(group.by_name), by_email=bool(group.by_email))
        for group in found.order_by("name")[:10]
    ]


@transaction.atomic
def group_join(
    *,
    details: GroupDetails,
    person: User | None,
    contact_name: str = "",
    contact_email: str = "",
    password: str = "",
    agreed: bool,
    not_duplicate: bool = False,
    invitation: Invitation | None = None,
    privacy_policy: PrivacyPolicy | None = None,
    request=None,
) -> JoinResult:
    """Create (or, with an invitation, complete) a group, its admin and its signature.

    ``person`` is the logged-in person, or None: then an account is made from
    ``contact_name``/``contact_email``/``password`` and the signature counts
    once that address is verified. If that address already has an account,
    nothing is made and its owner gets an email instead (see JoinResult).
    ``privacy_policy`` is the version the person agreed to on the form (None
    when none is published): the signature records it, and with it the consent.
    """
    version = statement_current()
    if version is None:
        raise RuleBroken(_("The network has not published its unity statement yet."))
    if not agreed:
        raise RuleBroken(
            _("To join, agree to the statement, its principles and the privacy policy."),
            field="agree_statement",
        )
    email = (person.email if person else contact_email).strip().lower()
    invited_group = invitation.group if invitation else None
    if not not_duplicate:
        duplicates = group_duplicates(
            name=details.name, place=details.place, email=email, exclude=invited_group
        )
        if duplicates:
            raise DuplicateSuspected(duplicates)

    needs_verification = False
    if person is None:
        try:
            validate_password(password, User(email=email, name=contact_name))
        except ValidationError as error:
            raise RuleBroken(" ".join(error.messages), field="password") from None
        if User.objects.filter(email__iexact=email).exists():
            # Saying so on the page would tell anyone whether an address has an
            # account: the visitor sees the same "check your email" as a new join,
            # and only the address's owner learns what happened. Hashing the
            # password anyway keeps the answer as slow as making an account.
            make_password(password)
            _existing_account_notify(email=email)
            return JoinResult(
                group=None,
                person=None,
                signature=None,
                needs_verification=True,
                existing_account=True,
            )
        person = User.objects.create_user(email=email, password=password, name=contact_name.strip())
        address = EmailAddress.objects.create(
            user=person, email=email, primary=True, verified=False
        )
        needs_verification = True
    else:
        needs_verification = not EmailAddress.objects.filter(
            user=person, email__iexact=person.email, verified=True
        ).exists()

    if invited_group is not None:
        invitation_redeem(invitation=invitation, person=person)
        group = invited_group
        for attribute in ("name", "kind", "place", "description", "website", "listing_consent"):
            setattr(group, attribute, getattr(details, attribute))
        group.contact_name = group.contact_name or person.name
        group.contact_email = group.contact_email or email
        group.save()
    else:
        group = group_create(
            name=details.name,
            kind=details.kind,
            place=details.place,
            description=details.description,
            website=details.website,
            listing_consent=details.listing_consent,
            contact_name=person.name,
            contact_email=email,
            created_by=person,
            reason=_("Joined through the join page"),
        )
    membership_add(group=group, person=person, role=MembershipRole.ADMIN)
    signature = signature_create(
        group=group,
        person=person,
        version=version,
        listing_consent=details.listing_consent,
        privacy_policy=privacy_policy,
    )
    if needs_verification and request is not None:
        address = EmailAddress.objects.get(user=person, email__iexact=email)
        transaction.on_commit(lambda: address.send_confirmation(request, signup=True))
    return JoinResult(
        group=group, person=person, signature=signature, needs_verification=needs_verification
    )

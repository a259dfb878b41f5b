"""Creating and updating people from other tools: CSV imports, and the OSDI signup helper."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from coalition.errors import RuleBroken
from coalition.permissions import can_keep_supporters
from exchange.models import PersonAddress, Supporter
from exchange.services.tags import person_tags_add, tags_get_or_create
from members.models import Group, User

NAME_LENGTH = User._meta.get_field("name").max_length
PHONE_LENGTH = User._meta.get_field("phone").max_length


@dataclass(frozen=True)
class PersonDetails:
    """What another tool tells us about a person; empty strings mean "not given"."""

    email: str
    given_name: str = ""
    family_name: str = ""
    phone: str = ""
    postal_code: str = ""
    locality: str = ""
    country: str = ""

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.given_name, self.family_name) if part)


def person_details_check(details: PersonDetails) -> PersonDetails:
    """The details, email lowercased; a bad email or a value too long raises RuleBroken."""
    email = details.email.strip().lower()
    if not email:
        raise RuleBroken(_("An email address is needed."), field="email")
    try:
        validate_email(email)
    except ValidationError:
        raise RuleBroken(
            _("“%(email)s” is not an email address.") % {"email": details.email}, field="email"
        ) from None
    limits = {
        "name": (details.name, NAME_LENGTH),
        "phone": (details.phone, PHONE_LENGTH),
        "postal_code": (details.postal_code, 20),
        "locality": (details.locality, 120),
        "country": (details.country, 2),
    }
    for field, (value, limit) in limits.items():
        if len(value) > limit:
            raise RuleBroken(
                _("%(field)s is too long (at most %(limit)s characters).")
                % {"field": field, "limit": limit},
                field=field,
            )
    return PersonDetails(
        email=email,
        given_name=details.given_name.strip(),
        family_name=details.family_name.strip(),
        phone=details.phone.strip(),
        postal_code=details.postal_code.strip(),
        locality=details.locality.strip(),
        country=details.country.strip().upper(),
    )


def _apply(person: User, details: PersonDetails) -> None:
    """Overwrite what is given, keep what is not: a given name alone keeps the family name."""
    changed = []
    old_given, old_family = _split(person.name)
    name = " ".join(
        part
        for part in (details.given_name or old_given, details.family_name or old_family)
        if part
    )
    if (details.given_name or details.family_name) and name != person.name:
        person.name, changed = name, [*changed, "name"]
    if details.phone and details.phone != person.phone:
        person.phone, changed = details.phone, [*changed, "phone"]
    if changed:
        person.save(update_fields=changed)
    given = {
        key: value
        for key, value in (
            ("postal_code", details.postal_code),
            ("locality", details.locality),
            ("country", details.country),
        )
        if value
    }
    if given:
        PersonAddress.objects.update_or_create(person=person, defaults=given)


def _split(name: str) -> tuple[str, str]:
    given, _sep, family = (name or "").strip().partition(" ")
    return given, family.strip()


def _create(details: PersonDetails) -> tuple[User, bool]:
    """A new account without a password (the person can set one by resetting it)."""
    try:
        with transaction.atomic():
            person = User.objects.create_user(
                email=details.email, password=None, name=details.name, phone=details.phone
            )
    except IntegrityError:
        # Created by another request meanwhile: treat it as existing.
        return User.objects.get(email__iexact=details.email), False
    return person, True


@transaction.atomic
def person_upsert(
    *, details: PersonDetails, tags: list[str], may_update: bool = True, cache=None
) -> tuple[User, bool]:
    """Create the person with this email, or update them; add ``tags``. (person, created).

    With ``may_update`` False an existing person's name, phone and address are
    left alone (only the tags are added): whoever sends the details may not
    know them, and must not be able to overwrite them.
    """
    details = person_details_check(details)
    tag_rows = tags_get_or_create(names=tags, cache=cache)
    person = User.objects.filter(email__iexact=details.email).first()
    created = False
    if person is None:
        person, created = _create(details)
    if created or may_update:
        _apply(person, details)
    person_tags_add(person=person, tags=tag_rows)
    return person, created


@transaction.atomic
def person_signup(*, by: User, group: Group, details: PersonDetails, tags: list[str]) -> Supporter:
    """The OSDI person signup helper: "write only what you own".

    The details go to ``group``'s own supporter record for the address (created
    if new, else updated with the fields given: an omitted or blank field keeps
    its value), and the tags onto that record. No account is created, and an
    existing account is changed only when it is the caller's own. The answer
    (the supporter record) is therefore the same whether or not the address
    has an account.
    """
    if not can_keep_supporters(by, group):
        raise RuleBroken(
            _("Only the admins and contacts of %(group)s keep its supporters.")
            % {"group": group.name}
        )
    details = person_details_check(details)
    tag_rows = tags_get_or_create(names=tags)
    if details.email == (by.email or "").lower():
        _apply(by, details)
    supporter = _supporter_for(by=by, group=group, email=details.email)
    changed = [
        field
        for field in ("given_name", "family_name", "phone", "postal_code", "locality", "country")
        if getattr(details, field) and getattr(details, field) != getattr(supporter, field)
    ]
    for field in changed:
        setattr(supporter, field, getattr(details, field))
    if changed:
        supporter.save(update_fields=[*changed, "updated_at"])
    if tag_rows:
        supporter.tags.add(*tag_rows)
        if not changed:
            # A new tag is a change of the record: syncing tools see it by its date.
            supporter.save(update_fields=["updated_at"])
    return supporter


def supporter_group_for(*, by: User, slug: str = "") -> Group:
    """The group whose supporter record a signup writes: the one named by ``slug``, or the
    only group the caller keeps supporters for; otherwise RuleBroken says what to send."""
    groups = Group.objects.filter(
        memberships__person=by, memberships__role__in=["admin", "contact"]
    ).order_by("pk")
    if slug:
        group = groups.filter(slug=slug).first()
        if group is None:
            raise RuleBroken(
                _("You keep no supporters for a group “%(slug)s”.") % {"slug": slug[:60]},
                field="group",
            )
        return group
    found = list(groups[:2])
    if len(found) == 1:
        return found[0]
    if not found:
        raise RuleBroken(
            _("Supporters belong to a group: only a group's admins and contacts add them.")
        )
    raise RuleBroken(
        _("You keep supporters for several groups: name one with ?group=<slug>."), field="group"
    )


def _supporter_for(*, by: User, group: Group, email: str) -> Supporter:
    found = Supporter.objects.select_for_update().filter(group=group, email__iexact=email).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Supporter.objects.create(group=group, email=email, created_by=by)
    except IntegrityError:
        # Added by another request meanwhile.
        return Supporter.objects.get(group=group, email__iexact=email)

"""Creating and updating people from other tools: the OSDI person signup helper."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from coalition.errors import RuleBroken
from exchange.models import PersonAddress
from exchange.selectors import people_visible_to
from exchange.services.tags import person_tags_add, tags_get_or_create
from members.models import User

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
    """Overwrite what is given, keep what is not."""
    changed = []
    if details.name and details.name != person.name:
        person.name, changed = details.name, [*changed, "name"]
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


def person_signup(*, by: User, details: PersonDetails, tags: list[str]) -> tuple[User, bool]:
    """The OSDI person signup helper: create or update by email. (person, visible to ``by``).

    Someone who could already see the person updates them; otherwise an
    existing person's details stay as they are and only the tags are added.
    Whether the address was already known is never told to someone who could
    not see that person: the caller answers alike for "created" and "existed
    but not yours" (see exchange.views.osdi).
    """
    email = details.email.strip().lower()
    visible = people_visible_to(by)
    could_see = bool(email) and visible.filter(email__iexact=email).exists()
    person, _created = person_upsert(details=details, tags=tags, may_update=could_see)
    # Asked again after the write: a weaver sees the person they just created; a
    # group admin sees neither a new person nor a stranger, so both answer alike.
    return person, visible.filter(pk=person.pk).exists()

"""The exchange app's part of "download my data" and "erase my account" (privacy.registry).

Tags on people, the postal address, and the groups' supporter records under the
person's address. The exchange app registers them itself: privacy sits below it.
"""

from __future__ import annotations

from exchange.models import PersonAddress, Supporter, Tagging
from privacy.registry import register


def _address_export(person) -> list[dict]:
    return list(
        PersonAddress.objects.filter(person=person).values("postal_code", "locality", "country")
    )


def _address_erase(person) -> int:
    return PersonAddress.objects.filter(person=person).delete()[0]


register("postal_address", export=_address_export, erase=_address_erase)


def _tags_export(person) -> list[dict]:
    return list(Tagging.objects.filter(person=person).values("tag__name", "created_at"))


def _tags_erase(person) -> int:
    return Tagging.objects.filter(person=person).delete()[0]


register("tags", export=_tags_export, erase=_tags_erase)


def _supporters_export(person) -> list[dict]:
    return _supporters_of_address(person.email)


def _supporters_of_address(email: str) -> list[dict]:
    return list(
        Supporter.objects.filter(email__iexact=email).values(
            "group__name", "given_name", "family_name", "phone", "postal_code", "locality",
            "country", "created_at",
        )
    )  # fmt: skip


def _supporters_erase(person) -> int:
    return _supporters_of_address_erase(person.email)


def _supporters_of_address_erase(email: str) -> int:
    return Supporter.objects.filter(email__iexact=email).delete()[0]


register(
    "supporter_records",
    export=_supporters_export,
    erase=_supporters_erase,
    export_address=_supporters_of_address,
    erase_address=_supporters_of_address_erase,
)

"""The exchange app's part of "download my data" and "erase my account" (privacy.registry).

Tags on people are registered by privacy/providers.py; the postal address is here.
"""

from __future__ import annotations

from exchange.models import PersonAddress
from privacy.registry import register


def _address_export(person) -> list[dict]:
    return list(
        PersonAddress.objects.filter(person=person).values("postal_code", "locality", "country")
    )


def _address_erase(person) -> int:
    return PersonAddress.objects.filter(person=person).delete()[0]


register("postal_address", export=_address_export, erase=_address_erase)

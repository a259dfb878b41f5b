"""What each app holds about a person, and how to erase it: one provider per kind of data.

Every app's part of "download my data" and "erase my account" registers here
(see privacy/providers.py), so a new kind of personal data is one more
``register`` call, next to the model that holds it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Rows = list[dict]


@dataclass(frozen=True)
class Provider:
    """One kind of personal data.

    ``export(person)`` returns rows (flat dicts of JSON-friendly values);
    ``erase(person)`` removes or anonymises them and returns how many rows it
    touched. ``export_address``/``erase_address`` do the same for data tied
    to an email address without an account (RSVPs, email sent to it); None
    when the kind never hangs off a bare address. ``order`` runs erasers in
    a safe sequence (the account itself last).
    """

    name: str
    export: Callable[[object], Rows]
    erase: Callable[[object], int]
    export_address: Callable[[str], Rows] | None = None
    erase_address: Callable[[str], int] | None = None
    order: int = 50


_providers: dict[str, Provider] = {}


def register(
    name: str,
    *,
    export: Callable[[object], Rows],
    erase: Callable[[object], int],
    export_address: Callable[[str], Rows] | None = None,
    erase_address: Callable[[str], int] | None = None,
    order: int = 50,
) -> Provider:
    """Add (or replace, by name) the provider of one kind of personal data."""
    provider = Provider(name, export, erase, export_address, erase_address, order)
    _providers[name] = provider
    return provider


def providers() -> list[Provider]:
    """Every provider, in erasing order, then by name."""
    return sorted(_providers.values(), key=lambda p: (p.order, p.name))


def address_providers() -> list[Provider]:
    return [p for p in providers() if p.export_address is not None]

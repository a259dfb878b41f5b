"""Accounts made by the frame (a role invitation accepted by someone new) without importing
the members app, which owns people: members registers its maker from ``AppConfig.ready()``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

# maker(*, email, name, password, language) -> the new person, their address verified;
# raises coalition.errors.RuleBroken (field "password" or "email") when it refuses.
AccountMaker = Callable[..., object]

_maker: AccountMaker | None = None


def account_maker_register(maker: AccountMaker) -> AccountMaker:
    global _maker
    _maker = maker
    return maker


def account_create_verified(*, email: str, name: str, password: str, language: str = ""):
    """Make an account whose address is already verified (the person proved it by the link)."""
    if _maker is None:
        raise ImproperlyConfigured("No app registered an account maker (members does, in ready()).")
    return _maker(email=email, name=name, password=password, language=language)

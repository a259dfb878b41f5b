"""What first-run setup needs from higher apps, filled in by them from their ``AppConfig.ready()``.

The frame cannot import ``members`` (accounts) or ``privacy`` (policy
versions): each registers one function here, as ``privacy/registry.py``
registers personal data. Setup asks for it by name and says clearly when an
app that should have answered is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# account(name=..., email=..., password=...) -> the new person, verified, able to log in;
# raises RuleBroken (field "email" or "password") when the account cannot be made.
AccountCreate = Callable[..., Any]
# policy(text=..., by=...) -> the published policy version; ``by`` is recorded as agreeing.
PolicyPublish = Callable[..., Any]

_account_create: AccountCreate | None = None
_policy_publish: PolicyPublish | None = None


def account_create_register(fn: AccountCreate) -> AccountCreate:
    global _account_create
    _account_create = fn
    return fn


def policy_publish_register(fn: PolicyPublish) -> PolicyPublish:
    global _policy_publish
    _policy_publish = fn
    return fn


def account_create() -> AccountCreate:
    if _account_create is None:
        raise LookupError("No app registered how to create the first steward's account.")
    return _account_create


def policy_publish() -> PolicyPublish:
    if _policy_publish is None:
        raise LookupError("No app registered how to publish the privacy policy.")
    return _policy_publish

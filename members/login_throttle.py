"""Failed logins slow down one account from one address, never lock the account itself.

allauth's default refused an account's right password for five minutes after
five wrong ones from anywhere, and every login from an address after ten
failures a minute: anyone could lock a person out, or a whole office behind
one address (issue #17). Here each (account, address) pair has its own
growing delay: after ``FREE_FAILURES`` wrong passwords the pair waits 2, 4,
8 … seconds (at most ``MAX_DELAY``) before it may try again, while the same
account from another address is untouched. The owner is told by email after
``NOTIFY_AFTER`` failures on their account within ``WINDOW`` (once per window).

State lives in the shared cache (the same one allauth's limits need).
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache

FREE_FAILURES = 3
MAX_DELAY = 15 * 60
# Failures are forgotten after this long without another one.
WINDOW = 60 * 60
NOTIFY_AFTER = 5

_PREFIX = "login-throttle"


def _now() -> float:
    return time.time()


def _digest(*parts: str) -> str:
    # Hashed: cache keys must not carry email addresses, and have a bounded length.
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:40]


def _pair_key(login: str, address: str) -> str:
    return f"{_PREFIX}:pair:{_digest(login.strip().lower(), address)}"


def _account_key(login: str) -> str:
    return f"{_PREFIX}:account:{_digest(login.strip().lower())}"


def delay_left(*, login: str, address: str) -> int:
    """Seconds this account must wait before another try from this address (0: go on)."""
    state = cache.get(_pair_key(login, address))
    if not state:
        return 0
    return max(0, int(state["until"] - _now() + 0.999))


def failure_record(*, login: str, address: str) -> bool:
    """Count a wrong password; True when the account's owner should now be told.

    The owner is told once per window, when the account's failures (from any
    address) reach ``NOTIFY_AFTER``.
    """
    key = _pair_key(login, address)
    failures = (cache.get(key) or {"failures": 0})["failures"] + 1
    delay = 0 if failures <= FREE_FAILURES else min(2 ** (failures - FREE_FAILURES), MAX_DELAY)
    cache.set(key, {"failures": failures, "until": _now() + delay}, WINDOW + delay)
    account = _account_key(login)
    cache.add(account, 0, WINDOW)
    try:
        total = cache.incr(account)
    except ValueError:  # expired between add and incr
        cache.set(account, 1, WINDOW)
        total = 1
    return total >= NOTIFY_AFTER and cache.add(f"{account}:told", 1, WINDOW)


def success_record(*, login: str, address: str) -> None:
    """The right password: this pair starts afresh (other addresses keep their count)."""
    cache.delete(_pair_key(login, address))

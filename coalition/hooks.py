"""Questions the frame asks of higher apps without importing them.

An app registers its answer from its ``AppConfig.ready()``, as it registers
home panels (``coalition/panels.py``).
"""

from __future__ import annotations

from collections.abc import Callable

from coalition.models import StatementVersion

ResignCounter = Callable[..., int]

_resign_counters: list[ResignCounter] = []


def resign_counter_register(counter: ResignCounter) -> ResignCounter:
    """``counter(version=…)`` says how many groups publishing ``version`` asks to sign again."""
    if counter not in _resign_counters:
        _resign_counters.append(counter)
    return counter


def groups_to_resign_count(*, version: StatementVersion) -> int:
    """How many groups will be asked to re-sign once ``version`` is published."""
    return sum(counter(version=version) for counter in _resign_counters)


SuppressionCheck = Callable[[str], bool]

_suppression_checks: list[SuppressionCheck] = []


def suppression_check_register(check: SuppressionCheck) -> SuppressionCheck:
    """``check(email)`` says whether the network must not write to this address."""
    if check not in _suppression_checks:
        _suppression_checks.append(check)
    return check


def address_suppressed(email: str) -> bool:
    """Whether some app keeps ``email`` from the network's email (an unsubscribe, a bounce,
    a spam complaint)."""
    return any(check(email) for check in _suppression_checks)

"""What first-run setup needs from higher apps, filled in by them from their ``AppConfig.ready()``.

The frame cannot import ``privacy`` (policy versions): it registers its
function here, as apps register personal data in ``privacy/registry.py``.
Setup asks for it by name and says clearly when an app that should have
answered is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# policy(text=..., by=...) -> the published policy version; ``by`` is recorded as agreeing.
PolicyPublish = Callable[..., Any]

_policy_publish: PolicyPublish | None = None


def policy_publish_register(fn: PolicyPublish) -> PolicyPublish:
    global _policy_publish
    _policy_publish = fn
    return fn


def policy_publish() -> PolicyPublish:
    if _policy_publish is None:
        raise LookupError("No app registered how to publish the privacy policy.")
    return _policy_publish

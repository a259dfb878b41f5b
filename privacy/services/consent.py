"""Consent to the privacy policy: recording it, and knowing who must be asked again.

Who is asked: a logged-in person with no consent to the current published
version, whether they agreed to an older one or to none (accounts made in the
admin, by ``createsuperuser``, or before a policy was published). With no
published policy, nobody is asked.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction

from coalition.models import PrivacyPolicy
from coalition.selectors import privacy_policy_current
from privacy.models import ConsentHow, ConsentRecord

CURRENT_KEY = "privacy:current-policy-number"
# Other processes learn of a new version within this time when the cache is
# per process (no Redis); with the shared cache they learn at once.
CURRENT_SECONDS = 60
# The session remembers, for the current version, whether this person has to
# be asked; the middleware then needs no query on ordinary pages.
SESSION_KEY = "privacy_consent"


def current_policy_number() -> int:
    """The number of the current published policy, 0 if none (cached)."""
    number = cache.get(CURRENT_KEY)
    if number is None:
        policy = privacy_policy_current()
        number = policy.number if policy else 0
        cache.set(CURRENT_KEY, number, CURRENT_SECONDS)
    return number


def current_policy_forget() -> None:
    """Read the current version afresh (after a publication)."""
    policy = privacy_policy_current()
    cache.set(CURRENT_KEY, policy.number if policy else 0, CURRENT_SECONDS)


def latest_consent(person) -> ConsentRecord | None:
    return (
        ConsentRecord.objects.filter(person=person)
        .select_related("policy")
        .order_by("-at", "-id")
        .first()
    )


def must_consent(person, *, current: int) -> bool:
    """Must ``person`` agree to version ``current`` before going on (0: no policy)?"""
    if not current:
        return False
    return not ConsentRecord.objects.filter(person=person, policy__number__gte=current).exists()


def session_remember(session, *, current: int, ask: bool) -> None:
    session[SESSION_KEY] = [current, ask]


def session_state(session) -> tuple[int, bool] | None:
    value = session.get(SESSION_KEY)
    if isinstance(value, list) and len(value) == 2:
        return int(value[0]), bool(value[1])
    return None


@transaction.atomic
def consent_record(
    *, policy: PrivacyPolicy, how: str, person=None, participation=None
) -> ConsentRecord:
    """Record that ``person`` (or a no-account ``participation``) agreed to ``policy``."""
    if person is not None and not getattr(person, "is_authenticated", False):
        person = None
    return ConsentRecord.objects.create(
        person=person, participation=participation, policy=policy, how=ConsentHow(how)
    )

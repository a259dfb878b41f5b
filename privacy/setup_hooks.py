"""How first-run setup publishes the coalition's privacy policy (coalition/setup_hooks.py)."""

from __future__ import annotations

from django.db import transaction

from coalition import setup_hooks
from coalition.models import PrivacyPolicy
from privacy.models import ConsentHow
from privacy.services.consent import consent_record
from privacy.services.policies import policy_draft_create, policy_publish


@transaction.atomic
def policy_publish_at_setup(*, text: str, by) -> PrivacyPolicy:
    """Draft and publish the first policy; the steward who wrote it agrees to it, so the
    consent page does not stop them on their next page."""
    policy = policy_publish(policy=policy_draft_create(text=text, by=by), by=by)
    if by is not None:
        consent_record(policy=policy, how=ConsentHow.SIGNUP, person=by)
    return policy


def register() -> None:
    setup_hooks.policy_publish_register(policy_publish_at_setup)

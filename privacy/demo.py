"""Demo data of the privacy app: the invented people agreed to the demo's policy (idempotent)."""

from __future__ import annotations

from coalition.selectors import privacy_policy_current
from members.models import User
from privacy.models import ConsentHow, ConsentRecord


def seed() -> None:
    policy = privacy_policy_current()
    if policy is None:
        return
    agreed = ConsentRecord.objects.filter(policy=policy, person__isnull=False).values("person_id")
    ConsentRecord.objects.bulk_create(
        ConsentRecord(person=person, policy=policy, how=ConsentHow.SIGNUP)
        for person in User.objects.exclude(pk__in=agreed)
    )

"""Privacy policy versions: stewards and the steering committee draft and publish them."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition import audit
from coalition.errors import RuleBroken
from coalition.models import AuditVerb, PrivacyPolicy
from privacy.models import ConsentHow, ConsentRecord, PolicyNotes
from privacy.services import consent

TEXT_MAX = 50_000


@transaction.atomic
def policy_draft_create(*, text: str, changes: str = "", by=None) -> PrivacyPolicy:
    """A new draft numbered after the highest version so far."""
    text = (text or "").strip()
    if not text:
        raise RuleBroken(_("A privacy policy needs its text."), field="text")
    if len(text) > TEXT_MAX:
        raise RuleBroken(_("The policy is too long."), field="text")
    number = (PrivacyPolicy.objects.aggregate(top=Max("number"))["top"] or 0) + 1
    policy = PrivacyPolicy.objects.create(number=number, text=text)
    PolicyNotes.objects.create(policy=policy, changes=(changes or "").strip(), drafted_by=by)
    return policy


@transaction.atomic
def policy_publish(*, policy: PrivacyPolicy, by=None) -> PrivacyPolicy:
    """Publish a draft: it becomes the policy everyone is asked to agree to.

    Earlier consents stay on record; people logged in are asked to agree to
    this version on their next page.
    """
    locked = PrivacyPolicy.objects.select_for_update().get(pk=policy.pk)
    if locked.published_at is not None:
        raise RuleBroken(_("This version is already published."))
    if PrivacyPolicy.objects.filter(number__gt=locked.number, published_at__isnull=False).exists():
        raise RuleBroken(_("A newer version is already published."))
    locked.published_at = timezone.now()
    locked.save(update_fields=["published_at"])
    PolicyNotes.objects.update_or_create(policy=locked, defaults={"published_by": by})
    audit.record(by, AuditVerb.POLICY_PUBLISHED, f"privacy policy v{locked.number}")
    transaction.on_commit(consent.current_policy_forget)
    return locked


@transaction.atomic
def consent_give(*, person, how: str = ConsentHow.RECONSENT) -> ConsentRecord | None:
    """``person`` agrees to the current version (once: a second agreement records nothing)."""
    policy = PrivacyPolicy.objects.filter(published_at__isnull=False).order_by("-number").first()
    if policy is None:
        raise RuleBroken(_("There is no privacy policy to agree to yet."))
    if ConsentRecord.objects.filter(person=person, policy=policy).exists():
        return None
    return consent.consent_record(policy=policy, how=how, person=person)

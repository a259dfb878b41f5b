"""How the privacy app hears of consent given elsewhere, of logins and of new policy versions.

Lower apps (members, actions) store the policy version a signature or an RSVP
was made under; they cannot import this app, so consent records are written
here when those rows are created.
"""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.dispatch import receiver

from actions.models import Participation
from coalition.models import PrivacyPolicy
from members.models import Signature
from privacy.models import ConsentHow
from privacy.services import consent


@receiver(post_save, sender=Signature, dispatch_uid="privacy.consent_on_signature")
def consent_on_signature(sender, *, instance: Signature, created: bool, raw=False, **kwargs):
    """Joining or signing for a group, with the policy shown on the form: consent."""
    if created and not raw and instance.privacy_policy_id and instance.signed_by_id:
        consent.consent_record(
            policy=instance.privacy_policy, how=ConsentHow.JOIN, person=instance.signed_by
        )


@receiver(post_save, sender=Participation, dispatch_uid="privacy.consent_on_rsvp")
def consent_on_rsvp(sender, *, instance: Participation, created: bool, raw=False, **kwargs):
    """An RSVP, which asks for consent to the policy: tied to the person if logged in."""
    if created and not raw and instance.privacy_policy_id:
        consent.consent_record(
            policy=instance.privacy_policy,
            how=ConsentHow.RSVP,
            person=instance.person,
            participation=instance,
        )


@receiver(post_save, sender=PrivacyPolicy, dispatch_uid="privacy.policy_saved")
def policy_saved(sender, *, instance: PrivacyPolicy, raw=False, **kwargs):
    """A version published here, in the admin or by a script: every page learns of it."""
    if not raw:
        consent.current_policy_forget()


@receiver(user_logged_in, dispatch_uid="privacy.consent_state_on_login")
def consent_state_on_login(sender, *, request, user, **kwargs):
    """Work out once per login whether the person must agree to the current version."""
    if request is None or not hasattr(request, "session"):
        return
    current = consent.current_policy_number()
    consent.session_remember(
        request.session, current=current, ask=consent.must_consent(user, current=current)
    )

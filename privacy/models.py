"""Consent to the privacy policy, and the notes that go with each policy version."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ConsentHow(models.TextChoices):
    SIGNUP = "signup", _("signing up")
    JOIN = "join", _("joining or signing for a group")
    RSVP = "rsvp", _("saying they are coming to an action")
    RECONSENT = "reconsent", _("agreeing to a new version")


class ConsentRecord(models.Model):
    """A person (or an RSVP without an account) agreed to one version of the policy.

    Records are never edited; a person's consent is their latest record. An
    RSVP made without an account is tied to its participation, not to a person.
    """

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="consents",
        verbose_name=_("person"),
    )
    participation = models.ForeignKey(
        "actions.Participation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    policy = models.ForeignKey(
        "coalition.PrivacyPolicy",
        on_delete=models.PROTECT,
        related_name="consents",
        verbose_name=_("policy version"),
    )
    how = models.CharField(_("how"), max_length=12, choices=ConsentHow.choices)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["person", "-at"], name="consent_person_at")]

    def __str__(self) -> str:
        return f"consent to v{self.policy_id} ({self.how})"


class PolicyNotes(models.Model):
    """What changed in a policy version, and who drafted and published it.

    Kept beside ``coalition.PrivacyPolicy`` (the frame's versioned text) so the
    consent page can say what is new.
    """

    policy = models.OneToOneField(
        "coalition.PrivacyPolicy", on_delete=models.CASCADE, related_name="notes"
    )
    changes = models.TextField(_("what changed"), max_length=4000, blank=True)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("policy version notes")
        verbose_name_plural = _("policy version notes")

    def __str__(self) -> str:
        return f"notes on v{self.policy_id}"

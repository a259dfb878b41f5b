"""What the network tells each person, and how: at once, in a daily or weekly digest, or on site."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", _("by email at once")
    DAILY = "daily", _("in a daily email")
    WEEKLY = "weekly", _("in a weekly email")
    SITE = "site", _("only on the site")


class DigestStatus(models.TextChoices):
    PENDING = "pending", _("to send")
    SENDING = "sending", _("being sent")
    SENT = "sent", _("sent")
    EMPTY = "empty", _("nothing to send")


class Digest(models.Model):
    """One digest email for one person and period; the unique row makes it exactly once."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests"
    )
    period = models.CharField(_("period"), max_length=10, choices=Delivery.choices)
    # The first day of the period, in the coalition's time zone.
    period_start = models.DateField(_("period start"))
    # Notifications created before this moment belong to this digest.
    cut = models.DateTimeField(_("covers until"))
    status = models.CharField(
        _("status"), max_length=10, choices=DigestStatus.choices, default=DigestStatus.PENDING
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    count = models.PositiveIntegerField(_("notifications"), default=0)

    class Meta:
        verbose_name = _("digest")
        verbose_name_plural = _("digests")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "period", "period_start"], name="digest_once_per_period"
            ),
        ]
        indexes = [models.Index(fields=["status", "claimed_at"], name="digest_status_claimed")]

    def __str__(self) -> str:
        return f"{self.period} digest of {self.period_start} for person #{self.person_id}"


class Notification(models.Model):
    """One piece of news for one person, recorded once and read on /me/notifications/."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=60)
    # Plain text, written in the recipient's language when it was recorded.
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    # What it is about ("actions.action:12"): at most one email at once per
    # person and thing an hour; the rest wait for the digest.
    about = models.CharField(max_length=100, blank=True)
    delivery = models.CharField(_("delivery"), max_length=10, choices=Delivery.choices)
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    digest = models.ForeignKey(
        Digest, on_delete=models.SET_NULL, null=True, blank=True, related_name="notifications"
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(
                fields=["delivery", "digest", "created_at"], name="notification_undigested"
            ),
            models.Index(fields=["recipient", "about", "created_at"], name="notification_about"),
        ]

    def __str__(self) -> str:
        return self.title


class NotificationChoice(models.Model):
    """How one person wants to hear of one kind of news (absent: the kind's default)."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_choices"
    )
    kind = models.CharField(_("kind"), max_length=60)
    delivery = models.CharField(_("delivery"), max_length=10, choices=Delivery.choices)

    class Meta:
        verbose_name = _("notification choice")
        verbose_name_plural = _("notification choices")
        constraints = [
            models.UniqueConstraint(fields=["person", "kind"], name="notification_choice_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.delivery}"


class BroadcastKind(models.TextChoices):
    HOST_MESSAGE = "host_message", _("hosts to the people who RSVPed")
    CANCELLATION = "cancellation", _("an action or event cancelled")
    COORDINATOR_MESSAGE = "coordinator_message", _("coordinators of a day of action")


class EmailOptOut(models.Model):
    """This address asked for no more email of this kind (one click in an email).

    For email to addresses, most without an account: hosts' and coordinators'
    messages, cancellation notices, moderation outcomes (the kinds are named in
    ``notifications.broadcasts.OPT_OUT_KINDS``).
    """

    # Lower-cased, as in BroadcastDelivery.
    email = models.EmailField()
    kind = models.CharField(_("kind"), max_length=30)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("unsubscribed address")
        verbose_name_plural = _("unsubscribed addresses")
        constraints = [
            models.UniqueConstraint(fields=["email", "kind"], name="email_opt_out_once"),
        ]

    def __str__(self) -> str:
        return f"{self.email}: no {self.kind}"


class Broadcast(models.Model):
    """A message a host or a coordinator writes to many people; one delivery row per address."""

    kind = models.CharField(_("kind"), max_length=20, choices=BroadcastKind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"), max_length=10_000)
    # Who speaks (the host group, the coalition) in the From header.
    sender_name = models.CharField(max_length=200)
    # What it is about, for the footer of each email and the link back.
    about_title = models.CharField(max_length=300, blank=True)
    about = models.CharField(max_length=100, blank=True)
    url = models.CharField(max_length=500, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Set once every delivery is sent; the sweep resumes those still unset.
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("message to many")
        verbose_name_plural = _("messages to many")
        indexes = [models.Index(fields=["sent_at", "created_at"], name="broadcast_unsent")]

    def __str__(self) -> str:
        return self.subject


class BroadcastDelivery(models.Model):
    """One address of a broadcast: claimed, then sent once (unique per broadcast and address)."""

    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="deliveries")
    # Lower-cased, so the same person is never written to twice.
    email = models.EmailField()
    name = models.CharField(max_length=150, blank=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    language = models.CharField(max_length=10, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["broadcast", "email"], name="broadcast_once_per_address"
            ),
        ]
        indexes = [
            models.Index(
                fields=["broadcast", "sent_at", "claimed_at"], name="broadcast_delivery_due"
            )
        ]

    def __str__(self) -> str:
        return f"{self.broadcast_id} → {self.email}"

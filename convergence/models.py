"""Days of action: a window in which the whole network acts, its toolkit, and the
local events groups register for it."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DayStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    OPEN = "open", _("open for registration")
    LIVE = "live", _("live")
    CLOSED = "closed", _("closed")
    REPORTED = "reported", _("reported")


class DayOfAction(models.Model):
    """A day (or week) of action: a window, a target, an ask, covered places and goals."""

    title = models.CharField(_("title"), max_length=160)
    slug = models.SlugField(_("address"), max_length=80, unique=True)
    purpose = models.TextField(_("purpose"), max_length=4000)
    target = models.CharField(
        _("target"), max_length=300, help_text=_("Who or what the day presses.")
    )
    ask = models.TextField(_("the ask"), max_length=2000)
    starts_at = models.DateTimeField(_("window opens"))
    ends_at = models.DateTimeField(_("window closes"))
    places = models.ManyToManyField(
        "coalition.Place", related_name="days_of_action", verbose_name=_("places covered")
    )
    hub_groups = models.ManyToManyField(
        "members.Group", blank=True, related_name="hub_of", verbose_name=_("hub groups")
    )
    goal_events = models.PositiveIntegerField(_("goal: events"), null=True, blank=True)
    goal_participants = models.PositiveIntegerField(_("goal: participants"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DayStatus.choices, default=DayStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Totals of outcomes, computed once when the window closes.
    totals_at = models.DateTimeField(null=True, blank=True)
    total_events = models.PositiveIntegerField(null=True, blank=True)
    total_participants = models.PositiveIntegerField(null=True, blank=True)
    total_letters = models.PositiveIntegerField(null=True, blank=True)
    total_signatures = models.PositiveIntegerField(null=True, blank=True)
    total_media = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("day of action")
        verbose_name_plural = _("days of action")
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["status", "starts_at"], name="day_status_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="day_window_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ToolkitKind(models.TextChoices):
    TALKING_POINTS = "points", _("talking points")
    GUIDE = "guide", _("how-to guide")
    GRAPHIC = "graphic", _("graphic")
    FILE = "file", _("file")
    LINK = "link", _("link")


class ToolkitItem(models.Model):
    """One piece of the toolkit; its content lives in versions, the newest is shown."""

    day = models.ForeignKey(DayOfAction, on_delete=models.CASCADE, related_name="toolkit")
    kind = models.CharField(_("kind"), max_length=10, choices=ToolkitKind.choices)
    title = models.CharField(_("title"), max_length=160)
    position = models.PositiveSmallIntegerField(default=0)
    current = models.ForeignKey(
        "convergence.ToolkitVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("toolkit item")
        verbose_name_plural = _("toolkit items")
        ordering = ["day", "position", "id"]

    def __str__(self) -> str:
        return self.title


def toolkit_upload_to(version: ToolkitVersion, filename: str) -> str:
    return f"toolkit/{version.item.day_id}/{version.item_id}/{filename}"


class ToolkitVersion(models.Model):
    """An earlier or current version of a toolkit item: kept, never overwritten."""

    item = models.ForeignKey(ToolkitItem, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    # The file's address (/days/<slug>/toolkit/files/<key>/): random, so files cannot
    # be walked by number; the day's visibility still decides who may download.
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    text = models.TextField(_("text"), max_length=20_000, blank=True)
    url = models.URLField(_("link"), blank=True)
    file = models.FileField(_("file"), upload_to=toolkit_upload_to, blank=True, max_length=300)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("toolkit version")
        verbose_name_plural = _("toolkit versions")
        ordering = ["item", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="toolkit_version_number"),
        ]

    def __str__(self) -> str:
        return f"{self.item} v{self.number}"


class Event(models.Model):
    """A group's local event for a day of action: an action of the actions app, linked."""

    day = models.ForeignKey(DayOfAction, on_delete=models.CASCADE, related_name="events")
    action = models.OneToOneField(
        "actions.Action", on_delete=models.CASCADE, related_name="day_event"
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    registered_at = models.DateTimeField(default=timezone.now)
    # The host's checklist: {item key: done?}
    checklist = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("registered event")
        verbose_name_plural = _("registered events")
        indexes = [models.Index(fields=["day", "registered_at"], name="event_day_registered")]

    def __str__(self) -> str:
        return f"{self.action} ({self.day})"


class NoticeKind(models.TextChoices):
    RSVP_REMINDER = "rsvp_reminder", _("reminder to a person who RSVPed")
    HOST_REMINDER = "host_reminder", _("reminder to a host")
    HOST_FOLLOW_UP = "host_follow_up", _("follow-up to a host")


class NoticeSent(models.Model):
    """One reminder or follow-up to one address about one event: claimed, then sent once."""

    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="notices")
    email = models.EmailField()
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("reminder or follow-up")
        verbose_name_plural = _("reminders and follow-ups")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "event", "email"], name="notice_once_per_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.email}"

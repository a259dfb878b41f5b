"""Success: wins, climate signals, monthly rollups of the network's figures, and reports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WinLevel(models.TextChoices):
    PARTIAL = "partial", _("partial")
    FULL = "full", _("full")


class Win(models.Model):
    """Something the coalition set out to change, changed."""

    title = models.CharField(_("title"), max_length=200)
    won_on = models.DateField(_("date"))
    place = models.ForeignKey(
        "coalition.Place", on_delete=models.PROTECT, related_name="wins", verbose_name=_("place")
    )
    level = models.CharField(_("level"), max_length=10, choices=WinLevel.choices)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    evidence_url = models.URLField(_("evidence"), blank=True)
    days_of_action = models.ManyToManyField(
        "convergence.DayOfAction", blank=True, related_name="wins", verbose_name=_("days of action")
    )
    actions = models.ManyToManyField(
        "actions.Action", blank=True, related_name="wins", verbose_name=_("actions")
    )
    shifted_climate = models.BooleanField(_("shifted the political climate"), default=False)
    is_public = models.BooleanField(_("show on the public impact page"), default=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("win")
        verbose_name_plural = _("wins")
        ordering = ["-won_on", "-id"]
        indexes = [models.Index(fields=["won_on"], name="win_won_on")]

    def __str__(self) -> str:
        return self.title


class SignalKind(models.TextChoices):
    MEDIA = "media", _("media")
    LEGISLATOR = "legislator", _("legislator")
    POLL = "poll", _("poll")
    OTHER = "other", _("other")


class Stance(models.TextChoices):
    SUPPORTIVE = "supportive", _("supportive")
    NEUTRAL = "neutral", _("neutral")
    OPPOSED = "opposed", _("opposed")


class ClimateSignal(models.Model):
    """What media and legislators are saying: the political climate, one reading at a time."""

    kind = models.CharField(_("kind"), max_length=12, choices=SignalKind.choices)
    source = models.CharField(_("outlet or person"), max_length=200)
    said_on = models.DateField(_("date"))
    stance = models.CharField(_("stance"), max_length=12, choices=Stance.choices)
    url = models.URLField(_("link"), blank=True)
    summary = models.TextField(_("summary"), max_length=2000, blank=True)
    place = models.ForeignKey(
        "coalition.Place",
        on_delete=models.PROTECT,
        related_name="climate_signals",
        verbose_name=_("place"),
    )
    day_of_action = models.ForeignKey(
        "convergence.DayOfAction",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="climate_signals",
        verbose_name=_("related day of action"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("climate signal")
        verbose_name_plural = _("climate signals")
        ordering = ["-said_on", "-id"]
        indexes = [models.Index(fields=["said_on", "stance"], name="signal_said_on_stance")]

    def __str__(self) -> str:
        return f"{self.source} ({self.get_stance_display()})"


class Rollup(models.Model):
    """One figure of one month in one place, kept up to date so the dashboard never
    scans raw tables: ``value`` of ``metric`` (with an optional ``key``, e.g. a kind
    or a stance) for ``month`` in ``place`` (its own records only, not its subtree;
    a subtree is a SUM over rows whose place path starts with the place's path).
    """

    metric = models.CharField(max_length=40)
    key = models.CharField(max_length=40, blank=True)
    month = models.DateField()
    place = models.ForeignKey(
        "coalition.Place", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    place_path = models.CharField(max_length=255, blank=True, default="")
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            # place_path is "" for the whole network, so no NULL takes part.
            models.UniqueConstraint(
                fields=["metric", "key", "month", "place_path"], name="rollup_one_row"
            ),
        ]
        indexes = [
            models.Index(fields=["metric", "month"], name="rollup_metric_month"),
            models.Index(
                fields=["place_path"], name="rollup_place_path", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric}[{self.key}] {self.month:%Y-%m} = {self.value}"


class RollupTotal(models.Model):
    """The rollups summed over each place's whole subtree (``scope`` is the place's id)
    and over the whole network (``scope`` 0): what the dashboard reads, one index
    range per request (``scope = X AND month BETWEEN …``) whatever the network's size.

    Written by ``reporting.rollups.rollup_totals_write`` from the rollups, in the
    same transaction; ties (pairs of groups) are not summed here.
    """

    scope = models.IntegerField()
    month = models.DateField()
    metric = models.CharField(max_length=40)
    key = models.CharField(max_length=40, blank=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "month", "metric", "key"], name="rollup_total_one_row"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric}[{self.key}] {self.month:%Y-%m} in {self.scope} = {self.value}"


class RollupState(models.Model):
    """One row: a token that changes whenever the rollups do, so cached dashboard
    answers (keyed by it) are never read after the figures behind them changed."""

    token = models.CharField(max_length=32)
    refreshed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"rollups {self.token} at {self.refreshed_at:%Y-%m-%d %H:%M}"


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    BUILDING = "building", _("building")
    READY = "ready", _("ready")
    FAILED = "failed", _("failed")


class Report(models.Model):
    """A generated full report: a PDF and a bundle of CSVs, kept for download."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    schedule = models.ForeignKey(
        "reporting.ReportSchedule",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
    )
    place = models.ForeignKey(
        "coalition.Place", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(
        max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    pdf = models.FileField(upload_to="reports/", blank=True, max_length=300)
    bundle = models.FileField(upload_to="reports/", blank=True, max_length=300)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Report {self.period_start} – {self.period_end} ({self.status})"


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("weekly")
    MONTHLY = "monthly", _("monthly")


class ReportSchedule(models.Model):
    """The steering committee's standing order for a report, emailed to chosen people."""

    frequency = models.CharField(_("how often"), max_length=10, choices=Frequency.choices)
    place = models.ForeignKey(
        "coalition.Place",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("narrowed to"),
    )
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="report_schedules", verbose_name=_("send to")
    )
    is_active = models.BooleanField(_("active"), default=True)
    next_run_on = models.DateField(_("next report on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("report schedule")
        verbose_name_plural = _("report schedules")

    def __str__(self) -> str:
        return f"{self.get_frequency_display()} report"

"""Tags on people and groups, and the postal details that organising tools exchange.

Accounts (``members.User``) hold a name, an email address and a phone; the
postal code, town and country that OSDI and CSV files carry live here, one row
per person or group, so the members app stays as it is.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coalition.models import ImportRun, ImportStatus


class Tag(models.Model):
    """A label organisers put on people and groups ("volunteer", "donor 2026")."""

    name = models.CharField(_("name"), max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="tag_name_unique_ignoring_case"),
        ]

    def __str__(self) -> str:
        return self.name


class Tagging(models.Model):
    """A tag on a person (OSDI's tagging)."""

    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="taggings")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="taggings"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("tagging")
        verbose_name_plural = _("taggings")
        constraints = [
            models.UniqueConstraint(fields=["tag", "person"], name="tagging_once_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.tag} on person #{self.person_id}"


class GroupTagging(models.Model):
    """A tag on a group (CSV exchange of groups)."""

    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="group_taggings")
    group = models.ForeignKey("members.Group", on_delete=models.CASCADE, related_name="taggings")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("group tagging")
        verbose_name_plural = _("group taggings")
        constraints = [
            models.UniqueConstraint(fields=["tag", "group"], name="grouptagging_once_per_group"),
        ]

    def __str__(self) -> str:
        return f"{self.tag} on {self.group_id}"


class PersonAddress(models.Model):
    """Where a person lives, as far as other tools tell us: postal code, town, country."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="postal_address"
    )
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    locality = models.CharField(_("town or city"), max_length=120, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("postal address")
        verbose_name_plural = _("postal addresses")

    def __str__(self) -> str:
        return f"person #{self.person_id}: {self.postal_code}"


class GroupAddress(models.Model):
    """A group's postal code, as exchanged in CSV files."""

    group = models.OneToOneField(
        "members.Group", on_delete=models.CASCADE, related_name="postal_address"
    )
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("group postal address")
        verbose_name_plural = _("group postal addresses")

    def __str__(self) -> str:
        return f"group #{self.group_id}: {self.postal_code}"


class Supporter(models.Model):
    """A person on one group's own list, as its organising tools sent them (OSDI, CSV).

    Not an account: a group keeps and edits its supporters, and only its own;
    an account is changed only by its owner. The same address may be a
    supporter of several groups, each record the group's own.
    """

    group = models.ForeignKey("members.Group", on_delete=models.CASCADE, related_name="supporters")
    email = models.EmailField(_("email address"))
    given_name = models.CharField(_("given name"), max_length=150, blank=True)
    family_name = models.CharField(_("family name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    locality = models.CharField(_("town or city"), max_length=120, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="supporters")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("supporter")
        verbose_name_plural = _("supporters")
        constraints = [
            models.UniqueConstraint(
                "group", Lower("email"), name="supporter_once_per_group_ignoring_case"
            ),
        ]

    def __str__(self) -> str:
        return f"supporter #{self.pk} of group #{self.group_id}"


class Source(models.Model):
    """Another OSDI server whose events this network shows: a member group's Action
    Network, another coalition running this app (``is_federation``), any OSDI 1.x API.

    Its events become ``actions.Action`` rows carrying ``origin_system`` =
    ``Source.origin_system``; the actions app never points back here.
    """

    name = models.CharField(_("name"), max_length=160)
    entry_point = models.URLField(
        _("OSDI entry point"),
        max_length=500,
        help_text=_("For example https://actionnetwork.org/api/v2/ or another coalition's "
                    "/api/osdi/v1/."),
    )  # fmt: skip
    # Fernet token of the API key (exchange/keys.py); never shown again.
    api_key_encrypted = models.TextField(blank=True, editable=False)
    group = models.ForeignKey(
        "members.Group",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sources",
        verbose_name=_("group"),
        help_text=_("The group whose events these are; empty for a followed network."),
    )
    place = models.ForeignKey(
        "coalition.Place",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("place"),
        help_text=_("Where the imported events are shown on the network's lists and map."),
    )
    is_federation = models.BooleanField(
        _("another coalition we follow"),
        default=False,
        help_text=_("Its public events are shown marked with its name and counted apart."),
    )
    network_name = models.CharField(_("the other network's name"), max_length=160, blank=True)
    take_events = models.BooleanField(_("take its events"), default=True)
    tag = models.CharField(
        _("only events with this tag"), max_length=100, blank=True,
        help_text=_("Leave empty to take every event."),
    )  # fmt: skip
    window_start = models.DateField(_("only events from"), null=True, blank=True)
    window_end = models.DateField(_("only events until"), null=True, blank=True)
    counts_in_figures = models.BooleanField(
        _("count its events in our figures"),
        default=False,
        help_text=_("Off: the dashboard counts them apart, never mixed into the network's own."),
    )
    # The rule: imported events tagged ``attach_tag`` inside the day's window join the day.
    attach_day = models.ForeignKey(
        "convergence.DayOfAction",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("add to this day of action"),
    )
    attach_tag = models.CharField(
        _("when tagged"), max_length=100, blank=True,
        help_text=_("Events with this tag, inside the day's window, are added to the day."),
    )  # fmt: skip
    # Set once: the value imported actions carry in origin_system.
    origin_system = models.CharField(max_length=220, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The last run: when, how it ended, what it changed.
    last_sync_at = models.DateTimeField(_("last sync"), null=True, blank=True)
    last_good_sync_at = models.DateTimeField(_("last good sync"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    failures = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    cancelled_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    # The newest remote modified_date seen: the next run asks only for what changed after.
    watermark = models.DateTimeField(null=True, blank=True)
    filter_supported = models.BooleanField(default=True)
    # A run claims the source, so two workers never sync it at once.
    sync_claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def shown_name(self) -> str:
        """How imported events are marked: the other network's name, else the source's."""
        return self.network_name or self.name

    @property
    def has_key(self) -> bool:
        return bool(self.api_key_encrypted)


# The statuses are shared with the prospect import (coalition.models.ImportRun).
CsvImportStatus = ImportStatus


class CsvImport(ImportRun):
    """A CSV file too long to import during the request, imported by a worker (issue #17).

    ``text`` holds the file only until the import ends: it is personal data, and
    is cleared when the row is done or failed.
    """

    kind = models.CharField(
        _("kind"), max_length=10, choices=[("people", _("people")), ("groups", _("groups"))]
    )
    text = models.TextField(blank=True)
    updated_count = models.PositiveIntegerField(default=0)

    class Meta(ImportRun.Meta):
        verbose_name = _("CSV import")
        verbose_name_plural = _("CSV imports")

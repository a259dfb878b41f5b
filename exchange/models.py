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

"""The network's frame: the coalition itself and the roles people hold in it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Coalition(models.Model):
    """The one coalition this installation runs (a single row, pk=1)."""

    name = models.CharField(_("name"), max_length=120)
    cause = models.CharField(
        _("cause"), max_length=240, help_text=_("One sentence people remember.")
    )
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("coalition")
        verbose_name_plural = _("coalition")
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="coalition_is_single_row"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.pk = 1
        super().save(*args, **kwargs)


class Role(models.TextChoices):
    WEAVER = "weaver", _("weaver")
    COORDINATOR = "coordinator", _("coordinator")
    FACILITATOR = "facilitator", _("facilitator")
    STEWARD = "steward", _("network steward")
    STEERING = "steering", _("steering committee member")


class NetworkRole(models.Model):
    """A role a person holds in the network; roles decide what they see and do."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="network_roles",
        verbose_name=_("person"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("granted by"),
    )

    class Meta:
        verbose_name = _("network role")
        verbose_name_plural = _("network roles")
        constraints = [
            models.UniqueConstraint(fields=["person", "role"], name="network_role_once_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.get_role_display()}"

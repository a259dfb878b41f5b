"""Kinds of news that the lower apps' events make, and the receivers that record them.

The frame and the members app cannot call ``notify`` (it sits above them);
they send signals, handled here.
"""

from __future__ import annotations

from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from coalition import signals as coalition_signals
from notifications.models import Delivery
from notifications.registry import register
from notifications.services import notify

ROLE_GIVEN = register(
    "role_given",
    label=_("A network role given to you"),
    template="notifications/kinds/role_given.txt",
    default=Delivery.IMMEDIATE,
)


@receiver(coalition_signals.role_granted)
def tell_of_role(sender, *, person, role, by=None, **kwargs) -> None:
    from django.urls import reverse

    from coalition.models import Role

    notify(
        recipients=[person],
        kind=ROLE_GIVEN.name,
        about=f"role:{role}",
        url=reverse("home"),
        context={"role": Role(role).label, "by": by},
        exclude=[by] if by is not None and by.pk != person.pk else [],
    )

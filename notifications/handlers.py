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


def _nobody(person) -> bool:
    # Copies of messages sent by email: kept on the site, never a setting to change.
    return False


BROADCAST_SENT = register(
    "broadcast_sent",
    label=_("A copy of a message you sent to many"),
    template="notifications/kinds/broadcast_sent.txt",
    default=Delivery.SITE,
    for_person=_nobody,
)
BROADCAST_RECEIVED = register(
    "broadcast_received",
    label=_("A message from hosts or coordinators (also sent by email)"),
    template="notifications/kinds/broadcast_received.txt",
    default=Delivery.SITE,
    for_person=_nobody,
)
MEETING_FOLLOW_UP = register(
    "meeting_follow_up",
    label=_("A 1-1 meeting's follow-up is due"),
    template="notifications/kinds/meeting_follow_up.txt",
    default=Delivery.IMMEDIATE,
)

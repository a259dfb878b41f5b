"""The news days of action send to the notification centre, and who hears it.

Registered once from ``ConvergenceConfig.ready``: a day published in a
group's places reaches its admins and contacts at once; a change to a
published day, in the daily digest.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from actions.notification_kinds import acting_people
from convergence.models import DayOfAction
from members.models import Group, Stage, User
from notifications.models import Delivery
from notifications.registry import register
from notifications.services import notify

SIGNED = (Stage.ALIGNED, Stage.PRODUCING)

DAY_PUBLISHED = register(
    "day_published",
    label=_("A day of action published in your places"),
    template="notifications/kinds/day_published.txt",
    default=Delivery.IMMEDIATE,
)
DAY_CHANGED = register(
    "day_changed",
    label=_("A day of action in your places changed"),
    template="notifications/kinds/day_changed.txt",
    default=Delivery.DAILY,
)


def signed_groups_in(day: DayOfAction) -> list[int]:
    """Signed groups whose place is in (or under) one of the day's places (two queries)."""
    inside = Q(pk__in=[])
    for place in day.places.all():
        inside |= Q(place__path__startswith=place.path)
    return list(Group.objects.filter(inside, stage__in=SIGNED).values_list("pk", flat=True))


def people_of_the_day(day: DayOfAction) -> list[User]:
    return acting_people(signed_groups_in(day))


def _url(day: DayOfAction) -> str:
    from convergence.services.days import day_path

    return day_path(day)


def tell_published(*, day: DayOfAction, by: User) -> None:
    """Recorded for the site: the announcement (an outreach email to these same
    people, sent at once by ``day_publish``) is the email, so no second one."""
    notify(
        delivery=Delivery.SITE,
        recipients=people_of_the_day(day),
        kind=DAY_PUBLISHED.name,
        about=day,
        url=_url(day),
        context={"day": day},
        exclude=[by],
    )


def tell_changed(*, day: DayOfAction, by: User) -> None:
    notify(
        recipients=people_of_the_day(day),
        kind=DAY_CHANGED.name,
        about=day,
        url=_url(day),
        context={"day": day},
        exclude=[by],
    )

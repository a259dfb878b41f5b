"""Coordinators speak: from a day's coordination view, a message to one audience.

The audiences are the day's own lists (convergence/selectors_coordinate.py):
the hosts of its registered events, the signed groups in places without an
event, the signed groups not registered yet. Each person is written to once,
through the delivery rows of notifications/broadcasts.py.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actions.notification_kinds import acting_people
from coalition.errors import RuleBroken
from coalition.mail import coalition_name
from coalition.permissions import can_coordinate
from convergence.models import DayOfAction
from convergence.selectors_coordinate import (
    groups_not_registered,
    live_events,
    places_without_event,
)
from convergence.services.days import ANNOUNCED_STAGES, day_path
from members.models import Group, Membership, User
from notifications.broadcasts import Addressee, broadcast_check, broadcast_create
from notifications.models import Broadcast, BroadcastKind

AUDIENCES = {
    "hosts": gettext_lazy("the hosts of the registered events"),
    "places_without_event": gettext_lazy("the signed groups in places without an event"),
    "not_registered": gettext_lazy("the signed groups that have not registered an event"),
}


def _hosts(day: DayOfAction) -> list[User]:
    """Who may edit each live event: its group's admins and contacts, and who posted it."""
    events = list(live_events(day).values_list("action__host_group_id", "action__created_by_id"))
    people = acting_people({group for group, _poster in events})
    known = {person.pk for person in people}
    posters = {poster for _group, poster in events if poster and poster not in known}
    if posters:
        still_in = Membership.objects.filter(
            person_id=OuterRef("pk"), group_id__in={group for group, _poster in events}
        )
        people += list(User.objects.filter(pk__in=posters, is_active=True).filter(Exists(still_in)))
    return people


def audience_people(day: DayOfAction, audience: str) -> list[User]:
    """The people behind one audience of the day (a fixed number of queries)."""
    if audience == "hosts":
        return _hosts(day)
    if audience == "places_without_event":
        places = places_without_event(day).values("pk")
        groups = Group.objects.filter(place__in=places, stage__in=ANNOUNCED_STAGES)
        return acting_people(groups.values_list("pk", flat=True))
    if audience == "not_registered":
        return acting_people(groups_not_registered(day).values_list("pk", flat=True))
    raise RuleBroken(_("Choose who to write to."), field="audience")


@transaction.atomic
def coordinator_message_send(
    *, day: DayOfAction, by: User, audience: str, subject: str, body: str
) -> Broadcast:
    """A coordinator writes to one audience of the day; each person gets it once."""
    if not can_coordinate(by):
        raise RuleBroken(_("Only coordinators and the steering committee write to the groups."))
    broadcast_check(subject=subject, body=body)
    people = audience_people(day, audience)
    if not people:
        raise RuleBroken(_("Nobody is in that audience for now."), field="audience")
    return broadcast_create(
        kind=BroadcastKind.COORDINATOR_MESSAGE,
        by=by,
        subject=subject,
        body=body,
        addressees=[Addressee(email=p.email, name=p.name, person=p) for p in people],
        sender_name=coalition_name(),
        about=day,
        about_title=day.title,
        url=day_path(day),
    )

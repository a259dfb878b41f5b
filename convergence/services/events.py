"""Groups register local events for a day of action; hosts tick their checklist."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import formats, timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actions.services.posting import action_create
from coalition.errors import RuleBroken
from coalition.models import Place
from coalition.permissions import (
    can_coordinate,
    can_edit_action,
    can_post_action_for,
    is_group_member,
)
from convergence.models import DayOfAction, DayStatus, Event
from members.models import Group

# Registration is open from publication until the window closes.
REGISTERING = (DayStatus.OPEN, DayStatus.LIVE)

# The host's checklist: the keys are stored in Event.checklist, the labels shown.
CHECKLIST: list[tuple[str, str]] = [
    ("venue", gettext_lazy("Book the venue")),
    ("invite", gettext_lazy("Invite your members")),
    ("share", gettext_lazy("Share the event")),
    ("talking_points", gettext_lazy("Prepare talking points")),
    ("report", gettext_lazy("Report outcomes after the event")),
]
CHECKLIST_KEYS = tuple(key for key, _label in CHECKLIST)


def _local(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def not_covered_message(place_name: str, covered: list[str]) -> str:
    """Why a place is refused for a day of action, naming the places the day covers."""
    return _("%(place)s is not covered by this day of action; it covers %(covered)s.") % {
        "place": place_name,
        "covered": get_text_list(covered, _("and")),
    }


def _in_covered_places(place: Place, covered: list[Place]) -> bool:
    return any(place.path.startswith(root.path) for root in covered)


def event_check_fits(
    *, day: DayOfAction, place: Place, starts_at: datetime, ends_at: datetime
) -> None:
    """RuleBroken, on the field at fault, unless the event is inside the window and the places."""
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise RuleBroken(_("Give the time zone of the start and end."), field="starts_at")
    outside = _("The event must take place between %(start)s and %(end)s.") % {
        "start": _local(day.starts_at),
        "end": _local(day.ends_at),
    }
    if starts_at < day.starts_at or starts_at > day.ends_at:
        raise RuleBroken(outside, field="starts_at")
    if ends_at > day.ends_at:
        raise RuleBroken(outside, field="ends_at")
    covered = list(day.places.only("id", "name", "path"))
    if not _in_covered_places(place, covered):
        raise RuleBroken(
            not_covered_message(place.name, [root.name for root in covered]), field="place"
        )


@transaction.atomic
def event_register(*, day: DayOfAction, group: Group, by, **action_fields) -> Event:
    """Post ``group``'s action for the day and link it as the day's event.

    ``action_fields`` are those of ``actions.services.posting.action_create``
    (title, kind, place, starts_at, ends_at, description, address, latitude,
    longitude, visibility, capacity, tactic); its rules apply too.
    """
    # Locked, so a coordinator moving the window at the same moment is either
    # seen whole or waits: an event never slips outside an edited day.
    locked = DayOfAction.objects.select_for_update().get(pk=day.pk)
    if locked.status not in REGISTERING:
        raise RuleBroken(_("This day of action is not open for registration."))
    if not can_post_action_for(by, group):
        if is_group_member(by, group):
            raise RuleBroken(
                _("Your group must sign the unity statement before it registers events."),
                field="group",
            )
        raise RuleBroken(_("Only members of a group can register events for it."), field="group")
    event_check_fits(
        day=locked,
        place=action_fields["place"],
        starts_at=action_fields["starts_at"],
        ends_at=action_fields["ends_at"],
    )
    action = action_create(group=group, by=by, **action_fields)
    return Event.objects.create(day=locked, action=action, registered_by=by)


def can_host_event(user, event: Event) -> bool:
    """The host page: whoever may edit the event's action, and coordinators."""
    return can_edit_action(user, event.action) or can_coordinate(user)


@transaction.atomic
def event_checklist_update(*, event: Event, by, done: list[str] | set[str]) -> Event:
    """Record which checklist items the host has done (the others are not done)."""
    if not can_host_event(by, event):
        raise RuleBroken(_("Only the event's hosts tick its checklist."))
    unknown = set(done) - set(CHECKLIST_KEYS)
    if unknown:
        raise RuleBroken(_("That is not an item of the checklist."), field="done")
    checklist = {key: key in done for key in CHECKLIST_KEYS}
    Event.objects.filter(pk=event.pk).update(checklist=checklist)
    event.checklist = checklist
    return event

"""Posting and editing actions: any member of a signed group, without approval."""

from __future__ import annotations

import re
from datetime import datetime

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from actions.models import Action, ActionStatus, Tactic, Visibility
from coalition.errors import RuleBroken
from coalition.permissions import can_post_action_for, is_group_member
from coalition.time_zones import is_time_zone, place_time_zone
from members.models import Group
from members.services.groups import group_first_action

# Posting is open to every member, so it is rate-limited per person to stop
# a compromised or angry account flooding the network.
POSTS_PER_HOUR = 20

# C0 control characters but tab and line feed: XML 1.0 (the Atom feed) refuses
# them, email headers break on carriage returns, and nobody types them.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f]")
TEXT_FIELDS = ("title", "description", "address", "story")


def without_control_characters(text: str) -> str:
    """``text`` without C0 control characters other than tab and line feed."""
    return _CONTROL_CHARACTERS.sub("", text or "")


def _check_rate(person) -> None:
    key = f"actions:posts:{person.pk}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        count = 1
    if count > POSTS_PER_HOUR:
        raise RuleBroken(
            _("You have posted %(limit)s actions in the last hour. Please wait a little.")
            % {"limit": POSTS_PER_HOUR}
        )


def _check_fields(
    *, starts_at: datetime, ends_at: datetime, latitude, longitude, capacity, rsvp_count: int = 0
) -> None:
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise RuleBroken(_("Give the time zone of the start and end."), field="starts_at")
    if ends_at < starts_at:
        raise RuleBroken(_("The action cannot end before it starts."), field="ends_at")
    if (latitude is None) != (longitude is None):
        raise RuleBroken(_("Give both latitude and longitude, or neither."), field="latitude")
    if latitude is not None and not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise RuleBroken(
            _("Those coordinates are not on Earth: latitude is between -90 and 90, "
              "longitude between -180 and 180."),
            field="latitude",
        )  # fmt: skip
    if capacity is not None and capacity < rsvp_count:
        raise RuleBroken(
            _("%(count)s people have already said they are coming: the capacity cannot be lower.")
            % {"count": rsvp_count},
            field="capacity",
        )


def _checked_time_zone(name: str, place) -> str:
    """``name`` if it is a time zone; empty means the place's (then the coalition's)."""
    name = (name or "").strip()
    if not name:
        return place_time_zone(place)
    if not is_time_zone(name):
        raise RuleBroken(
            _("“%(zone)s” is not a time zone; write it like Europe/Paris or America/Montreal.")
            % {"zone": name},
            field="time_zone",
        )
    return name


def _check_visibility(group: Group, visibility: str) -> None:
    if visibility == Visibility.PUBLIC and group.needs_resign:
        raise RuleBroken(
            _("%(group)s has not signed the current statement, so its actions cannot be "
              "public yet. Sign it, or post for the network only.") % {"group": group.name},
            field="visibility",
        )  # fmt: skip


@transaction.atomic
def action_create(
    *,
    group: Group,
    by,
    title: str,
    kind: str,
    place,
    starts_at: datetime,
    ends_at: datetime,
    description: str = "",
    tactic: Tactic | None = None,
    address: str = "",
    latitude=None,
    longitude=None,
    visibility: str = Visibility.PUBLIC,
    capacity: int | None = None,
    time_zone: str = "",
) -> Action:
    """Post an action for ``group``; its first action makes an aligned group producing.

    Without a ``time_zone`` it takes its place's (then the coalition's).
    """
    if not can_post_action_for(by, group):
        if is_group_member(by, group):
            raise RuleBroken(_("Your group must sign the unity statement before it posts actions."))
        raise RuleBroken(_("Only members of a group can post actions for it."))
    _check_fields(
        starts_at=starts_at, ends_at=ends_at, latitude=latitude, longitude=longitude,
        capacity=capacity,
    )  # fmt: skip
    _check_visibility(group, visibility)
    title = without_control_characters(title).strip()
    if not title:
        raise RuleBroken(_("Give the action a title."), field="title")
    time_zone = _checked_time_zone(time_zone, place)
    _check_rate(by)
    action = Action.objects.create(
        host_group=group,
        created_by=by,
        title=title,
        kind=kind,
        tactic=tactic,
        place=place,
        description=without_control_characters(description),
        address=without_control_characters(address),
        latitude=latitude,
        longitude=longitude,
        starts_at=starts_at,
        ends_at=ends_at,
        visibility=visibility,
        capacity=capacity,
        time_zone=time_zone,
    )
    group_first_action(group=group, by=by)
    return action


def imported_refusal(action: Action) -> str:
    """Why an imported action cannot be edited here."""
    return _(
        "This action was imported from %(origin)s: it cannot be edited here. Change it "
        "where it was posted, then re-import (sync the source) to change it here."
    ) % {"origin": action.origin_name or action.origin_system}


EDITABLE = (
    "title", "description", "kind", "tactic", "place", "address", "latitude", "longitude",
    "starts_at", "ends_at", "visibility", "capacity", "status", "time_zone",
)  # fmt: skip
# What a calendar entry shows: changing one raises the action's SEQUENCE.
IN_CALENDARS = (
    "title", "description", "place", "address", "latitude", "longitude", "starts_at", "ends_at",
    "status", "time_zone",
)  # fmt: skip
OUTCOMES = ("participants", "letters_sent", "signatures_gathered", "media_pieces", "story")


@transaction.atomic
def action_update(*, action: Action, by, **changes) -> Action:
    """Change an action's details or record its outcomes (same rules as posting).

    Cancelling it here (the API's way) tells the people coming and its
    partners, as the page's ``action_cancel`` does, without a message.
    A change that calendars show (time, place, title, status…) raises its
    ``sequence``, so subscribed calendars replace their copy.
    """
    unknown = set(changes) - set(EDITABLE) - set(OUTCOMES)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    locked = Action.objects.select_for_update().select_related("host_group").get(pk=action.pk)
    was = locked.status
    before = {name: getattr(locked, name) for name in IN_CALENDARS}
    if locked.is_imported:
        raise RuleBroken(imported_refusal(locked))
    for name, value in changes.items():
        if name == "time_zone":
            value = _checked_time_zone(value, locked.place)
        if name in TEXT_FIELDS and isinstance(value, str):
            value = without_control_characters(value)
            value = value.strip() if name == "title" else value
        setattr(locked, name, value)
    if not locked.title:
        raise RuleBroken(_("Give the action a title."), field="title")
    _check_fields(
        starts_at=locked.starts_at, ends_at=locked.ends_at, latitude=locked.latitude,
        longitude=locked.longitude, capacity=locked.capacity, rsvp_count=locked.rsvp_count,
    )  # fmt: skip
    if "visibility" in changes:
        _check_visibility(locked.host_group, locked.visibility)
    reported = any(changes.get(name) for name in OUTCOMES)
    if reported and locked.status == ActionStatus.PLANNED and locked.ends_at <= timezone.now():
        locked.status = ActionStatus.DONE
    if any(getattr(locked, name) != value for name, value in before.items()):
        locked.sequence += 1
    locked.save()
    if was != ActionStatus.CANCELLED and locked.status == ActionStatus.CANCELLED:
        from actions.services.speaking import cancellation_notices_send

        cancellation_notices_send(action=locked, by=by)
    return locked

"""Relational meetings, the leadership ladder, skills and trainings."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition.errors import RuleBroken
from coalition.permissions import can_weave
from members.models import (
    Group,
    LadderLevel,
    LadderStep,
    Membership,
    RelationalMeeting,
    Skill,
    Training,
    User,
)
from members.services.groups import group_touch_contact

# The model's own bounds, repeated here so the service refuses oversized text
# with a message instead of relying on the database (SQLite does not enforce them).
NOTES_MAX = 10_000
FOLLOW_UP_MAX = 2_000
STEP_NOTE_MAX = 300
LEVEL_NAME_MAX = 60
SKILL_NAME_MAX = 80
TRAINING_NAME_MAX = 160
# Members name the other person by address; more tries than a busy organiser
# needs in an hour would be someone checking addresses against the network.
MEETINGS_PER_HOUR = 30


def _check_length(text: str, limit: int, field: str) -> None:
    if len(text) > limit:
        raise RuleBroken(
            _("This text is too long: %(length)s characters, at most %(limit)s.")
            % {"length": len(text), "limit": limit},
            field=field,
        )


def _check_not_future(day: datetime.date, field: str) -> None:
    if day > timezone.localdate():
        raise RuleBroken(_("The date cannot be in the future."), field=field)


def _spoke_for(person: User, group: Group | None, field: str) -> Group | None:
    """The group ``person`` spoke for in a meeting.

    The rule: a group given explicitly must be one of the person's groups (a
    meeting records who a person represented, not who they met). With no group
    given, a person in exactly one group spoke for that group; a person in no
    group or in several is left without one rather than guessed.
    """
    if group is not None:
        if not Membership.objects.filter(person=person, group=group).exists():
            raise RuleBroken(
                _("%(person)s is not a member of %(group)s.")
                % {"person": person, "group": group.name},
                field=field,
            )
        return group
    groups = list(
        Group.objects.filter(memberships__person=person).order_by("pk")[:2]
    )  # two are enough to know it is not exactly one
    return groups[0] if len(groups) == 1 else None


def meeting_rate_check(*, person: User) -> None:
    """Count one try at logging a meeting by address; refuse past MEETINGS_PER_HOUR an hour."""
    key = f"members:meetings:{person.pk}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        count = 1
    if count > MEETINGS_PER_HOUR:
        raise RuleBroken(
            _("You have tried to log %(limit)s meetings in the last hour. Please wait a little.")
            % {"limit": MEETINGS_PER_HOUR}
        )


@transaction.atomic
def meeting_log(
    *,
    person_a: User,
    person_b: User,
    met_on: datetime.date,
    notes: str,
    follow_up: str,
    by: User,
    group_a: Group | None = None,
    group_b: Group | None = None,
    follow_up_on: datetime.date | None = None,
) -> RelationalMeeting:
    """Record a 1-1 meeting between two people, and contact with their groups.

    Only one of the two people, or a weaver, may log it: the notes are theirs.
    """
    if person_a.pk == person_b.pk:
        raise RuleBroken(
            _("A relational meeting is between two different people."), field="person_b"
        )
    if by.pk not in {person_a.pk, person_b.pk} and not can_weave(by):
        raise RuleBroken(_("Only one of the two people who met, or a weaver, can log a meeting."))
    _check_not_future(met_on, "met_on")
    notes = notes.strip()
    follow_up = follow_up.strip()
    _check_length(notes, NOTES_MAX, "notes")
    _check_length(follow_up, FOLLOW_UP_MAX, "follow_up")
    if follow_up_on is not None and follow_up_on < met_on:
        raise RuleBroken(
            _("The follow-up date cannot come before the meeting."), field="follow_up_on"
        )
    group_a = _spoke_for(person_a, group_a, "group_a")
    group_b = _spoke_for(person_b, group_b, "group_b")
    meeting = RelationalMeeting.objects.create(
        person_a=person_a,
        person_b=person_b,
        group_a=group_a,
        group_b=group_b,
        met_on=met_on,
        notes=notes,
        follow_up=follow_up,
        follow_up_on=follow_up_on,
        logged_by=by,
    )
    for group in {g.pk: g for g in (group_a, group_b) if g is not None}.values():
        group_touch_contact(group=group)
    return meeting


# --- The leadership ladder ---------------------------------------------------


def ladder_default_names() -> list[tuple[str, bool]]:
    """The ladder a coalition starts with: (name, counts as a leader), lowest first."""
    return [
        (_("Supporter"), False),
        (_("Volunteer"), False),
        (_("Leader"), True),
        (_("Organiser"), True),
    ]


def ladder_defaults_ensure() -> bool:
    """Create the default ladder when there are no levels at all; True if it did.

    Called by the ladder page and the demo seed instead of a data migration,
    so a coalition that removed or renamed levels never gets them back.
    """
    if LadderLevel.objects.exists():
        return False
    try:
        with transaction.atomic():
            for rank, (name, leader) in enumerate(ladder_default_names(), start=1):
                LadderLevel.objects.create(name=name, rank=rank, counts_as_leader=leader)
    except IntegrityError:
        # Another request created them at the same moment: theirs stand.
        return False
    return True


def _clean_level_name(name: str, *, exclude: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise RuleBroken(_("A level needs a name."), field="name")
    _check_length(name, LEVEL_NAME_MAX, "name")
    taken = LadderLevel.objects.filter(name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise RuleBroken(
            _("There is already a level called %(name)s.") % {"name": name}, field="name"
        )
    return name


@transaction.atomic
def ladder_level_create(*, name: str, counts_as_leader: bool = False) -> LadderLevel:
    """A new level at the top of the ladder (move it down afterwards if needed)."""
    name = _clean_level_name(name)
    # Lock the ladder while picking the next rank (PostgreSQL refuses FOR UPDATE
    # with an aggregate, so the ranks are read and the highest taken here).
    ranks = list(LadderLevel.objects.select_for_update().values_list("rank", flat=True))
    top = max(ranks, default=0)
    return LadderLevel.objects.create(name=name, rank=top + 1, counts_as_leader=counts_as_leader)


@transaction.atomic
def ladder_level_update(*, level: LadderLevel, name: str, counts_as_leader: bool) -> LadderLevel:
    """Rename a level or change whether it counts as a leader."""
    level.name = _clean_level_name(name, exclude=level.pk)
    level.counts_as_leader = counts_as_leader
    level.save(update_fields=["name", "counts_as_leader"])
    return level


@transaction.atomic
def ladder_level_move(*, level: LadderLevel, up: bool) -> LadderLevel:
    """Swap a level with its neighbour above (``up``) or below; at the end nothing moves."""
    levels = list(LadderLevel.objects.select_for_update().order_by("rank"))
    index = next((i for i, other in enumerate(levels) if other.pk == level.pk), None)
    if index is None:
        raise RuleBroken(_("This level no longer exists."))
    neighbour_index = index + 1 if up else index - 1
    if not 0 <= neighbour_index < len(levels):
        return levels[index]
    current, neighbour = levels[index], levels[neighbour_index]
    # Ranks are unique and checked row by row, so park one level out of the way first.
    parked = max(other.rank for other in levels) + 1
    current_rank, neighbour_rank = current.rank, neighbour.rank
    LadderLevel.objects.filter(pk=current.pk).update(rank=parked)
    LadderLevel.objects.filter(pk=neighbour.pk).update(rank=current_rank)
    LadderLevel.objects.filter(pk=current.pk).update(rank=neighbour_rank)
    current.rank = neighbour_rank
    return current


def _latest_level_id(person: User) -> int | None:
    return (
        LadderStep.objects.filter(person=person)
        .order_by("-at", "-id")
        .values_list("level_id", flat=True)
        .first()
    )


@transaction.atomic
def ladder_step_record(
    *,
    person: User,
    level: LadderLevel,
    by: User | None,
    at: datetime.date | None = None,
    note: str = "",
) -> LadderStep:
    """Record that ``person`` reached ``level`` on ``at`` (today by default).

    Steps may be recorded late and out of order; the person's current level is
    always the level of their latest step by date (then by the order recorded).
    """
    at = at or timezone.localdate()
    _check_not_future(at, "at")
    note = note.strip()
    _check_length(note, STEP_NOTE_MAX, "note")
    # Lock the person so two steps recorded at once cannot leave a stale level.
    User.objects.select_for_update().filter(pk=person.pk).values_list("pk").first()
    step = LadderStep.objects.create(person=person, level=level, at=at, recorded_by=by, note=note)
    current = _latest_level_id(person)
    User.objects.filter(pk=person.pk).update(ladder_level_id=current)
    person.ladder_level_id = current
    return step


# --- Skills and trainings ----------------------------------------------------


@transaction.atomic
def skill_create(*, name: str) -> Skill:
    name = name.strip()
    if not name:
        raise RuleBroken(_("A skill needs a name."), field="name")
    _check_length(name, SKILL_NAME_MAX, "name")
    if Skill.objects.filter(name__iexact=name).exists():
        raise RuleBroken(
            _("There is already a skill called %(name)s.") % {"name": name}, field="name"
        )
    return Skill.objects.create(name=name)


@transaction.atomic
def person_skills_set(*, person: User, skills: Iterable[Skill]) -> None:
    """Replace the person's skills with ``skills``."""
    person.skills.set(list(skills))


@transaction.atomic
def training_create(*, name: str, held_on: datetime.date, skills: Iterable[Skill] = ()) -> Training:
    """A training the network ran; attendance is recorded with ``training_attend``.

    A training may be planned ahead, so its date may be in the future.
    """
    name = name.strip()
    if not name:
        raise RuleBroken(_("A training needs a name."), field="name")
    _check_length(name, TRAINING_NAME_MAX, "name")
    training = Training.objects.create(name=name, held_on=held_on)
    training.skills.set(list(skills))
    return training


@transaction.atomic
def training_attend(*, training: Training, person: User) -> None:
    """Record that ``person`` attended ``training`` (recording it twice changes nothing).

    Attending does not add the training's skills to the person: whether they
    gained them is for a weaver to judge and record with ``person_skills_set``.
    """
    if training.held_on > timezone.localdate():
        raise RuleBroken(
            _("%(training)s has not happened yet.") % {"training": training.name},
            field="training",
        )
    training.attendees.add(person)

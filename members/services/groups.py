"""Groups, their stages and their members."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from coalition import audit
from coalition.errors import RuleBroken
from coalition.models import AuditVerb
from coalition.permissions import forget_memberships
from members.models import Group, Membership, MembershipRole, Stage, StageChange, User

# Which stage a group may be moved to by hand. Signing and first action move
# groups by themselves (see signatures.py and group_first_action).
_MANUAL_MOVES = {
    Stage.PROSPECT: {Stage.CONTACTED, Stage.LAPSED},
    Stage.CONTACTED: {Stage.PROSPECT, Stage.LAPSED},
    Stage.ALIGNED: {Stage.LAPSED},
    Stage.PRODUCING: {Stage.LAPSED},
    Stage.LAPSED: {Stage.CONTACTED, Stage.PROSPECT},
}


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "group"
    slug, number = base, 2
    while Group.objects.filter(slug=slug).exists():
        slug = f"{base}-{number}"
        number += 1
    return slug


@transaction.atomic
def group_create(
    *,
    name: str,
    kind: str,
    place,
    description: str = "",
    website: str = "",
    listing_consent: bool = False,
    contact_name: str = "",
    contact_email: str = "",
    created_by: User | None = None,
    reason: str = "",
) -> Group:
    """A new group at the prospect stage, with the first line of its history."""
    name = name.strip()
    if not name:
        raise RuleBroken(_("A group needs a name."), field="name")
    group = Group.objects.create(
        name=name,
        slug=_unique_slug(name),
        kind=kind,
        place=place,
        description=description,
        website=website,
        listing_consent=listing_consent,
        contact_name=contact_name.strip(),
        contact_email=contact_email.strip().lower(),
        created_by=created_by,
        stage=Stage.PROSPECT,
    )
    StageChange.objects.create(
        group=group,
        from_stage="",
        to_stage=Stage.PROSPECT,
        changed_by=created_by,
        reason=reason or _("Added to the network"),
    )
    return group


def _move(group: Group, to_stage: str, *, by: User | None, reason: str) -> bool:
    """Move a locked group to ``to_stage`` and record why; False if it was already there."""
    if group.stage == to_stage:
        return False
    now = timezone.now()
    StageChange.objects.create(
        group=group, from_stage=group.stage, to_stage=to_stage, changed_by=by, reason=reason, at=now
    )
    group.stage = to_stage
    group.stage_changed_at = now
    group.save(update_fields=["stage", "stage_changed_at"])
    return True


@transaction.atomic
def group_set_stage(*, group: Group, stage: str, by: User, reason: str) -> Group:
    """A weaver moves a group by hand (contacted, lapsed…), saying why."""
    reason = reason.strip()
    if not reason:
        raise RuleBroken(_("Say why the group changes stage."), field="reason")
    locked = Group.objects.select_for_update().get(pk=group.pk)
    if stage != locked.stage and stage not in _MANUAL_MOVES.get(locked.stage, set()):
        raise RuleBroken(
            _("A group cannot be moved from %(from)s to %(to)s by hand.")
            % {"from": Stage(locked.stage).label, "to": Stage(stage).label},
            field="stage",
        )
    _move(locked, stage, by=by, reason=reason)
    if stage == Stage.CONTACTED:
        locked.last_contact_at = timezone.now()
        locked.save(update_fields=["last_contact_at"])
    return locked


@transaction.atomic
def group_mark_aligned(*, group: Group, by: User | None, reason: str) -> Group:
    """Signing the current statement aligns a group (a producing group stays producing)."""
    locked = Group.objects.select_for_update().get(pk=group.pk)
    if locked.stage != Stage.PRODUCING:
        _move(locked, Stage.ALIGNED, by=by, reason=reason)
    return locked


@transaction.atomic
def group_first_action(*, group: Group, by: User | None = None) -> Group:
    """The group acted: an aligned group becomes producing. Safe to call on every action."""
    locked = Group.objects.select_for_update().get(pk=group.pk)
    if locked.stage == Stage.ALIGNED:
        _move(locked, Stage.PRODUCING, by=by, reason=_("Posted its first action"))
    return locked


def groups_mark_contacted(*, group_ids: Iterable[int], by_id: int | None, reason: str) -> int:
    """Move the prospects among ``group_ids`` to contacted, each with its history line.

    For the network reaching out (an outreach email the server accepted):
    only prospects move, so a group further along is never moved back. A
    fixed few queries however many groups, as outreach calls it per batch.
    Returns how many groups moved.
    """
    with transaction.atomic():
        ids = list(
            Group.objects.select_for_update()
            .filter(pk__in=list(group_ids), stage=Stage.PROSPECT)
            .values_list("pk", flat=True)
        )
        if not ids:
            return 0
        now = timezone.now()
        StageChange.objects.bulk_create(
            StageChange(
                group_id=pk,
                from_stage=Stage.PROSPECT,
                to_stage=Stage.CONTACTED,
                changed_by_id=by_id,
                reason=reason[:300],
                at=now,
            )
            for pk in ids
        )
        Group.objects.filter(pk__in=ids).update(stage=Stage.CONTACTED, stage_changed_at=now)
    return len(ids)


def group_touch_contact(*, group: Group) -> None:
    """Remember the network was in touch with the group today."""
    Group.objects.filter(pk=group.pk).update(last_contact_at=timezone.now())


@transaction.atomic
def membership_add(*, group: Group, person: User, role: str = MembershipRole.MEMBER) -> Membership:
    membership, created = Membership.objects.get_or_create(
        group=group, person=person, defaults={"role": role}
    )
    if not created and membership.role != role and role == MembershipRole.ADMIN:
        membership.role = role
        membership.save(update_fields=["role"])
    forget_memberships(person)
    return membership


@transaction.atomic
def membership_set_role(*, membership: Membership, role: str, by: User | None = None) -> Membership:
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if locked.role == MembershipRole.ADMIN and role != MembershipRole.ADMIN:
        _keep_one_admin(locked.group_id, leaving=locked.pk)
    before = locked.role
    locked.role = role
    locked.save(update_fields=["role"])
    if before != role:
        audit.record(
            by,
            AuditVerb.MEMBERSHIP_CHANGED,
            f"person #{locked.person_id} in group #{locked.group_id}",
            group=locked.group_id,
            before=before,
            after=role,
        )
    forget_memberships(locked.person)
    return locked


@transaction.atomic
def membership_remove(*, membership: Membership, by: User | None = None) -> None:
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if locked.role == MembershipRole.ADMIN:
        _keep_one_admin(locked.group_id, leaving=locked.pk)
    locked.delete()
    audit.record(
        by,
        AuditVerb.MEMBERSHIP_CHANGED,
        f"person #{locked.person_id} in group #{locked.group_id}",
        group=locked.group_id,
        before=locked.role,
        after="removed",
    )
    forget_memberships(locked.person)


def _keep_one_admin(group_id: int, *, leaving: int) -> None:
    others = (
        Membership.objects.select_for_update()
        .filter(group_id=group_id, role=MembershipRole.ADMIN)
        .exclude(pk=leaving)
    )
    if not others.exists():
        raise RuleBroken(_("A group needs at least one admin: name another admin first."))

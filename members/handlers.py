"""How the members app reacts to the frame, to allauth and to its own groups changing."""

from __future__ import annotations

import logging

from allauth.account.signals import email_confirmed
from django.db.models import Q
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from coalition.signals import places_changed, statement_published
from members.models import Group, RelationalMeeting

logger = logging.getLogger(__name__)


@receiver(statement_published, dispatch_uid="members.resign_on_new_statement")
def ask_signatories_to_resign(sender, *, version, by=None, **kwargs) -> None:
    """A new statement version: flag older signatories and write to them."""
    from members.services.signatures import signatories_mark_resign

    if signatories_mark_resign(version=version):
        from members.services.outreach import outreach_resign_send

        outreach_resign_send(version=version, by=by)


@receiver(email_confirmed, dispatch_uid="members.confirm_signatures")
def confirm_signatures_on_verification(sender, *, request, email_address, **kwargs) -> None:
    """A person verified their address: the signatures they made now count."""
    from members.services.signatures import signatures_confirm_for

    count = signatures_confirm_for(person=email_address.user)
    if count:
        logger.info("Confirmed %s signature(s) after email verification", count)


# --- Where the network is thin: PlaceCover follows every group save -----------

_COVER_FIELDS = frozenset({"stage", "place", "place_id"})


@receiver(pre_save, sender=Group, dispatch_uid="members.place_cover_before")
def remember_group_cover(sender, *, instance: Group, update_fields=None, **kwargs) -> None:
    """Read what the row holds before the save (the instance may have been changed anywhere)."""
    instance._cover_before = None
    untouched = update_fields is not None and not _COVER_FIELDS & set(update_fields)
    if instance.pk is None or untouched:
        return
    instance._cover_before = (
        Group.objects.filter(pk=instance.pk).values_list("stage", "place_id").first()
    )


@receiver(post_save, sender=Group, dispatch_uid="members.place_cover_after")
def shift_place_cover(sender, *, instance: Group, created: bool, update_fields=None, **kwargs):
    """A group became (or stopped being) aligned or producing, or moved: shift the counts."""
    from members.services.place_cover import is_strong, place_cover_shift

    before = getattr(instance, "_cover_before", None)
    instance._cover_before = None
    if not created and before is None:
        return  # no stage or place written, or a row that was not there
    old_stage, old_place = before if before is not None else (None, None)
    written = None if update_fields is None else set(update_fields)
    stage = instance.stage if written is None or "stage" in written else old_stage
    place = instance.place_id if written is None or written & {"place", "place_id"} else old_place
    if (is_strong(old_stage), old_place) == (is_strong(stage), place):
        return
    if is_strong(old_stage):
        place_cover_shift(place_id=old_place, by=-1)
    if is_strong(stage):
        place_cover_shift(place_id=place, by=1)


@receiver(post_delete, sender=Group, dispatch_uid="members.place_cover_deleted")
def unshift_place_cover(sender, *, instance: Group, **kwargs) -> None:
    from members.services.place_cover import is_strong, place_cover_shift

    if is_strong(instance.stage):
        place_cover_shift(place_id=instance.place_id, by=-1)


@receiver(places_changed, dispatch_uid="members.place_cover_rebuild")
def rebuild_place_cover(sender, **kwargs) -> None:
    """Places moved, merged or went: every count above them changed."""
    from members.services.place_cover import place_cover_rebuild

    place_cover_rebuild()


# --- Ties between groups: Group.has_tie follows meetings (members.services.ties) ---


@receiver(pre_save, sender=RelationalMeeting, dispatch_uid="members.meeting_ties_before")
def remember_meeting_groups(sender, *, instance: RelationalMeeting, **kwargs) -> None:
    instance._groups_before = ()
    if instance.pk is not None:
        instance._groups_before = (
            RelationalMeeting.objects.filter(pk=instance.pk)
            .values_list("group_a_id", "group_b_id")
            .first()
            or ()
        )


@receiver(post_save, sender=RelationalMeeting, dispatch_uid="members.meeting_ties_saved")
@receiver(post_delete, sender=RelationalMeeting, dispatch_uid="members.meeting_ties_deleted")
def refresh_meeting_ties(sender, *, instance: RelationalMeeting, **kwargs) -> None:
    from members.services.ties import group_ties_refresh

    before = getattr(instance, "_groups_before", ())
    group_ties_refresh(group_ids=[instance.group_a_id, instance.group_b_id, *before])


@receiver(pre_delete, sender=Group, dispatch_uid="members.group_ties_partners")
def remember_tied_partners(sender, *, instance: Group, **kwargs) -> None:
    """Meetings keep their rows without the deleted group (SET_NULL, no signal): its partners
    may lose their only tie."""
    pairs = RelationalMeeting.objects.filter(Q(group_a=instance) | Q(group_b=instance)).values_list(
        "group_a_id", "group_b_id"
    )
    instance._tie_partners = {pk for pair in pairs for pk in pair} - {instance.pk}


@receiver(post_delete, sender=Group, dispatch_uid="members.group_ties_deleted")
def refresh_partner_ties(sender, *, instance: Group, **kwargs) -> None:
    from members.services.ties import group_ties_refresh

    group_ties_refresh(group_ids=getattr(instance, "_tie_partners", ()))

"""Amplifying: who acts for which group, one of each kind, undo, pledges, RSVP access."""

from __future__ import annotations

import pytest
from django.db import IntegrityError
from django.utils import timezone

from actions.models import ActionStatus, Amplification, AmplificationKind, Visibility
from actions.services.amplification import (
    PLEDGE_PEOPLE_MAX,
    amplification_add,
    amplification_remove,
    cohost_rsvp_access_set,
)
from coalition.errors import RuleBroken
from coalition.permissions import can_see_rsvps, forget_memberships
from tests.factories import add_member, make_action

pytestmark = pytest.mark.django_db


def test_a_group_admin_endorses_another_groups_action(action, group, group_admin):
    done = amplification_add(action=action, group=group, kind="endorse", by=group_admin)

    assert done.kind == AmplificationKind.ENDORSE
    assert done.by == group_admin
    assert not done.sees_rsvps


def test_a_contact_person_may_act_for_the_group(action, group, make_person):
    contact = make_person("contact@example.net")
    add_member(group, contact, "contact")

    amplification_add(action=action, group=group, kind="share", by=contact)

    assert Amplification.objects.filter(group=group, kind="share").exists()


def test_a_plain_member_cannot_act_for_the_group(action, group, group_member):
    with pytest.raises(RuleBroken, match="admins and contact people"):
        amplification_add(action=action, group=group, kind="endorse", by=group_member)
    assert not Amplification.objects.exists()


def test_a_person_of_another_group_cannot_act_for_this_one(action, group, outsider):
    with pytest.raises(RuleBroken):
        amplification_add(action=action, group=group, kind="endorse", by=outsider)


def test_amplifying_your_own_groups_action_is_refused(action, host, host_admin):
    with pytest.raises(RuleBroken, match="You cannot amplify your own group's action"):
        amplification_add(action=action, group=host, kind="endorse", by=host_admin)


def test_one_of_each_kind_per_group_and_a_second_time_changes_nothing(action, group, group_admin):
    first = amplification_add(action=action, group=group, kind="endorse", by=group_admin)
    again = amplification_add(action=action, group=group, kind="endorse", by=group_admin)
    amplification_add(action=action, group=group, kind="cohost", by=group_admin)

    assert again.pk == first.pk
    assert Amplification.objects.filter(action=action, group=group).count() == 2


def test_the_database_refuses_a_second_row_of_the_same_kind(action, group, group_admin):
    amplification_add(action=action, group=group, kind="share", by=group_admin)

    with pytest.raises(IntegrityError):
        Amplification.objects.create(action=action, group=group, kind="share")


def test_it_can_be_undone(action, group, group_admin):
    amplification_add(action=action, group=group, kind="endorse", by=group_admin)

    assert amplification_remove(action=action, group=group, kind="endorse", by=group_admin)
    assert not Amplification.objects.exists()
    # Undoing what is not there is harmless.
    assert not amplification_remove(action=action, group=group, kind="endorse", by=group_admin)


def test_a_plain_member_cannot_undo_the_groups_amplification(
    action, group, group_admin, group_member
):
    amplification_add(action=action, group=group, kind="endorse", by=group_admin)

    with pytest.raises(RuleBroken):
        amplification_remove(action=action, group=group, kind="endorse", by=group_member)
    assert Amplification.objects.count() == 1


@pytest.mark.parametrize("people", [None, 0, -3, PLEDGE_PEOPLE_MAX + 1])
def test_a_pledge_needs_a_sensible_number_of_people(action, group, group_admin, people):
    with pytest.raises(RuleBroken) as refused:
        amplification_add(action=action, group=group, kind="pledge", by=group_admin, people=people)
    assert refused.value.field == "people"
    assert not Amplification.objects.exists()


def test_pledging_again_changes_the_number_of_people(action, group, group_admin):
    amplification_add(action=action, group=group, kind="pledge", by=group_admin, people=2)
    amplification_add(action=action, group=group, kind="pledge", by=group_admin, people=5)

    assert list(Amplification.objects.values_list("people", flat=True)) == [5]


def test_people_are_only_kept_for_pledges(action, group, group_admin):
    done = amplification_add(action=action, group=group, kind="endorse", by=group_admin, people=9)
    assert done.people is None


def test_an_unknown_kind_is_refused(action, group, group_admin):
    with pytest.raises(RuleBroken):
        amplification_add(action=action, group=group, kind="retweet", by=group_admin)


def test_a_hidden_action_cannot_be_amplified(action, group, group_admin):
    action.hidden_at = timezone.now()
    action.save()

    with pytest.raises(RuleBroken):
        amplification_add(action=action, group=group, kind="endorse", by=group_admin)


def test_a_cancelled_action_cannot_be_amplified(action, group, group_admin):
    action.status = ActionStatus.CANCELLED
    action.save()

    with pytest.raises(RuleBroken, match="cancelled"):
        amplification_add(action=action, group=group, kind="endorse", by=group_admin)


def test_an_action_you_cannot_see_cannot_be_amplified(host, group, group_admin):
    secret = make_action(host, visibility=Visibility.GROUP)

    with pytest.raises(RuleBroken, match="not open to you"):
        amplification_add(action=secret, group=group, kind="endorse", by=group_admin)


def test_undo_still_works_once_the_action_is_cancelled(action, group, group_admin):
    amplification_add(action=action, group=group, kind="cohost", by=group_admin)
    action.status = ActionStatus.CANCELLED
    action.save()

    assert amplification_remove(action=action, group=group, kind="cohost", by=group_admin)


# --- Who sees the RSVPs ---------------------------------------------------------


def test_a_cohost_does_not_see_the_rsvps_by_default(action, group, group_admin):
    amplification_add(action=action, group=group, kind="cohost", by=group_admin)

    assert not can_see_rsvps(group_admin, action)


def test_the_host_shows_the_rsvps_to_a_cohost_and_takes_it_back(
    action, group, group_admin, host_admin
):
    amplification_add(action=action, group=group, kind="cohost", by=group_admin)

    cohost_rsvp_access_set(action=action, group=group, sees_rsvps=True, by=host_admin)
    assert can_see_rsvps(group_admin, action)

    cohost_rsvp_access_set(action=action, group=group, sees_rsvps=False, by=host_admin)
    forget_memberships(group_admin)
    assert not can_see_rsvps(group_admin, action)


def test_a_cohost_cannot_grant_itself_the_rsvps(action, group, group_admin):
    amplification_add(action=action, group=group, kind="cohost", by=group_admin)

    with pytest.raises(RuleBroken, match="host group"):
        cohost_rsvp_access_set(action=action, group=group, sees_rsvps=True, by=group_admin)


def test_rsvp_access_is_only_for_cohosts(action, group, group_admin, host_admin):
    amplification_add(action=action, group=group, kind="endorse", by=group_admin)

    with pytest.raises(RuleBroken, match="does not co-host"):
        cohost_rsvp_access_set(action=action, group=group, sees_rsvps=True, by=host_admin)


def test_stopping_cohosting_ends_rsvp_access(action, group, group_admin, host_admin):
    amplification_add(action=action, group=group, kind="cohost", by=group_admin)
    cohost_rsvp_access_set(action=action, group=group, sees_rsvps=True, by=host_admin)

    amplification_remove(action=action, group=group, kind="cohost", by=group_admin)
    amplification_add(action=action, group=group, kind="cohost", by=group_admin)

    assert not can_see_rsvps(group_admin, action)

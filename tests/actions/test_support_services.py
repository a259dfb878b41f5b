"""Support requests: the host asks, other groups pledge, progress, closing when met, undo."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from actions.models import ActionStatus, SupportPledge, SupportRequest
from actions.services.support import (
    SUPPORT_AMOUNT_MAX,
    support_pledge_add,
    support_pledge_remove,
    support_request_close,
    support_request_create,
    support_requests_close_ended,
)
from coalition.errors import RuleBroken
from tests.factories import GroupFactory, add_member, make_action

pytestmark = pytest.mark.django_db


@pytest.fixture
def drivers(action, host_admin):
    return support_request_create(
        action=action, by=host_admin, kind="transport", amount=5, description="Drivers with cars"
    )


@pytest.fixture
def third(make_person, place):
    """A third group with its admin."""
    other = GroupFactory(name="Hilltop Choir", slug="hilltop-choir", place=place)
    person = make_person("choir@example.net", name="Cleo Choir")
    add_member(other, person, "admin")
    return other, person


def fresh(request: SupportRequest) -> SupportRequest:
    return SupportRequest.objects.get(pk=request.pk)


def test_the_host_asks_for_support(action, host_admin):
    asked = support_request_create(
        action=action, by=host_admin, kind="people", amount=10, description="  Stewards   needed "
    )

    assert (asked.kind, asked.amount, asked.pledged, asked.is_open) == ("people", 10, 0, True)
    assert asked.description == "Stewards needed"


def test_whoever_posted_the_action_may_ask_for_support(host, make_person):
    poster = make_person("poster@example.net")
    add_member(host, poster, "member")
    action = make_action(host, by=poster)

    assert support_request_create(action=action, by=poster, kind="money", amount=200)


@pytest.mark.parametrize("who", ["group_admin", "group_member", "outsider", "weaver"])
def test_only_the_host_asks_for_support(action, request, who):
    with pytest.raises(RuleBroken, match="Only the host group"):
        support_request_create(
            action=action, by=request.getfixturevalue(who), kind="people", amount=3
        )


@pytest.mark.parametrize("amount", [0, -1, SUPPORT_AMOUNT_MAX + 1])
def test_a_request_needs_a_sensible_amount(action, host_admin, amount):
    with pytest.raises(RuleBroken) as refused:
        support_request_create(action=action, by=host_admin, kind="people", amount=amount)
    assert refused.value.field == "amount"


def test_a_request_needs_a_known_kind_and_a_short_description(action, host_admin):
    with pytest.raises(RuleBroken):
        support_request_create(action=action, by=host_admin, kind="love", amount=1)
    with pytest.raises(RuleBroken):
        support_request_create(
            action=action, by=host_admin, kind="people", amount=1, description="x" * 301
        )


def test_a_cancelled_action_asks_for_nothing(action, host_admin):
    action.status = ActionStatus.CANCELLED
    action.save()

    with pytest.raises(RuleBroken, match="cancelled"):
        support_request_create(action=action, by=host_admin, kind="people", amount=3)


def test_pledges_add_up_and_close_the_request_when_met(drivers, group, group_admin, third):
    other, other_admin = third

    support_pledge_add(support_request=drivers, group=group, by=group_admin, amount=2)
    assert (fresh(drivers).pledged, fresh(drivers).is_open) == (2, True)

    support_pledge_add(support_request=drivers, group=other, by=other_admin, amount=3)
    met = fresh(drivers)
    assert met.pledged == 5
    assert met.is_open is False
    assert met.met_at is not None


def test_an_over_pledge_is_welcome_and_closes_the_request(drivers, group, group_admin):
    support_pledge_add(support_request=drivers, group=group, by=group_admin, amount=8)

    met = fresh(drivers)
    assert (met.pledged, met.is_open) == (8, False)


def test_a_pledge_to_a_closed_request_is_refused_clearly(drivers, group, group_admin, third):
    other, other_admin = third
    support_pledge_add(support_request=drivers, group=group, by=group_admin, amount=5)

    with pytest.raises(RuleBroken, match="This request is closed"):
        support_pledge_add(support_request=drivers, group=other, by=other_admin, amount=1)
    assert fresh(drivers).pledged == 5


def test_a_request_closed_by_the_host_refuses_pledges(drivers, host_admin, group, group_admin):
    support_request_close(support_request=drivers, by=host_admin)

    with pytest.raises(RuleBroken, match="closed"):
        support_pledge_add(support_request=drivers, group=group, by=group_admin, amount=1)
    assert fresh(drivers).met_at is None


def test_only_the_host_closes_a_request(drivers, group_admin):
    with pytest.raises(RuleBroken):
        support_request_close(support_request=drivers, by=group_admin)
    assert fresh(drivers).is_open


def test_pledging_again_replaces_the_groups_amount(drivers, group, group_admin):
    support_pledge_add(support_request=drivers, group=group, by=group_admin, amount=2, note="Vans")
    support_pledge_add(support_request=drivers, group=group, by=group_admin, amount=3)

    pledge = SupportPledge.objects.get()
    assert (pledge.amount, pledge.note) == (3, "")
    assert fresh(drivers).pledged == 3


def test_taking_a_pledge_back_reopens_a_request_that_falls_short(drivers, group, group_admin):
    support_pledge_add(support_request=drivers, group=group, by=group_admin, amount=5)
    assert not fresh(drivers).is_open

    assert support_pledge_remove(support_request=drivers, group=group, by=group_admin)

    reopened = fresh(drivers)
    assert (reopened.pledged, reopened.is_open, reopened.met_at) == (0, True, None)
    assert not support_pledge_remove(support_request=drivers, group=group, by=group_admin)


def test_taking_a_pledge_back_leaves_a_request_closed_by_the_host_closed(
    drivers, group, group_admin, host_admin
):
    support_pledge_add(support_request=drivers, group=group, by=group_admin, amount=2)
    support_request_close(support_request=drivers, by=host_admin)

    support_pledge_remove(support_request=drivers, group=group, by=group_admin)

    assert (fresh(drivers).pledged, fresh(drivers).is_open) == (0, False)


def test_taking_back_part_of_an_over_pledge_keeps_it_met(drivers, group, group_admin, third):
    other, other_admin = third
    support_pledge_add(support_request=drivers, group=group, by=group_admin, amount=4)
    support_pledge_add(support_request=drivers, group=other, by=other_admin, amount=3)

    support_pledge_remove(support_request=drivers, group=other, by=other_admin)

    assert (fresh(drivers).pledged, fresh(drivers).is_open) == (4, True)


def test_the_host_cannot_pledge_to_its_own_request(drivers, host, host_admin):
    with pytest.raises(RuleBroken, match="hosts this action"):
        support_pledge_add(support_request=drivers, group=host, by=host_admin, amount=1)


@pytest.mark.parametrize("who", ["group_member", "outsider", "weaver"])
def test_only_admins_and_contacts_pledge_in_a_groups_name(drivers, group, request, who):
    with pytest.raises(RuleBroken, match="admins and contact people"):
        support_pledge_add(
            support_request=drivers, group=group, by=request.getfixturevalue(who), amount=1
        )
    assert not SupportPledge.objects.exists()


@pytest.mark.parametrize("amount", [0, -2, SUPPORT_AMOUNT_MAX + 1])
def test_a_pledge_needs_a_sensible_amount(drivers, group, group_admin, amount):
    with pytest.raises(RuleBroken):
        support_pledge_add(support_request=drivers, group=group, by=group_admin, amount=amount)
    assert fresh(drivers).pledged == 0


def test_a_hidden_actions_requests_take_no_pledges(drivers, action, group, group_admin):
    action.hidden_at = timezone.now()
    action.save()

    with pytest.raises(RuleBroken):
        support_pledge_add(support_request=drivers, group=group, by=group_admin, amount=1)


def test_pledging_again_says_what_the_pledge_was(drivers, group, group_admin):
    first = support_pledge_add(support_request=drivers, group=group, by=group_admin, amount=4)
    again = support_pledge_add(support_request=drivers, group=group, by=group_admin, amount=5)

    assert (first.changed, first.previous_amount) == (False, None)
    assert (again.changed, again.previous_amount, again.pledge.amount) == (True, 4, 5)
    assert SupportPledge.objects.count() == 1


def test_an_action_that_is_over_asks_for_nothing(host, host_admin):
    over = make_action(host, by=host_admin, days_ahead=-3)

    with pytest.raises(RuleBroken, match="This action is over"):
        support_request_create(action=over, by=host_admin, kind="people", amount=3)
    assert not SupportRequest.objects.exists()


def test_an_action_still_going_on_may_ask_for_support(host, host_admin):
    now = timezone.now()
    going = make_action(
        host, by=host_admin, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1)
    )

    assert support_request_create(action=going, by=host_admin, kind="people", amount=3)


def test_a_cancelled_action_is_refused_with_a_clear_message(action, host_admin):
    action.status = ActionStatus.CANCELLED
    action.save()

    with pytest.raises(RuleBroken) as refused:
        support_request_create(action=action, by=host_admin, kind="people", amount=3)
    assert "can no longer ask the network for support" in refused.value.message


def test_requests_close_when_their_action_ends_and_not_before(drivers, host, host_admin):
    ended = make_action(host, title="Yesterday's walk", days_ahead=-1)
    ended_request = SupportRequest.objects.create(action=ended, kind="people", amount=4)
    met = SupportRequest.objects.create(
        action=ended, kind="money", amount=4, pledged=4, is_open=False, met_at=timezone.now()
    )

    assert support_requests_close_ended() == 1

    assert not fresh(ended_request).is_open
    assert fresh(ended_request).met_at is None  # closed because it ended, not met
    assert fresh(met).met_at is not None
    assert fresh(drivers).is_open  # its action is still to come
    assert support_requests_close_ended() == 0


def test_a_pledge_to_an_action_that_is_over_is_refused_clearly(drivers, group, group_admin):
    action = drivers.action
    action.starts_at = timezone.now() - timedelta(hours=3)
    action.ends_at = timezone.now() - timedelta(hours=1)
    action.save()

    with pytest.raises(RuleBroken, match="is over"):
        support_pledge_add(support_request=drivers, group=group, by=group_admin, amount=1)
    assert fresh(drivers).pledged == 0


def test_the_sweep_runs_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["actions-support-close-ended"]
    assert entry["task"] == "actions.tasks.support_requests_close_ended"

"""Flags, hiding and restoring: the rules, the record, and what the hosts are told."""

from __future__ import annotations

import pytest
from django.core import mail

from actions.models import Flag, ModerationDecision
from actions.services.moderation import action_hide, action_restore, flag_create
from actions.services.participation import TooManyRequests
from coalition.errors import RuleBroken
from tests.factories import GroupFactory, add_member, make_action

pytestmark = pytest.mark.django_db


# --- Flags --------------------------------------------------------------------------


def test_a_logged_in_person_flags_an_action_with_a_reason(group, outsider):
    action = make_action(group)

    flag = flag_create(action=action, by=outsider, reason="  Fake   address ")

    assert (flag.action, flag.by, flag.reason, flag.resolved_at) == (
        action,
        outsider,
        "Fake address",
        None,
    )


def test_one_open_flag_per_person_and_action(group, outsider, weaver):
    action = make_action(group)
    flag_create(action=action, by=outsider, reason="Spam")

    with pytest.raises(RuleBroken, match="already flagged"):
        flag_create(action=action, by=outsider, reason="Spam again")
    flag_create(action=action, by=weaver, reason="Spam too")
    flag_create(action=make_action(group), by=outsider, reason="Another one")

    assert Flag.objects.count() == 3


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_a_flag_needs_a_short_reason(group, outsider, reason):
    with pytest.raises(RuleBroken) as refused:
        flag_create(action=make_action(group), by=outsider, reason=reason)

    assert refused.value.field == "reason"


def test_flagging_is_rate_limited_per_person(group, outsider, weaver):
    actions = [make_action(group) for _ in range(11)]
    for action in actions[:10]:
        flag_create(action=action, by=outsider, reason="Spam")

    with pytest.raises(TooManyRequests, match="last hour"):
        flag_create(action=actions[10], by=outsider, reason="Spam")
    flag_create(action=actions[10], by=weaver, reason="Spam")


def test_a_visitor_flags_and_may_leave_an_address(group):
    from django.contrib.auth.models import AnonymousUser

    flag = flag_create(
        action=make_action(group), by=AnonymousUser(), reason="Spam", email=" Vi@Example.net "
    )

    assert (flag.by, flag.email) == (None, "vi@example.net")


# --- Hiding and restoring -------------------------------------------------------------


def _told(kind: str) -> list[str]:
    from notifications.models import Notification

    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__email", flat=True))


def test_hiding_records_the_decision_resolves_flags_and_tells_the_hosts(
    group, group_admin, group_member, outsider, steward
):
    action = make_action(group, by=group_member, title="Air walk")
    flag_create(action=action, by=outsider, reason="Insults a neighbour by name")

    decision = action_hide(
        action=action, by=steward, reason="Names a private person", rule="personal_data"
    )

    action.refresh_from_db()
    assert action.hidden_at is not None
    assert action.hidden_by == steward
    assert action.hidden_reason == "Names a private person"
    assert (decision.outcome, decision.hidden, decision.by, decision.role, decision.rule) == (
        "hidden", True, steward, "steward", "personal_data",
    )  # fmt: skip
    assert not Flag.objects.filter(resolved_at__isnull=True).exists()
    assert Flag.objects.get().decision == decision
    assert _told("moderation_your_action") == ["admin@example.net", "member@example.net"]
    from notifications.models import Notification

    for notice in Notification.objects.filter(kind="moderation_your_action"):
        assert "Air walk" in notice.title
        assert "a network steward" in notice.body
        assert "Names a private person" in notice.body
        assert "Stew" not in notice.body  # the role, never the steward's name
        assert "ask for a review" in notice.body


def test_restoring_shows_it_again_and_tells_the_hosts(group, group_admin, steward):
    action = make_action(group)
    action_hide(action=action, by=steward, reason="Looks like spam")

    action_restore(action=action, by=steward, reason="The hosts explained: it is real")

    action.refresh_from_db()
    assert (action.hidden_at, action.hidden_by, action.hidden_reason) == (None, None, "")
    assert list(ModerationDecision.objects.values_list("outcome", flat=True)) == [
        "restored",
        "hidden",
    ]
    from notifications.models import Notification

    latest = Notification.objects.filter(kind="moderation_your_action").latest("pk")
    assert "shown again" in latest.title
    assert "The hosts explained" in latest.body


def test_an_admin_who_posted_the_action_is_told_once(group, group_admin, steward):
    action_hide(action=make_action(group, by=group_admin), by=steward, reason="Spam")

    assert _told("moderation_your_action") == ["admin@example.net"]


def test_members_of_other_groups_are_not_told(group, group_admin, steward, make_person):
    other = GroupFactory(name="Others", slug="others")
    add_member(other, make_person("other-admin@example.net"), "admin")

    action_hide(action=make_action(group), by=steward, reason="Spam")

    assert _told("moderation_your_action") == ["admin@example.net"]
    assert mail.outbox == []


@pytest.mark.parametrize("who", ["group_admin", "weaver", "steering_member", "staff", "outsider"])
def test_only_moderators_and_stewards_hide(request, group, who):
    with pytest.raises(RuleBroken, match="moderators"):
        action_hide(action=make_action(group), by=request.getfixturevalue(who), reason="Spam")


@pytest.mark.parametrize("reason", ["", "  ", "x" * 501])
def test_moderating_needs_a_short_reason(group, steward, reason):
    action = make_action(group)

    with pytest.raises(RuleBroken) as refused:
        action_hide(action=action, by=steward, reason=reason)

    assert refused.value.field == "reason"
    action.refresh_from_db()
    assert action.hidden_at is None


def test_hiding_twice_or_restoring_a_shown_action_is_refused(group, steward):
    action = make_action(group)

    with pytest.raises(RuleBroken, match="not hidden"):
        action_restore(action=action, by=steward, reason="Fine")
    action_hide(action=action, by=steward, reason="Spam")
    with pytest.raises(RuleBroken, match="already hidden"):
        action_hide(action=action, by=steward, reason="Spam")
    assert ModerationDecision.objects.count() == 1


def test_a_new_flag_may_follow_a_decision(group, outsider, steward):
    action = make_action(group)
    flag_create(action=action, by=outsider, reason="Spam")
    action_hide(action=action, by=steward, reason="Spam")
    action_restore(action=action, by=steward, reason="Not spam")

    flag_create(action=action, by=outsider, reason="It is spam, really")

    assert Flag.objects.filter(resolved_at__isnull=True).count() == 1

"""Sending outreach to a prospect moves it to Contacted, with its line in the group's history."""

from __future__ import annotations

import pytest

from members.models import Group, Stage, StageChange, Suppression, SuppressionReason
from members.services.outreach import outreach_create, outreach_send
from members.timeline import timeline_for
from tests.factories import GroupFactory

pytestmark = pytest.mark.django_db


def group_at(stage: str, n: int) -> Group:
    return GroupFactory(
        name=f"Group {n}", stage=stage, contact_email=f"group{n}@example.org", contact_name="Ana"
    )


def send_to(weaver, capture, stages: list[str]) -> None:
    message = outreach_create(
        subject="Hello {{ group.name }}",
        body="Dear {{ person.first_name }},\n\nShall we meet?",
        audience={"stages": stages},
        by=weaver,
    )
    with capture(execute=True):
        outreach_send(message=message, by=weaver)


def fresh(group: Group) -> Group:
    return Group.objects.get(pk=group.pk)


def test_an_emailed_prospect_is_contacted_with_a_timeline_entry(
    weaver, django_capture_on_commit_callbacks
):
    prospect = group_at(Stage.PROSPECT, 1)

    send_to(weaver, django_capture_on_commit_callbacks, [Stage.PROSPECT])

    moved = fresh(prospect)
    assert moved.stage == Stage.CONTACTED
    assert moved.last_contact_at is not None
    change = StageChange.objects.get(group=prospect)
    assert (change.from_stage, change.to_stage) == (Stage.PROSPECT, Stage.CONTACTED)
    assert (change.reason, change.changed_by) == ("Outreach email sent", weaver)
    entries, _more = timeline_for(prospect)
    stage_lines = [entry for entry in entries if entry.kind == "stage"]
    assert stage_lines[0].summary == "Moved from prospect to contacted"
    assert stage_lines[0].detail == "Outreach email sent"


@pytest.mark.parametrize("stage", [Stage.CONTACTED, Stage.ALIGNED, Stage.PRODUCING, Stage.LAPSED])
def test_a_group_past_prospect_is_not_moved(weaver, django_capture_on_commit_callbacks, stage):
    further = group_at(stage, 2)

    send_to(weaver, django_capture_on_commit_callbacks, [])

    assert fresh(further).stage == stage
    assert not StageChange.objects.filter(group=further).exists()


def test_only_the_groups_really_written_to_move(weaver, django_capture_on_commit_callbacks):
    written = group_at(Stage.PROSPECT, 3)
    unsubscribed = group_at(Stage.PROSPECT, 4)
    Suppression.objects.create(email="group4@example.org", reason=SuppressionReason.UNSUBSCRIBED)

    send_to(weaver, django_capture_on_commit_callbacks, [Stage.PROSPECT])

    assert fresh(written).stage == Stage.CONTACTED
    assert fresh(unsubscribed).stage == Stage.PROSPECT


def test_a_refused_address_leaves_the_prospect_where_it_was(
    weaver, django_capture_on_commit_callbacks, smtp_settings
):
    refused = group_at(Stage.PROSPECT, 5)
    smtp_settings.refuse = {"group5@example.org"}

    send_to(weaver, django_capture_on_commit_callbacks, [Stage.PROSPECT])

    assert fresh(refused).stage == Stage.PROSPECT
    assert not StageChange.objects.filter(group=refused).exists()


def test_nothing_moves_before_the_email_is_sent(weaver, django_capture_on_commit_callbacks):
    prospect = group_at(Stage.PROSPECT, 6)
    message = outreach_create(subject="Hi", body="Hi", audience={}, by=weaver)

    with django_capture_on_commit_callbacks(execute=False):
        outreach_send(message=message, by=weaver)

    assert fresh(prospect).stage == Stage.PROSPECT

"""RSVP rules in the service: who may RSVP to what, capacity, duplicates, consent, cancelling."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.utils import timezone

from actions.models import Participation, ParticipationStatus
from actions.services.participation import (
    cancel_token,
    participation_cancel,
    participation_create,
    participation_for_token,
)
from coalition.errors import RuleBroken
from tests.factories import make_action, publish_privacy_policy

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy():
    return publish_privacy_policy()


def rsvp(action, n: int = 0, **extra):
    values = {"name": f"Visitor {n}", "email": f"visitor{n}@example.org", "consent": True}
    values.update(extra)
    return participation_create(action=action, **values)


def test_a_visitor_rsvps_to_a_public_action_with_consent_recorded(group, policy):
    action = make_action(group, capacity=10)

    participation = rsvp(action, name="  Rosa   Visitor ")

    action.refresh_from_db()
    assert action.rsvp_count == 1
    assert participation.status == ParticipationStatus.CONFIRMED
    assert participation.privacy_policy == policy
    assert participation.name == "Rosa Visitor"
    assert participation.person is None


def test_the_last_place_goes_to_one_person_and_the_next_is_told_it_is_full(group, policy):
    action = make_action(group, capacity=2)
    rsvp(action, 1)
    rsvp(action, 2)

    with pytest.raises(RuleBroken, match="This action is full"):
        rsvp(action, 3)

    action.refresh_from_db()
    assert action.rsvp_count == 2
    assert Participation.objects.filter(action=action).count() == 2


def test_the_same_address_twice_takes_no_second_place_and_its_owner_is_told_by_email(group, policy):
    action = make_action(group, capacity=5)
    first = rsvp(action, 1, email="Rosa@Example.org")
    mail.outbox.clear()

    again = rsvp(action, 2, email="rosa@example.ORG")

    action.refresh_from_db()
    assert again == first
    assert action.rsvp_count == 1
    assert Participation.objects.filter(action=action).count() == 1
    assert len(mail.outbox) == 0  # queued on commit: the test's transaction never commits


def test_the_already_on_the_list_note_goes_out_after_commit(
    group, policy, django_capture_on_commit_callbacks
):
    action = make_action(group, capacity=5, title="Walk\rBcc: x@evil.example")
    rsvp(action, 1)

    with django_capture_on_commit_callbacks(execute=True):
        rsvp(action, 1)

    note = mail.outbox[-1]
    assert note.to == ["visitor1@example.org"]
    assert note.subject == "You are already on the list: Walk Bcc: x@evil.example"
    assert "/actions/rsvp/cancel/" in note.body


def test_a_duplicate_racing_past_the_check_gives_its_place_back(group, policy, monkeypatch):
    """The unique index is the last word: the place taken before it fails is given back."""
    from actions.services import participation as service

    action = make_action(group, capacity=5)
    first = rsvp(action, 1)
    real_filter = service.Participation.objects.filter
    blinded = []

    def blind_filter(*args, **kwargs):
        # Play the race: the first duplicate check sees nothing, as if both came at once.
        if "email__iexact" in kwargs and not blinded:
            blinded.append(True)
            return service.Participation.objects.none()
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(service.Participation.objects, "filter", blind_filter)

    assert rsvp(action, 1) == first

    action.refresh_from_db()
    assert action.rsvp_count == 1


def test_without_consent_nothing_is_recorded(group, policy):
    action = make_action(group)

    with pytest.raises(RuleBroken, match="agree to the privacy policy") as refused:
        rsvp(action, consent=False)

    assert refused.value.field == "consent"
    action.refresh_from_db()
    assert action.rsvp_count == 0


def test_without_a_published_privacy_policy_nobody_can_consent(group):
    action = make_action(group)

    with pytest.raises(RuleBroken, match="privacy policy"):
        rsvp(action)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"status": "cancelled"}, "cancelled"),
        ({"status": "done"}, "over"),
        ({"days_ahead": -2}, "over"),
        ({"hidden_at": timezone.now()}, "hidden"),
    ],
)
def test_cancelled_past_done_and_hidden_actions_take_no_rsvp(group, policy, fields, message):
    action = make_action(group, **fields)

    with pytest.raises(RuleBroken, match=message):
        rsvp(action)

    assert not Participation.objects.exists()


def test_an_action_that_ended_a_minute_ago_takes_no_rsvp(group, policy):
    action = make_action(group, days_ahead=0)
    action.starts_at = timezone.now() - timedelta(hours=2)
    action.ends_at = timezone.now() - timedelta(minutes=1)
    action.save()

    with pytest.raises(RuleBroken, match="over"):
        rsvp(action)


def test_a_network_action_refuses_anonymous_and_outsiders_of_the_network(
    group, policy, make_person
):
    action = make_action(group, visibility="network")
    loner = make_person("loner@example.org")

    with pytest.raises(RuleBroken, match="Log in"):
        rsvp(action)
    with pytest.raises(RuleBroken, match="Log in"):
        rsvp(action, person=AnonymousUser())
    with pytest.raises(RuleBroken, match="not open to you"):
        rsvp(action, person=loner)


def test_a_network_action_takes_a_logged_in_member_of_the_network(group, policy, outsider):
    action = make_action(group, visibility="network")

    participation = rsvp(action, email=outsider.email, person=outsider)

    assert participation.person == outsider


def test_a_group_action_takes_only_its_own_members(group, policy, group_member, outsider):
    action = make_action(group, visibility="group")

    with pytest.raises(RuleBroken, match="not open to you"):
        rsvp(action, person=outsider)
    assert rsvp(action, person=group_member).person == group_member


@pytest.mark.parametrize(
    ("name", "email", "field"),
    [
        ("", "a@example.org", "name"),
        ("x" * 151, "a@example.org", "name"),
        ("Rosa", "not an address", "email"),
        ("Rosa", "a@" + "b" * 260 + ".org", "email"),
    ],
)
def test_bad_names_and_addresses_are_refused_on_their_field(group, policy, name, email, field):
    action = make_action(group)

    with pytest.raises(RuleBroken) as refused:
        participation_create(action=action, name=name, email=email, consent=True)

    assert refused.value.field == field


def test_the_confirmation_email_has_the_details_and_a_working_cancel_link(
    group, policy, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://coalition.example.org"
    action = make_action(group, title="Air & quality walk", address="1 Market Square")

    with django_capture_on_commit_callbacks(execute=True):
        participation = rsvp(action, email="rosa@example.org")

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["rosa@example.org"]
    assert "Air & quality walk" in sent.subject
    assert "Air & quality walk" in sent.body
    assert "1 Market Square" in sent.body
    assert "Riverside Tenants" in sent.body
    assert "Riverside Tenants" in sent.from_email
    assert f"https://coalition.example.org/actions/{action.pk}/" in sent.body
    # The token carries the second it was signed: read it from the email rather than
    # sign again (a second boundary between the two once failed CI).
    found = re.search(r"https://coalition\.example\.org/actions/rsvp/cancel/([^/\s]+)/", sent.body)
    assert found is not None
    assert participation_for_token(found.group(1)) == participation
    assert sent.content_subtype == "plain"


def test_nothing_is_sent_when_the_rsvp_is_refused(
    group, policy, django_capture_on_commit_callbacks
):
    action = make_action(group, capacity=0)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuleBroken):
        rsvp(action)

    assert mail.outbox == []


def test_cancelling_frees_the_place_once_however_often_it_is_asked(group, policy):
    action = make_action(group, capacity=1)
    participation = rsvp(action, 1)

    assert participation_cancel(participation=participation) is True
    assert participation_cancel(participation=participation) is False

    action.refresh_from_db()
    participation.refresh_from_db()
    assert action.rsvp_count == 0
    assert participation.status == ParticipationStatus.CANCELLED
    assert participation.cancelled_at is not None
    # The freed place can be taken, even by the same address.
    rsvp(action, 1)


def test_a_forged_or_foreign_token_is_not_a_cancel_link(group, policy):
    from django.core import signing

    participation = rsvp(make_action(group))

    with pytest.raises(RuleBroken, match="not valid"):
        participation_for_token(cancel_token(participation) + "x")
    with pytest.raises(RuleBroken, match="not valid"):
        participation_for_token(signing.dumps(participation.pk, salt="something-else"))
    with pytest.raises(RuleBroken, match="not valid"):
        participation_for_token(signing.dumps("1", salt="rsvp-cancel"))
    assert participation_for_token(cancel_token(participation)) == participation

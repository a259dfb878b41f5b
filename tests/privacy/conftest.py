"""A person with something of every kind of personal data, all of it distinctive."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

NAME = "Zephyrine Quillfeather"
EMAIL = "zephyrine.q7731@example.net"
PHONE = "+44 7700 900417"


@pytest.fixture
def rich_person(make_person, group, weaver, steward):
    """Zephyrine: an admin of ``group`` with data in every app; returns (person, world)."""
    from actions.models import (
        Flag,
        Participation,
        SupportPledge,
        SupportRequest,
    )
    from api.models import ApiToken
    from coalition.models import PrivacyPolicy
    from coalition.selectors import statement_current
    from coalition.services import role_grant
    from convergence.models import Event, NoticeSent
    from members.models import (
        Delivery,
        Invitation,
        LadderLevel,
        LadderStep,
        OutreachMessage,
        RelationalMeeting,
        Skill,
        Suppression,
    )
    from members.services.signatures import signature_create
    from reporting.models import Win
    from tests.factories import (
        GroupFactory,
        add_member,
        make_action,
        make_day,
        publish_privacy_policy,
        publish_statement,
    )

    publish_statement()
    if not PrivacyPolicy.objects.exists():
        publish_privacy_policy()
    person = make_person(EMAIL, name=NAME, phone=PHONE)
    add_member(group, person, "admin")
    group.contact_name, group.contact_email = NAME, EMAIL
    group.save()
    signature_create(group=group, person=person, version=statement_current(), listing_consent=True)
    other = GroupFactory(name="Canal Friends")
    RelationalMeeting.objects.create(
        person_a=person, person_b=weaver, group_a=group, group_b=other,
        met_on=dt.date.today(), notes=f"{NAME} spoke about her street.",
        follow_up=f"Call {PHONE}", logged_by=person,
    )  # fmt: skip
    level = LadderLevel.objects.create(name="Leader", rank=3, counts_as_leader=True)
    LadderStep.objects.create(person=person, level=level, note=f"{NAME} led the walk")
    person.skills.add(Skill.objects.create(name="Facilitation"))
    Invitation.objects.create(
        kind="member", group=group, email=EMAIL, name=NAME, token_hash="f" * 64,
        expires_at=timezone.now() + dt.timedelta(days=3),
    )  # fmt: skip
    message = OutreachMessage.objects.create(subject="Hello", body="Hi", status="sent")
    Delivery.objects.create(message=message, email=EMAIL, person=person, status="sent")
    Suppression.objects.create(email=EMAIL.upper(), reason="unsubscribed")
    posted = make_action(group, by=person, title="Street clean-up")
    elsewhere = make_action(other, title="Canal walk", capacity=10)
    for action, who in ((elsewhere, person), (posted, None)):
        Participation.objects.create(
            action=action, name=NAME, email=EMAIL, person=who,
            privacy_policy=PrivacyPolicy.objects.first(),
        )  # fmt: skip
        action.rsvp_count += 1
        action.save(update_fields=["rsvp_count"])
    Participation.objects.create(action=elsewhere, name="Someone Else", email="else@example.net")
    Flag.objects.create(action=elsewhere, by=person, reason="Wrong date")
    support = SupportRequest.objects.create(action=elsewhere, kind="people", amount=5)
    SupportPledge.objects.create(request=support, group=group, amount=2, by=person, note="We come")
    day = make_day(places=[group.place])
    event = Event.objects.create(day=day, action=posted, registered_by=person)
    NoticeSent.objects.create(kind="rsvp_reminder", event=event, email=EMAIL)
    Win.objects.create(
        title="Clean air zone adopted", won_on=dt.date.today(), place=group.place,
        level="city", recorded_by=person,
    )  # fmt: skip
    role_grant(person=person, role="weaver", by=steward, reason="Runs the river pipeline")
    role_grant(person=weaver, role="facilitator", by=person, reason="Chairs the assembly")
    ApiToken.objects.create(person=person, name="laptop", prefix="abc", key_hash="e" * 64)
    from exchange.models import PersonAddress, Tag, Tagging

    Tagging.objects.create(person=person, tag=Tag.objects.create(name="volunteer"))
    PersonAddress.objects.create(person=person, postal_code="ZQ7 7AB", locality="Riverside")
    from notifications.models import Broadcast, BroadcastDelivery, EmailOptOut

    broadcast = Broadcast.objects.create(
        kind="host_message", subject="Bring boots", body="Mud ahead.", sender_name="Hosts"
    )
    BroadcastDelivery.objects.create(broadcast=broadcast, email=EMAIL.lower(), name=NAME)
    EmailOptOut.objects.create(email=EMAIL.lower(), kind="coordinator_message")
    return person

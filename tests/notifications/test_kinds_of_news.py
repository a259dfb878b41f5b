"""Each kind of news reaches the people it concerns, and only them, once."""

from __future__ import annotations

import pytest
from django.core import mail

from actions.services.amplification import amplification_add
from actions.services.participation import participation_create
from actions.services.support import support_pledge_add, support_request_create
from convergence.services.days import day_publish, day_update
from members.models import Stage, User
from notifications.models import Notification
from tests.factories import (
    GroupFactory,
    add_member,
    make_action,
    make_day,
    make_place,
    publish_privacy_policy,
)

pytestmark = pytest.mark.django_db


def told(kind: str) -> list[str]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__email", flat=True))


@pytest.fixture
def city():
    return make_place("Lakeside")


@pytest.fixture
def host(city, make_person):
    group = GroupFactory(name="Lake Tenants", slug="lake-tenants", place=city, stage=Stage.ALIGNED)
    add_member(group, make_person("lake-admin@example.net"), "admin")
    add_member(group, make_person("lake-contact@example.net"), "contact")
    add_member(group, make_person("lake-member@example.net"), "member")
    return group


@pytest.fixture
def ally(city, make_person):
    group = GroupFactory(name="Fishers", slug="fishers", place=city, stage=Stage.ALIGNED)
    person = make_person("fisher-admin@example.net")
    add_member(group, person, "admin")
    return group, person


@pytest.fixture
def action(host):
    return make_action(host, title="Shore clean-up")


@pytest.mark.parametrize("kind", ["endorse", "cohost", "share", "pledge"])
def test_an_amplification_tells_the_host_groups_admins_and_contacts_once(action, ally, kind):
    group, person = ally
    amplification_add(action=action, group=group, kind=kind, by=person, people=4)
    amplification_add(action=action, group=group, kind=kind, by=person, people=4)

    assert told("action_amplified") == ["lake-admin@example.net", "lake-contact@example.net"]


def test_a_pledge_tells_the_hosts_and_a_changed_pledge_says_from_what(action, ally, host):
    group, person = ally
    admin = host.memberships.get(role="admin").person
    request = support_request_create(action=action, by=admin, kind="people", amount=10)
    support_pledge_add(support_request=request, group=group, by=person, amount=4)
    support_pledge_add(support_request=request, group=group, by=person, amount=50)

    rows = Notification.objects.filter(kind="support_pledged", recipient=admin).order_by("pk")
    assert [row.title for row in rows] == [
        "Fishers pledges 4 to “Shore clean-up”",
        "Fishers changed its pledge to “Shore clean-up” from 4 to 50",
    ]
    assert (
        told("support_pledged") == ["lake-admin@example.net"] * 2 + ["lake-contact@example.net"] * 2
    )


def test_an_rsvp_tells_the_hosts_and_the_poster_but_not_the_person_coming(host, make_person):
    publish_privacy_policy()
    poster = host.memberships.get(role="member").person
    action = make_action(host, by=poster, title="Shore clean-up")
    participation_create(action=action, name="Rita Rsvp", email="rita@example.org", consent=True)

    assert told("rsvp_received") == [
        "lake-admin@example.net",
        "lake-contact@example.net",
        "lake-member@example.net",
    ]
    assert Notification.objects.filter(kind="rsvp_received").first().title == (
        "Rita Rsvp is coming to “Shore clean-up”"
    )


def test_a_support_request_tells_signed_groups_nearby_and_no_one_far(action, ally, host):
    far = GroupFactory(
        name="Far Away", slug="far-away", place=make_place("Elsewhere"), stage=Stage.ALIGNED
    )
    prospect = GroupFactory(
        name="Prospect", slug="prospect", place=action.place, stage=Stage.PROSPECT
    )
    for group, email in ((far, "far@example.net"), (prospect, "prospect@example.net")):
        add_member(group, User.objects.create_user(email=email))
    admin = host.memberships.get(role="admin").person

    support_request_create(action=action, by=admin, kind="people", amount=10)

    assert told("support_request_near") == ["fisher-admin@example.net"]


def test_publishing_a_day_tells_the_signed_groups_in_its_places_with_one_email(
    host, coordinator, city, django_capture_on_commit_callbacks
):
    far = GroupFactory(
        name="Far Away", slug="far-away", place=make_place("Elsewhere"), stage=Stage.ALIGNED
    )
    add_member(far, User.objects.create_user(email="f@x.net"))
    day = make_day(places=[city], status="draft")

    with django_capture_on_commit_callbacks(execute=True):
        day_publish(day=day, by=coordinator)

    assert told("day_published") == ["lake-admin@example.net", "lake-contact@example.net"]
    # The announcement is the one email each gets; the notification is on the site.
    assert sorted(m.to for m in mail.outbox) == [
        ["lake-admin@example.net"],
        ["lake-contact@example.net"],
    ]


def test_changing_a_published_day_tells_its_groups_but_a_draft_tells_no_one(
    host, coordinator, city
):
    day = make_day(places=[city], status="draft")
    fields = {
        "title": day.title, "purpose": day.purpose, "target": day.target, "ask": "New ask.",
        "starts_at": day.starts_at, "ends_at": day.ends_at, "places": [city],
    }  # fmt: skip
    day_update(day=day, by=coordinator, **fields)
    assert told("day_changed") == []

    day.status = "open"
    day.save()
    day_update(day=day, by=coordinator, **fields)
    assert told("day_changed") == ["lake-admin@example.net", "lake-contact@example.net"]

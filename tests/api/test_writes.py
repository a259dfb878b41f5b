"""Writes through the API go through the pages' services: same rules, same email."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from actions.models import Action, Amplification, Participation, SupportRequest
from convergence.models import Event
from tests.factories import GroupFactory, add_member, make_action, make_day

pytestmark = pytest.mark.django_db


def post(client, url: str, data: dict, headers: dict):
    return client.post(url, data=data, content_type="application/json", **headers)


def action_body(group, **overrides) -> dict:
    start = timezone.now() + datetime.timedelta(days=5)
    body = {
        "group": group.slug,
        "title": "Clean air picnic",
        "kind": "event",
        "place": group.place_id,
        "starts_at": start.isoformat(),
        "ends_at": (start + datetime.timedelta(hours=2)).isoformat(),
    }
    body.update(overrides)
    return body


def test_a_member_posts_an_action_for_their_signed_group(
    client, signed_group, group_member, bearer
):
    response = post(client, "/api/v1/actions/", action_body(signed_group), bearer(group_member))

    assert response.status_code == 201, response.content
    action = Action.objects.get()
    assert response.json()["id"] == action.pk
    assert action.host_group == signed_group and action.created_by == group_member
    signed_group.refresh_from_db()
    assert signed_group.stage == "producing"  # the service's rule: first action


def test_an_unsigned_group_cannot_post(client, group, group_member, bearer):
    response = post(client, "/api/v1/actions/", action_body(group), bearer(group_member))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "rule_broken"
    assert not Action.objects.exists()


def test_nobody_posts_for_a_group_they_are_not_in(client, signed_group, outsider, bearer):
    response = post(client, "/api/v1/actions/", action_body(signed_group), bearer(outsider))

    assert response.status_code == 403
    assert not Action.objects.exists()


def test_an_action_ending_before_it_starts_is_refused_on_its_field(
    client, signed_group, group_member, bearer
):
    body = action_body(signed_group, ends_at=timezone.now().isoformat())

    response = post(client, "/api/v1/actions/", body, bearer(group_member))

    assert response.status_code == 400
    assert "ends_at" in response.json()["error"]["fields"]


def test_anonymous_cannot_write(client, signed_group):
    response = post(client, "/api/v1/actions/", action_body(signed_group), {})

    assert response.status_code == 401
    assert not Action.objects.exists()


def test_a_group_amplifies_another_groups_action(client, signed_group, outsider, bearer):
    action = make_action(signed_group)
    other = outsider.memberships.get().group

    response = post(
        client, "/api/v1/amplifications/",
        {"action": action.pk, "group": other.slug, "kind": "cohost"}, bearer(outsider),
    )  # fmt: skip
    again = post(
        client, "/api/v1/amplifications/",
        {"action": action.pk, "group": other.slug, "kind": "cohost"}, bearer(outsider),
    )  # fmt: skip

    assert response.status_code == 201, response.content
    assert again.status_code == 201
    assert Amplification.objects.filter(action=action, group=other, kind="cohost").count() == 1
    assert response.json()["sees_rsvps"] is None  # only the hosts see that setting


def test_a_group_cannot_amplify_its_own_action(client, signed_group, group_admin, bearer):
    action = make_action(signed_group)

    response = post(
        client, "/api/v1/amplifications/",
        {"action": action.pk, "group": signed_group.slug, "kind": "endorse"}, bearer(group_admin),
    )  # fmt: skip

    assert response.status_code == 400
    assert not Amplification.objects.exists()


def test_a_plain_member_cannot_amplify_in_the_groups_name(
    client, signed_group, group_member, outsider, bearer
):
    action = make_action(outsider.memberships.get().group)

    response = post(
        client, "/api/v1/amplifications/",
        {"action": action.pk, "group": signed_group.slug, "kind": "endorse"}, bearer(group_member),
    )  # fmt: skip

    assert response.status_code == 403


def test_an_action_one_cannot_see_cannot_be_amplified(client, signed_group, outsider, bearer):
    hidden = make_action(signed_group, visibility="group")
    other = outsider.memberships.get().group

    response = post(
        client, "/api/v1/amplifications/",
        {"action": hidden.pk, "group": other.slug, "kind": "endorse"}, bearer(outsider),
    )  # fmt: skip

    assert response.status_code == 400
    assert "action" in response.json()["error"]["fields"]


def test_an_rsvp_is_taken_and_confirmed_by_email(client, signed_group, outsider, policy, bearer):
    action = make_action(signed_group, capacity=2)

    response = post(
        client, "/api/v1/participations/", {"action": action.pk, "consent": True}, bearer(outsider)
    )

    assert response.status_code == 201, response.content
    assert response.json()["email"] == outsider.email
    action.refresh_from_db()
    assert action.rsvp_count == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [outsider.email]


def test_an_rsvp_beyond_capacity_is_a_409_and_writes_nothing(
    client, signed_group, outsider, weaver, policy, bearer
):
    action = make_action(signed_group, capacity=1)
    post(client, "/api/v1/participations/", {"action": action.pk, "consent": True}, bearer(weaver))
    mail.outbox.clear()

    response = post(
        client, "/api/v1/participations/", {"action": action.pk, "consent": True}, bearer(outsider)
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert Participation.objects.filter(action=action).count() == 1
    action.refresh_from_db()
    assert action.rsvp_count == 1
    assert mail.outbox == []


def test_an_rsvp_needs_consent(client, signed_group, outsider, policy, bearer):
    action = make_action(signed_group)

    response = post(
        client, "/api/v1/participations/", {"action": action.pk, "consent": False}, bearer(outsider)
    )

    assert response.status_code == 400
    assert "consent" in response.json()["error"]["fields"]
    assert not Participation.objects.exists()


def test_the_host_asks_for_support(client, signed_group, group_admin, bearer):
    action = make_action(signed_group)

    response = post(
        client, "/api/v1/support-requests/",
        {"action": action.pk, "kind": "people", "amount": 12}, bearer(group_admin),
    )  # fmt: skip

    assert response.status_code == 201, response.content
    assert SupportRequest.objects.get().amount == 12


def test_only_the_host_asks_for_support(client, signed_group, outsider, bearer):
    action = make_action(signed_group)

    response = post(
        client, "/api/v1/support-requests/",
        {"action": action.pk, "kind": "people", "amount": 12}, bearer(outsider),
    )  # fmt: skip

    assert response.status_code == 403
    assert not SupportRequest.objects.exists()


@pytest.mark.parametrize(
    "over, message",
    [
        ({"days_ahead": -2}, "This action is over: it can no longer ask the network for support."),
        (
            {"status": "cancelled"},
            "This action was cancelled: it can no longer ask the network for support.",
        ),
    ],
)
def test_an_action_that_is_over_cannot_ask_for_support(
    client, signed_group, group_admin, bearer, over, message
):
    action = make_action(signed_group, by=group_admin, **over)

    response = post(
        client, "/api/v1/support-requests/",
        {"action": action.pk, "kind": "people", "amount": 12}, bearer(group_admin),
    )  # fmt: skip

    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "rule_broken"
    assert response.json()["error"]["message"] == message
    assert not SupportRequest.objects.exists()


def test_a_group_registers_an_event_for_a_day(client, signed_group, group_member, bearer):
    day = make_day(places=[signed_group.place])
    start = day.starts_at + datetime.timedelta(hours=1)
    body = action_body(
        signed_group, day=day.slug, starts_at=start.isoformat(),
        ends_at=(start + datetime.timedelta(hours=1)).isoformat(),
    )  # fmt: skip

    response = post(client, "/api/v1/events/", body, bearer(group_member))

    assert response.status_code == 201, response.content
    event = Event.objects.get()
    assert event.day == day and response.json()["day"] == day.slug


def test_an_event_outside_the_window_is_refused(client, signed_group, group_member, bearer):
    day = make_day(places=[signed_group.place])

    response = post(
        client, "/api/v1/events/", action_body(signed_group, day=day.slug), bearer(group_member)
    )

    assert response.status_code == 400
    assert "starts_at" in response.json()["error"]["fields"]
    assert not Event.objects.exists()


def test_an_event_for_an_unknown_day_is_a_400(client, signed_group, group_member, bearer):
    response = post(
        client, "/api/v1/events/", action_body(signed_group, day="nope"), bearer(group_member)
    )

    assert response.status_code == 400
    assert "day" in response.json()["error"]["fields"]


def test_a_co_host_group_admin_is_not_a_host(client, signed_group, make_person, bearer):
    cohost = GroupFactory(name="Co Hosts", slug="co-hosts")
    person = make_person("cohost@example.net")
    add_member(cohost, person, "admin")
    action = make_action(signed_group)
    Amplification.objects.create(action=action, group=cohost, kind="cohost")

    response = client.get(f"/api/v1/participations/?action={action.pk}", **bearer(person))

    assert response.status_code == 403

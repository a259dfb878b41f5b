"""Moderation pages: flagging, the stewards' queue, hiding and restoring, the action page's box."""

from __future__ import annotations

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core import mail
from django.test import RequestFactory
from django.utils import timezone

from actions.models import Flag, ModerationDecision
from actions.services.moderation import action_hide, action_restore, flag_create
from actions.views.moderation import moderation_detail_context
from tests.factories import PersonFactory, make_action

pytestmark = pytest.mark.django_db

CAST = ["anonymous", "outsider", "group_member", "group_admin", "weaver", "steering_member"]


def login(request, client, who: str) -> None:
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))


# --- Flagging -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 200),
        ("outsider", 200),
        ("group_member", 200),
        ("group_admin", 200),
        ("weaver", 200),
        ("steering_member", 200),
        ("steward", 200),
    ],
)
def test_everyone_may_flag_a_visible_action(request, client, group, who, status):
    login(request, client, who)

    response = client.get(f"/actions/{make_action(group).pk}/flag/")

    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(("who", "status"), [("outsider", 404), ("group_member", 200)])
def test_an_action_one_cannot_see_cannot_be_flagged(request, client, group, who, status):
    login(request, client, who)

    action = make_action(group, visibility="group")

    assert client.get(f"/actions/{action.pk}/flag/").status_code == status
    assert client.post(f"/actions/{action.pk}/flag/", {"reason": "x"}).status_code in {
        404,
        302,
    }


def test_flagging_records_the_flag_and_thanks_the_person(client, group, outsider):
    action = make_action(group)
    client.force_login(outsider)

    response = client.post(f"/actions/{action.pk}/flag/", {"reason": "Fake event"}, follow=False)

    assert response.status_code == 302
    assert response["Location"] == f"/actions/{action.pk}/"
    assert Flag.objects.get().reason == "Fake event"


@pytest.mark.parametrize(
    ("reason", "message"), [("", "This field is required"), ("x" * 501, "at most 500")]
)
def test_a_flag_without_a_reason_or_too_long_is_a_form_error(
    client, group, outsider, reason, message
):
    client.force_login(outsider)

    response = client.post(f"/actions/{make_action(group).pk}/flag/", {"reason": reason})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Flag.objects.exists()


def test_flagging_twice_is_a_form_error(client, group, outsider):
    action = make_action(group)
    client.force_login(outsider)
    client.post(f"/actions/{action.pk}/flag/", {"reason": "Spam"})

    response = client.post(f"/actions/{action.pk}/flag/", {"reason": "Spam"})

    assert response.status_code == 400
    assert "already flagged" in response.content.decode()


def test_flagging_too_often_gets_a_429(client, group, outsider):
    client.force_login(outsider)
    for _ in range(10):
        client.post(f"/actions/{make_action(group).pk}/flag/", {"reason": "Spam"})

    response = client.post(f"/actions/{make_action(group).pk}/flag/", {"reason": "Spam"})

    assert response.status_code == 429
    assert "flagged 10 actions in the last hour" in response.content.decode()
    assert Flag.objects.count() == 10


# --- The stewards' queue --------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("outsider", 403),
        ("group_member", 403),
        ("group_admin", 403),
        ("weaver", 403),
        ("steering_member", 200),
        ("staff", 403),
        ("steward", 200),
    ],
)
def test_only_stewards_see_the_moderation_queue(request, client, who, status):
    login(request, client, who)

    assert client.get("/moderation/").status_code == status


def test_the_steering_committee_reads_the_queue_but_is_offered_no_decision(
    client, group, outsider, steward, steering_member
):
    flagged = make_action(group, title="Flagged walk")
    flag_create(action=flagged, by=outsider, reason="Looks fake")
    client.force_login(steering_member)

    page = client.get("/moderation/").content.decode()

    assert "Flagged walk" in page
    assert "Looks fake" in page
    assert f"/actions/{flagged.pk}/moderate/" not in page
    assert "moderators and network stewards decide" in page
    response = client.post(
        f"/actions/{flagged.pk}/moderate/",
        {"decision": "hide", "rule": "spam", "reason": "Looks fake"},
    )
    assert response.status_code == 403
    flagged.refresh_from_db()
    assert flagged.hidden_at is None


def test_the_queue_shows_open_flags_and_hidden_actions(client, group, outsider, steward):
    flagged = make_action(group, title="Flagged walk")
    flag_create(action=flagged, by=outsider, reason="Looks fake")
    hidden = make_action(group, title="Hidden walk")
    action_hide(action=hidden, by=steward, reason="Spam links")
    client.force_login(steward)

    page = client.get("/moderation/").content.decode()

    assert "Flagged walk" in page
    assert "Looks fake" in page
    assert "Hidden walk" in page
    assert "Spam links" in page
    assert f'href="/actions/{flagged.pk}/moderate/"' in page


@pytest.mark.parametrize("size", [3, 40])
def test_the_queue_uses_a_fixed_number_of_queries(
    client, group, steward, size, django_assert_num_queries
):
    for number in range(size):
        action = make_action(group, title=f"Action {number}")
        flag_create(action=action, by=PersonFactory(), reason="Spam")
        make_action(group, hidden_at=timezone.now(), hidden_by=steward, hidden_reason="Spam")
    client.force_login(steward)

    # session, person, memberships, roles; actions with open flags: count, page, their
    # open flags, their decisions; hidden: count, page; coalition
    with django_assert_num_queries(11):
        response = client.get("/moderation/")
    assert len(response.context["items"]) == min(size, 20)


# --- Hiding and restoring -------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("outsider", 403),
        ("group_member", 403),
        ("group_admin", 403),
        ("weaver", 403),
        ("steering_member", 403),
        ("staff", 403),
        ("steward", 302),
    ],
)
def test_only_stewards_hide_an_action(request, client, group, who, status):
    action = make_action(group)
    login(request, client, who)

    response = client.post(
        f"/actions/{action.pk}/moderate/", {"decision": "hide", "reason": "Spam"}
    )

    assert response.status_code == status
    action.refresh_from_db()
    assert (action.hidden_at is not None) == (who == "steward")


@pytest.mark.parametrize(
    ("who", "status"), [("anonymous", 302), ("group_admin", 403), ("steward", 200)]
)
def test_only_stewards_open_an_actions_moderation_page(request, client, group, who, status):
    login(request, client, who)

    assert client.get(f"/actions/{make_action(group).pk}/moderate/").status_code == status


def test_a_steward_hides_then_restores_from_the_action_page(client, group, group_admin, steward):
    action = make_action(group)
    client.force_login(steward)
    back = f"/actions/{action.pk}/"

    hidden = client.post(
        f"/actions/{action.pk}/moderate/",
        {"decision": "hide", "reason": "Spam", "next": back},
    )
    restored = client.post(
        f"/actions/{action.pk}/moderate/",
        {"decision": "restore", "reason": "Real after all", "next": back},
    )

    assert hidden["Location"] == back
    assert restored["Location"] == back
    assert list(ModerationDecision.objects.values_list("outcome", "reason")) == [
        ("restored", "Real after all"),
        ("hidden", "Spam"),
    ]


def test_an_outside_next_address_is_ignored(client, group, steward):
    action = make_action(group)
    client.force_login(steward)

    response = client.post(
        f"/actions/{action.pk}/moderate/",
        {"decision": "hide", "reason": "Spam", "next": "https://elsewhere.example.org/"},
    )

    assert response["Location"] == f"/actions/{action.pk}/moderate/"


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [("x", "x"), ("99999999999999999999999", "99999999999999999999999"), ("//evil.example/", None)],
)
def test_an_odd_next_address_is_never_a_500(client, group, steward, next_url, lands_on):
    action = make_action(group)
    client.force_login(steward)

    response = client.post(
        f"/actions/{action.pk}/moderate/", {"decision": "hide", "reason": "Spam", "next": next_url}
    )

    assert response.status_code == 302
    assert response["Location"] == (lands_on or f"/actions/{action.pk}/moderate/")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"decision": "hide", "reason": ""}, "This field is required"),
        ({"decision": "hide", "reason": "x" * 501}, "at most 500"),
        ({"decision": "restore", "reason": "Fine"}, "not hidden"),
        ({"decision": "delete", "reason": "Spam"}, "Select a valid choice"),
    ],
)
def test_moderating_without_a_reason_or_with_nonsense_is_a_form_error(
    client, group, steward, data, message
):
    action = make_action(group)
    client.force_login(steward)

    response = client.post(f"/actions/{action.pk}/moderate/", data)

    assert response.status_code == 400
    assert message in response.content.decode()
    action.refresh_from_db()
    assert action.hidden_at is None
    assert mail.outbox == []


def test_an_unknown_action_is_404_for_stewards(client, steward):
    client.force_login(steward)

    assert (
        client.post("/actions/99999/moderate/", {"decision": "hide", "reason": "x"}).status_code
        == 404
    )


# --- The box on the action page --------------------------------------------------------


def page_of(client, action) -> str:
    response = client.get(f"/actions/{action.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_anonymous_visitors_get_a_flag_form_with_an_optional_address(client, group):
    action = make_action(group)

    page = page_of(client, action)

    assert f'action="/actions/{action.pk}/flag/"' in page
    assert 'name="email"' in page


def test_logged_in_people_get_a_flag_form_until_they_flagged(client, group, outsider):
    action = make_action(group)
    client.force_login(outsider)

    assert f'action="/actions/{action.pk}/flag/"' in page_of(client, action)
    flag_create(action=action, by=outsider, reason="Spam")
    assert "You have flagged this action" in page_of(client, action)


def test_stewards_get_the_hide_form_and_the_history(client, group, outsider, steward):
    action = make_action(group)
    flag_create(action=action, by=outsider, reason="Looks fake")
    action_hide(action=action, by=steward, reason="Fake")
    action_restore(action=action, by=steward, reason="Real")
    flag_create(action=action, by=outsider, reason="Still fake")
    client.force_login(steward)

    page = page_of(client, action)

    assert f'action="/actions/{action.pk}/moderate/"' in page
    assert "Hide the action" in page
    assert "Still fake" in page
    assert "Fake" in page and "Real" in page


def test_the_host_group_sees_its_hidden_action_with_the_reason_but_not_who(
    client, group, group_member, steward
):
    action = make_action(group)
    action_hide(action=action, by=steward, reason="Shows a private address")
    client.force_login(group_member)

    page = page_of(client, action)

    assert "Shows a private address" in page
    assert "Stew Steward" not in page


def _request(user):
    request = RequestFactory().get("/actions/1/")
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


@pytest.mark.parametrize("size", [3, 40])
def test_the_box_uses_a_fixed_number_of_queries(
    group, steward, outsider, size, django_assert_num_queries
):
    action = make_action(group)
    for number in range(size):
        action_hide(action=action, by=steward, reason=f"Hide {number}")
        action_restore(action=action, by=steward, reason=f"Restore {number}")
        flag_create(action=action, by=PersonFactory(), reason="Spam")
    steward_request, outsider_request = _request(steward), _request(outsider)
    for request in (steward_request, outsider_request):
        moderation_detail_context(request, action)  # roles and memberships, read once

    with django_assert_num_queries(2):  # decisions, open flags
        moderation_detail_context(steward_request, action)
    with django_assert_num_queries(1):  # their own open flag
        moderation_detail_context(outsider_request, action)

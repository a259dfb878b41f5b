"""Moderation reaches people: moderators hear of flags, and each decision tells the right
people and only them; everyone else in the cast is refused and nothing changes; the
public log names nobody; auto-hide is off by default."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.utils import timezone

from actions.models import Action, Amplification, Flag, ModerationDecision, Participation
from actions.services.moderation import action_hide, flag_create
from coalition.models import AuditEntry
from notifications.models import Notification
from tests.factories import GroupFactory, PersonFactory, add_member, make_action

pytestmark = pytest.mark.django_db

CAST = [
    "anonymous", "outsider", "group_member", "group_admin", "weaver", "coordinator",
    "steering_member", "staff",
]  # fmt: skip


def to_addresses() -> list[list[str]]:
    """Who got email as an address without an account: it carries the address's own
    one-click unsubscribe (RFC 8058), not the notification centre's."""
    return [
        m.to
        for m in mail.outbox
        if "/notifications/unsubscribe-address/" in m.extra_headers.get("List-Unsubscribe", "")
    ]


def told(kind: str) -> list[str]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__email", flat=True))


@pytest.fixture
def scene(group, group_admin, outsider, steward, moderator, make_person, place):
    """An action of ``group`` with a co-host group, RSVPs with and without an account, and
    two flags: the outsider's and a visitor's who left an address."""
    action = make_action(group, by=group_admin, title="Riverside picnic")
    cohost = GroupFactory(name="Bridge Club", slug="bridge-club", place=place)
    cohost_admin = make_person("cohost@example.net", name="Cai Cohost")
    add_member(cohost, cohost_admin, "admin")
    Amplification.objects.create(action=action, group=cohost, kind="cohost", by=cohost_admin)
    rsvper = make_person("rsvp-account@example.net", name="Rhea Rsvp")
    Participation.objects.create(action=action, name="Rhea", email=rsvper.email, person=rsvper)
    for _ in range(2):  # the same address twice is written to once
        Participation.objects.create(
            action=action, name="Vic", email="visitor-rsvp@example.net", status="cancelled"
        )
    Participation.objects.create(action=action, name="Vic", email="visitor-rsvp@example.net")
    flag_create(action=action, by=outsider, reason="Looks like spam")
    flag_create(
        action=action, by=AnonymousUser(), reason="Spam", email="flagger@example.net", ip="1"
    )
    mail.outbox.clear()
    return action


def test_a_flag_notifies_the_moderators_and_stewards_and_only_them(scene):
    assert told("moderation_flagged") == [
        "moderator@example.net", "moderator@example.net",
        "steward@example.net", "steward@example.net",
    ]  # fmt: skip
    # The hosts hear their action was flagged (once per flag), but not by whom nor why.
    assert told("moderation_your_action_flagged") == ["admin@example.net"] * 2
    notice = Notification.objects.filter(kind="moderation_your_action_flagged").first()
    assert "Spam" not in notice.title + notice.body and "outsider" not in notice.body
    assert (
        Notification.objects.exclude(
            kind__in=["moderation_flagged", "moderation_your_action_flagged"]
        ).count()
        == 0
    )


def test_hiding_tells_flaggers_hosts_cohosts_and_rsvps_once_each(
    client, scene, moderator, django_capture_on_commit_callbacks
):
    client.force_login(moderator)

    response = client.post(
        f"/actions/{scene.pk}/moderate/",
        {"decision": "hide", "rule": "spam", "reason": "Advertises a shop"},
    )

    assert response.status_code == 302
    decision = ModerationDecision.objects.get()
    assert (decision.outcome, decision.role, decision.rule) == ("hidden", "moderator", "spam")
    assert told("moderation_flag_outcome") == ["outsider@example.net"]
    assert told("moderation_your_action") == ["admin@example.net"]
    assert told("moderation_part_of_hidden") == ["cohost@example.net", "rsvp-account@example.net"]
    assert sorted(to_addresses()) == [["flagger@example.net"], ["visitor-rsvp@example.net"]]
    to_flagger = next(m for m in mail.outbox if m.to == ["flagger@example.net"])
    assert "Advertises a shop" in to_flagger.body
    assert "Mira" not in to_flagger.body  # a role, never the moderator's name
    assert AuditEntry.objects.filter(verb="moderation").count() == 1


def test_dismissing_closes_the_flags_and_tells_only_the_flaggers(client, scene, moderator):
    client.force_login(moderator)

    response = client.post(
        f"/actions/{scene.pk}/moderate/", {"decision": "dismiss", "reason": "A real picnic"}
    )

    assert response.status_code == 302
    scene.refresh_from_db()
    assert scene.hidden_at is None
    assert not Flag.objects.filter(resolved_at__isnull=True).exists()
    assert told("moderation_flag_outcome") == ["outsider@example.net"]
    assert told("moderation_your_action") == told("moderation_part_of_hidden") == []
    assert to_addresses() == [["flagger@example.net"]]
    assert "stays up" in mail.outbox[-1].subject


def test_restoring_tells_the_hosts(client, scene, steward):
    action_hide(action=scene, by=steward, reason="Spam")
    Notification.objects.all().delete()
    client.force_login(steward)

    client.post(f"/actions/{scene.pk}/moderate/", {"decision": "restore", "reason": "Real"})

    scene.refresh_from_db()
    assert scene.hidden_at is None
    assert told("moderation_your_action") == ["admin@example.net"]
    assert told("moderation_part_of_hidden") == []


@pytest.mark.parametrize("who", CAST)
@pytest.mark.parametrize("decision", ["dismiss", "hide", "restore"])
def test_everyone_else_is_refused_and_nothing_changes(request, client, scene, who, decision):
    if decision == "restore":
        Action.objects.filter(pk=scene.pk).update(hidden_reason="Spam", hidden_at=timezone.now())
    before = Notification.objects.count()
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))

    response = client.post(
        f"/actions/{scene.pk}/moderate/",
        {"decision": decision, "rule": "spam", "reason": "Because"},
    )

    assert response.status_code == (302 if who == "anonymous" else 403)
    assert ModerationDecision.objects.count() == 0
    assert Flag.objects.filter(resolved_at__isnull=True).count() == 2
    assert Notification.objects.count() == before
    assert mail.outbox == []


def test_the_hosts_ask_for_a_review_and_the_moderators_hear_of_it(
    client, scene, group_admin, steward
):
    action_hide(action=scene, by=steward, reason="Spam")
    client.force_login(group_admin)

    assert "Ask for a review" in client.get(f"/actions/{scene.pk}/").content.decode()
    response = client.post(f"/actions/{scene.pk}/review/", {"message": "It is our picnic"})

    assert response.status_code == 302
    assert told("moderation_review_asked") == ["moderator@example.net", "steward@example.net"]
    assert Flag.objects.get(is_review=True).reason == "It is our picnic"


def test_auto_hide_is_off_by_default(settings, group):
    action = make_action(group)
    for _ in range(5):
        flag_create(action=action, by=PersonFactory(), reason="Spam")

    action.refresh_from_db()
    assert settings.MODERATION_AUTO_HIDE_FLAGS == 0
    assert action.hidden_at is None


def test_auto_hide_at_n_distinct_accounts_waits_for_review(
    settings, client, group, group_admin, steward
):
    settings.MODERATION_AUTO_HIDE_FLAGS = 3
    action = make_action(group, by=group_admin)
    first = PersonFactory()
    flag_create(action=action, by=first, reason="Spam")
    for index in range(3):  # visitors' addresses do not count
        flag_create(action=action, by=AnonymousUser(), reason="x", email=f"v{index}@example.net")
    flag_create(action=action, by=PersonFactory(), reason="Spam")
    action.refresh_from_db()
    assert action.hidden_at is None

    flag_create(action=action, by=PersonFactory(), reason="Spam")

    action.refresh_from_db()
    assert action.hidden_at is not None
    assert ModerationDecision.objects.get().automatic
    assert told("moderation_your_action") == ["admin@example.net"]
    client.force_login(steward)
    assert "hidden automatically, to review" in client.get("/moderation/").content.decode()


def test_the_public_log_names_nobody(client, scene, steward, group_admin):
    action_hide(action=scene, by=steward, reason="Names Otto Outsider, of 1 Elm Street")

    page = client.get("/moderation/log/").content.decode()

    # The group has not signed: not named in public either.
    assert "an action by another group" in page
    for personal in (
        "Stew", "steward@", "Otto", "outsider@", "flagger@", "Ada", "admin@", "Elm Street",
        "Riverside picnic",
    ):  # fmt: skip
        assert personal not in page, personal
    assert "a network steward" in page


@pytest.mark.parametrize("size", [3, 60])
def test_the_log_uses_a_fixed_number_of_queries(
    client, group, steward, size, django_assert_num_queries
):
    for _ in range(size):
        action_hide(action=make_action(group), by=steward, reason="Spam")

    with django_assert_num_queries(2):  # the decisions; the coalition
        response = client.get("/moderation/log/")
    assert len(response.context["entries"]) == min(size, 50)
    assert (response.context["next_before"] is not None) == (size > 50)


def test_an_address_that_stopped_moderation_news_hears_no_more_of_that_kind(
    client, scene, moderator
):
    client.force_login(moderator)
    client.post(f"/actions/{scene.pk}/moderate/", {"decision": "dismiss", "reason": "Fine"})
    (notice,) = [m for m in mail.outbox if m.to == ["flagger@example.net"]]
    link = notice.extra_headers["List-Unsubscribe"].strip("<>")
    assert notice.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in notice.body
    client.logout()
    assert client.post(urlsplit(link).path).status_code == 200
    flag_create(
        action=scene, by=AnonymousUser(), reason="Spam again", email="flagger@example.net", ip="2"
    )
    mail.outbox.clear()

    client.force_login(moderator)
    client.post(
        f"/actions/{scene.pk}/moderate/",
        {"decision": "hide", "rule": "spam", "reason": "Advertises a shop"},
    )

    # The flagger stopped outcomes; the RSVP without an account is still told of the hiding.
    assert to_addresses() == [["visitor-rsvp@example.net"]]

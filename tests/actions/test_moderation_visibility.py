"""A hidden action disappears from every public page, feed and map, and stays for its hosts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import NoReverseMatch, reverse

from actions.services.moderation import action_hide, action_restore
from actions.services.participation import participation_create
from tests.factories import make_action, publish_privacy_policy

pytestmark = pytest.mark.django_db

BBOX = "-10,40,10,60"


@pytest.fixture
def walks(group, steward):
    """Two public actions with coordinates; the second is hidden by a steward."""
    spot = {"latitude": Decimal("51.5"), "longitude": Decimal("-0.1")}
    shown = make_action(group, title="Shown clean-air walk", **spot)
    hidden = make_action(group, title="Hidden clean-air walk", **spot)
    action_hide(action=hidden, by=steward, reason="Spam")
    return shown, hidden


def address(name: str, query: str = "") -> str:
    try:
        return reverse(name) + query
    except NoReverseMatch:
        pytest.skip("endpoint not built yet")


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("actions:list", ""),
        ("actions:feed", ""),
        ("actions:map", ""),
        ("actions:map_data", f"?bbox={BBOX}"),
    ],
)
@pytest.mark.parametrize("who", ["anonymous", "outsider", "weaver", "steering_member"])
def test_a_hidden_action_is_absent_from_lists_feeds_and_maps(
    request, client, walks, name, query, who
):
    url = address(name, query)
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))

    response = client.get(url)

    assert response.status_code == 200
    body = response.content.decode()
    assert "Shown clean-air walk" in body
    assert "Hidden clean-air walk" not in body


def test_a_hidden_actions_own_page_is_a_placeholder_for_the_public(client, walks, outsider):
    hidden = walks[1]

    for _ in range(2):
        response = client.get(f"/actions/{hidden.pk}/")
        assert response.status_code == 410
        assert "Hidden clean-air walk" not in response.content.decode()
        client.force_login(outsider)


@pytest.mark.parametrize("who", ["group_member", "group_admin", "steward"])
def test_the_hosts_and_stewards_still_see_the_hidden_action(request, client, walks, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get(f"/actions/{walks[1].pk}/").status_code == 200
    assert "Hidden clean-air walk" in client.get(address("actions:list")).content.decode()


def test_a_restored_action_comes_back_everywhere(client, walks, steward):
    action_restore(action=walks[1], by=steward, reason="It is real")

    for url in (address("actions:list"), address("actions:map_data", f"?bbox={BBOX}")):
        assert "Hidden clean-air walk" in client.get(url).content.decode()
    assert client.get(f"/actions/{walks[1].pk}/").status_code == 200


def test_a_hidden_action_is_not_counted_in_the_playbook(client, group, steward):
    from actions.models import Tactic
    from actions.services.playbook import tactic_spread_refresh

    tactic = Tactic.objects.create(title="Walk", slug="walk", summary="Walk.")
    make_action(group, tactic=tactic)
    action_hide(action=make_action(group, tactic=tactic), by=steward, reason="Spam")
    tactic_spread_refresh()  # the rollup job's count

    listed = client.get("/playbook/").context["page"].object_list[0]

    assert listed.adoption_count == 1


def test_nobody_can_rsvp_to_a_hidden_action(group, group_member, walks):
    from coalition.errors import RuleBroken

    publish_privacy_policy()

    with pytest.raises(RuleBroken, match="hidden"):
        participation_create(
            action=walks[1],
            name="Mo",
            email=group_member.email,
            consent=True,
            person=group_member,
        )

"""Each endpoint, each member of the cast: the same permissions as the pages, and no
personal data for people the pages would not show it to."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from actions.models import Amplification, Participation, SupportRequest
from convergence.models import Event
from reporting.models import ClimateSignal, Win
from tests.factories import GroupFactory, make_action, make_day

pytestmark = pytest.mark.django_db

CAST = [
    "anonymous", "outsider", "group_member", "group_admin", "weaver", "steward",
    "steering_member", "coordinator", "staff",
]  # fmt: skip


@pytest.fixture
def world(signed_group, actions, policy):
    """A group-only action with an RSVP, amplification and support request; a draft day with
    an event; an unlisted group; a public and a private win; a climate signal."""
    private = actions["group"]
    cohost = GroupFactory(name="Quiet Friends", slug="quiet-friends", place=signed_group.place)
    Amplification.objects.create(action=private, group=cohost, kind="endorse")
    SupportRequest.objects.create(action=private, kind="money", amount=50)
    Participation.objects.create(
        action=actions["public"], name="Pat Guest", email="pat@example.net"
    )
    draft = make_day(places=[signed_group.place], status="draft", slug="draft-day")
    Event.objects.create(day=draft, action=make_action(signed_group, title="Draft day event"))
    for public in (True, False):
        Win.objects.create(
            title=f"Win public={public}", won_on=datetime.date(2024, 5, 1), level="full",
            place=signed_group.place, is_public=public, description="Inside story",
        )  # fmt: skip
    ClimateSignal.objects.create(
        kind="legislator", source="Cllr Example", said_on=timezone.localdate(), stance="neutral",
        place=signed_group.place,
    )  # fmt: skip
    return {"actions": actions, "cohost": cohost}


@pytest.fixture
def as_(request, client, bearer):
    def headers(who: str) -> dict:
        if who == "anonymous":
            return {}
        return bearer(request.getfixturevalue(who))

    return headers


def results(client, url, headers) -> list[dict]:
    response = client.get(url, **headers)
    assert response.status_code == 200, (url, response.status_code, response.content[:200])
    return response.json()["results"]


INSIDERS = {"group_member", "group_admin", "steward"}


@pytest.mark.parametrize("who", CAST)
def test_actions_list_and_detail_follow_the_visibility_rule(client, world, as_, who):
    headers = as_(who)
    seen = {row["visibility"] for row in results(client, "/api/v1/actions/", headers)}
    detail = client.get(f"/api/v1/actions/{world['actions']['group'].pk}/", **headers)

    expected = {"public"}
    if who not in {"anonymous", "staff"}:  # staff alone is not in the network
        expected.add("network")
    if who in INSIDERS:
        expected.add("group")
    assert seen == expected
    assert detail.status_code == (200 if who in INSIDERS else 404)
    if detail.status_code == 404:
        assert "walk" not in detail.content.decode()


@pytest.mark.parametrize("who", CAST)
def test_things_hung_on_a_group_only_action_follow_it(client, world, as_, who):
    headers = as_(who)
    amplifications = results(client, "/api/v1/amplifications/", headers)
    requests = results(client, "/api/v1/support-requests/", headers)

    visible = 1 if who in INSIDERS else 0
    assert len(amplifications) == visible
    assert len(requests) == visible


@pytest.mark.parametrize("who", CAST)
def test_an_unlisted_group_is_known_only_to_its_members_and_weavers(client, world, as_, who):
    headers = as_(who)
    names = {row["name"] for row in results(client, "/api/v1/groups/", headers)}
    listed = client.get("/api/v1/groups/riverside-tenants/", **headers).json()

    assert ("Quiet Friends" in names) == (who in {"weaver", "steward"})
    insider = who in {"group_member", "group_admin", "weaver", "steward"}
    assert (listed["stage"] is not None) == insider
    assert (listed["contact_email"] is not None) == insider


@pytest.mark.parametrize("who", CAST)
def test_amplifying_groups_are_named_only_where_the_pages_name_them(client, world, as_, who):
    headers = as_(who)
    rows = results(client, "/api/v1/amplifications/", headers)
    for row in rows:
        assert row["group"] == {"slug": "quiet-friends", "name": "Quiet Friends"}
        assert (row["sees_rsvps"] is not None) == (who == "group_admin")


@pytest.mark.parametrize("who", CAST)
def test_the_rsvp_list_is_for_the_hosts_only(client, world, as_, who):
    action = world["actions"]["public"]
    response = client.get(f"/api/v1/participations/?action={action.pk}", **as_(who))
    rsvp = Participation.objects.get()
    detail = client.get(f"/api/v1/participations/{rsvp.pk}/", **as_(who))

    expected = {"anonymous": 401, "group_admin": 200}.get(who, 403)
    assert response.status_code == expected
    assert detail.status_code == {"anonymous": 401, "group_admin": 200}.get(who, 404)
    if expected != 200:
        assert "pat@example.net" not in response.content.decode()
        assert "pat@example.net" not in detail.content.decode()
    else:
        assert response.json()["results"][0]["email"] == "pat@example.net"


@pytest.mark.parametrize("who", CAST)
def test_draft_days_and_their_events_are_for_coordinators(client, world, as_, who):
    headers = as_(who)
    days = {row["slug"] for row in results(client, "/api/v1/days/", headers)}
    events = results(client, "/api/v1/events/", headers)
    detail = client.get("/api/v1/days/draft-day/", **headers)

    coordinates = who in {"coordinator", "steering_member"}
    assert ("draft-day" in days) == coordinates
    assert len(events) == (1 if coordinates else 0)
    assert detail.status_code == (200 if coordinates else 404)


@pytest.mark.parametrize("who", CAST)
def test_wins_are_public_only_outside_the_dashboard(client, world, as_, who):
    rows = results(client, "/api/v1/wins/", as_(who))

    dashboard = who in {"weaver", "steering_member"}
    assert len(rows) == (2 if dashboard else 1)
    assert all((row["description"] is not None) == dashboard for row in rows)


@pytest.mark.parametrize("who", CAST)
def test_climate_signals_are_for_the_dashboard_readers(client, world, as_, who):
    signal = ClimateSignal.objects.get()
    response = client.get("/api/v1/climate-signals/", **as_(who))
    detail = client.get(f"/api/v1/climate-signals/{signal.pk}/", **as_(who))

    expected = 200 if who in {"weaver", "steering_member"} else 403
    if who == "anonymous":
        expected = 401
    assert response.status_code == expected
    assert detail.status_code == expected
    if expected != 200:
        assert "Cllr Example" not in response.content.decode() + detail.content.decode()


@pytest.mark.parametrize("who", CAST)
def test_places_and_tactics_are_public(client, world, as_, who):
    assert results(client, "/api/v1/places/", as_(who))
    assert client.get("/api/v1/tactics/", **as_(who)).status_code == 200

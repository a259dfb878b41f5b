"""The playbook and a tactic's page: public adoptions and places, counted by the rollup job."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from actions.models import Tactic
from actions.services.playbook import tactic_spread_refresh
from coalition.models import PlaceKind
from tests.factories import GroupFactory, make_action, make_place

pytestmark = pytest.mark.django_db

CAST = ["anonymous", "outsider", "group_member", "group_admin", "weaver", "steering_member"]


@pytest.fixture
def tactic(group):
    source = make_action(group, days_ahead=-60, status="done", title="First walk")
    return Tactic.objects.create(
        title="School gate air walk",
        slug="school-gate-air-walk",
        summary="Parents walked the route.",
        why_it_worked="Children asked questions.",
        how_to="Meet at 7:45.",
        resources="https://example.org/leaflet",
        source_action=source,
    )


def at(year: int, month: int, day: int = 10) -> datetime:
    return timezone.make_aware(datetime(year, month, day, 10, 0))


def adopt(group, tactic, place=None, when=None, **fields):
    start = when or timezone.now() + timedelta(days=3)
    return make_action(
        group,
        tactic=tactic,
        place=place or group.place,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        **fields,
    )


def login(request, client, who: str) -> None:
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))


@pytest.mark.parametrize("who", [*CAST, "steward"])
def test_everyone_reads_the_playbook_and_a_tactic(request, client, tactic, who):
    login(request, client, who)

    assert client.get("/playbook/").status_code == 200
    assert client.get(f"/playbook/{tactic.slug}/").status_code == 200


def test_an_unknown_tactic_is_404(client):
    assert client.get("/playbook/nothing-here/").status_code == 404


def test_the_playbook_counts_adoptions_and_distinct_places(client, group, tactic):
    north = make_place("Northtown")
    adopt(group, tactic)
    adopt(group, tactic)
    adopt(group, tactic, place=north)
    tactic_spread_refresh()

    response = client.get("/playbook/")

    listed = response.context["page"].object_list[0]
    assert (listed.adoption_count, listed.place_count) == (3, 2)
    assert 'href="/playbook/school-gate-air-walk/"' in response.content.decode()


def test_network_group_and_hidden_adoptions_are_not_counted(
    request, client, group, tactic, group_member
):
    adopt(group, tactic)
    adopt(group, tactic, visibility="network", place=make_place("Networkville"))
    adopt(group, tactic, visibility="group", place=make_place("Groupville"))
    adopt(group, tactic, hidden_at=timezone.now(), place=make_place("Hiddenville"))
    tactic_spread_refresh()

    anonymous = client.get("/playbook/").context["page"].object_list[0]
    page = client.get(f"/playbook/{tactic.slug}/").content.decode()
    client.force_login(group_member)
    member = client.get("/playbook/").context["page"].object_list[0]

    assert (anonymous.adoption_count, anonymous.place_count) == (1, 1)
    for secret in ("Networkville", "Groupville", "Hiddenville"):
        assert secret not in page
    # Stored once for everyone: the host group's own group-only and hidden
    # actions are not counted for it either.
    assert (member.adoption_count, member.place_count) == (1, 1)


def test_the_most_adopted_tactic_comes_first(client, group, tactic):
    other = Tactic.objects.create(title="Aaa letters", slug="aaa-letters", summary="Letters.")
    adopt(group, tactic)
    tactic_spread_refresh()

    listed = list(client.get("/playbook/").context["page"].object_list)

    assert listed == [tactic, other]


def test_a_tactic_shows_its_write_up_and_how_it_spread_by_month_and_place(client, group, tactic):
    east = make_place("Eastford", PlaceKind.CITY)
    adopt(group, tactic, when=at(2025, 1, 5))
    adopt(group, tactic, when=at(2025, 1, 20), place=east)
    adopt(group, tactic, when=at(2025, 3, 2), place=east)
    tactic_spread_refresh()

    response = client.get(f"/playbook/{tactic.slug}/")
    page = response.content.decode()

    assert "Children asked questions." in page
    assert 'href="https://example.org/leaflet"' in page
    assert [(m.month.month, m.count) for m in response.context["months"]] == [(1, 2), (3, 1)]
    assert '<meter min="0" max="2" value="2"' in page
    assert "style=" not in page
    places = response.context["places"]
    assert [(p.name, p.count) for p in places] == [("Riverside", 1), ("Eastford", 2)]
    assert places[1].first == at(2025, 1, 20)
    assert "First done by Riverside Tenants" in page


def test_the_source_action_is_not_linked_for_people_who_cannot_see_it(client, group, tactic):
    tactic.source_action.visibility = "group"
    tactic.source_action.save()

    page = client.get(f"/playbook/{tactic.slug}/").content.decode()

    assert "First walk" not in page
    assert "First done by" not in page


def test_use_this_tactic_links_to_posting_from_it(client, tactic):
    try:
        new_url = reverse("actions:new")
    except NoReverseMatch:
        pytest.skip("the posting page (actions:new) is not built yet")

    page = client.get(f"/playbook/{tactic.slug}/").content.decode()

    assert f'href="{new_url}?tactic=school-gate-air-walk"' in page


def test_a_tactic_nobody_adopted_says_so(client):
    Tactic.objects.create(title="Lonely", slug="lonely", summary="Nobody yet.")

    assert (
        "No action has adopted this tactic yet" in client.get("/playbook/lonely/").content.decode()
    )


@pytest.mark.parametrize("size", [3, 40])
def test_the_playbook_uses_a_fixed_number_of_queries(
    client, group, group_member, size, django_assert_num_queries
):
    for number in range(size):
        tactic = Tactic.objects.create(title=f"Tactic {number}", slug=f"t-{number}", summary="S")
        adopt(group, tactic)
        adopt(group, tactic, visibility="group")
    tactic_spread_refresh()
    client.force_login(group_member)

    # session, person and what the base layout reads; count, the page (stored counts); coalition
    with django_assert_num_queries(6):
        response = client.get("/playbook/")
    assert len(response.context["page"].object_list) == min(size, 30)


@pytest.mark.parametrize("size", [3, 40])
def test_a_tactic_page_uses_a_fixed_number_of_queries(
    client, group, group_member, tactic, size, django_assert_num_queries
):
    for number in range(size):
        place = make_place(f"Town {number}")
        adopt(group, tactic, place=place, when=at(2024, 1 + number % 12, 1 + number % 20))
    tactic_spread_refresh()
    client.force_login(group_member)

    # session, person, memberships, roles; tactic (with its stored spread); latest; coalition
    with django_assert_num_queries(7):
        response = client.get(f"/playbook/{tactic.slug}/")
    assert len(response.context["places"]) == size


def test_adoptions_from_other_groups_count_as_spread(client, tactic):
    for name in ("Hill", "Dale", "Vale"):
        other = GroupFactory(name=f"{name} Friends", slug=name.lower(), place=make_place(name))
        adopt(other, tactic)
    tactic_spread_refresh()

    listed = client.get("/playbook/").context["page"].object_list[0]

    assert listed.place_count == 3


def test_the_counts_wait_for_the_rollup_job_and_a_place_cut_is_said(
    client, group, tactic, settings
):
    adopt(group, tactic)
    before = client.get("/playbook/").context["page"].object_list[0]
    tactic_spread_refresh()
    after = client.get("/playbook/").context["page"].object_list[0]

    assert (before.adoption_count, after.adoption_count) == (0, 1)
    tactic.refresh_from_db()
    assert tactic.counted_at is not None


def test_the_rollup_job_counts_the_playbook(group, tactic):
    from reporting.tasks import rollups_refresh

    adopt(group, tactic)
    adopt(group, tactic, status="cancelled")
    rollups_refresh()

    tactic.refresh_from_db()
    assert (tactic.adoption_count, tactic.place_count) == (2, 1)
    assert sum(count for _month, count in tactic.spread["months"]) == 2

"""The API's lists: fixed queries at any size, the pages' filters (bad values are 400),
and keyset pages that neither repeat nor lose a row."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from actions.models import Action, Amplification, Participation, SupportRequest, Tactic
from convergence.models import Event
from reporting.models import ClimateSignal, Win
from tests.factories import GroupFactory, add_member, make_action, make_day, make_place

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/places/",
    "/api/v1/groups/",
    "/api/v1/tactics/",
    "/api/v1/actions/",
    "/api/v1/amplifications/",
    "/api/v1/support-requests/",
    "/api/v1/days/",
    "/api/v1/events/",
    "/api/v1/wins/",
    "/api/v1/climate-signals/",
    "/api/v1/participations/?action={host_action}",
    "/api/v1/participations/",
]


def populate(signed_group, steering, n: int, start: int = 0) -> dict:
    """``n`` more rows of everything the lists show."""
    place = signed_group.place
    host_action = Action.objects.filter(title="Hosted walk").first() or make_action(
        signed_group, title="Hosted walk"
    )
    for i in range(start, start + n):
        sub = make_place(f"Quarter {i}", kind=1, parent=place)
        other = GroupFactory(
            place=sub, listing_consent=True, signed_version=signed_group.signed_version
        )
        add_member(other, steering, "admin")
        tactic = Tactic.objects.create(
            title=f"Tactic {i}", slug=f"tactic-{i}", summary="It worked."
        )
        action = make_action(signed_group, title=f"Walk {i}", tactic=tactic, place=sub)
        Amplification.objects.create(action=action, group=other, kind="endorse")
        SupportRequest.objects.create(action=action, kind="people", amount=5)
        day = make_day(places=[place], slug=f"day-{i}", title=f"Day {i}")
        Event.objects.create(day=day, action=make_action(signed_group, title=f"Event {i}"))
        Participation.objects.create(
            action=host_action, name=f"Guest {i}", email=f"g{i}@example.net"
        )
        Participation.objects.create(
            action=action, name="Steering", email=f"s{i}@example.net", person=steering
        )
        Win.objects.create(
            title=f"Win {i}", won_on=datetime.date(2024, 1, 1), place=sub, level="full"
        )
        ClimateSignal.objects.create(
            kind="media", source="Daily", said_on=datetime.date(2024, 1, 1), stance="supportive",
            place=sub,
        )  # fmt: skip
    return {"host_action": host_action.pk}


def count_queries(client, url: str, headers: dict) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    assert response.status_code == 200, (url, response.content[:300])
    return len(queries), len(response.json()["results"])


@pytest.mark.parametrize("url", LISTS)
def test_every_list_costs_the_same_queries_at_two_sizes(
    client, url, signed_group, group_admin, steering_member, bearer
):
    add_member(signed_group, steering_member, "member")
    who = group_admin if "action=" in url else steering_member
    headers = bearer(who)
    ids = populate(signed_group, steering_member, 1)
    url = url.format(**ids)
    client.get(url, **headers)  # the token's first use writes last_used_at
    small, small_rows = count_queries(client, url, headers)
    ids = populate(signed_group, steering_member, 4, start=1)
    large, large_rows = count_queries(client, url, headers)

    assert large_rows > small_rows
    assert large == small


# --- Filters -------------------------------------------------------------------


def titles(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["title"] for row in response.json()["results"]}


def test_actions_filter_by_place_subtree_kind_tactic_group_and_dates(client, signed_group):
    north = make_place("North", kind=1, parent=signed_group.place)
    tactic = Tactic.objects.create(title="Banner drop", slug="banner-drop", summary="Up high.")
    make_action(signed_group, title="In the north", place=north, kind="lobby", tactic=tactic)
    make_action(signed_group, title="Downtown", kind="event", days_ahead=30)

    assert titles(client.get(f"/api/v1/actions/?place={north.pk}")) == {"In the north"}
    assert titles(client.get(f"/api/v1/actions/?place={signed_group.place.pk}")) == {
        "In the north",
        "Downtown",
    }
    assert titles(client.get("/api/v1/actions/?kind=lobby")) == {"In the north"}
    assert titles(client.get("/api/v1/actions/?tactic=banner-drop")) == {"In the north"}
    assert titles(client.get(f"/api/v1/actions/?group={signed_group.slug}")) == {
        "In the north",
        "Downtown",
    }
    soon = (timezone.localdate() + datetime.timedelta(days=20)).isoformat()
    assert titles(client.get(f"/api/v1/actions/?date_from={soon}")) == {"Downtown"}
    assert titles(client.get(f"/api/v1/actions/?date_to={soon}")) == {"In the north"}
    assert titles(client.get("/api/v1/actions/?kind=")) == {"In the north", "Downtown"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("place=abc", "place"),
        ("place=999999", "place"),
        (f"place={2**40}", "place"),
        ("kind=party", "kind"),
        ("tactic=no-such-tactic", "tactic"),
        ("working_group=nobody", "working_group"),
        ("date_from=yesterday", "date_from"),
        ("date_from=2030-01-02&date_to=2030-01-01", "date_to"),
        ("ordering=title", "ordering"),
        ("page_size=0", "page_size"),
        ("page_size=many", "page_size"),
        ("cursor=forged", "cursor"),
    ],
)
def test_a_bad_filter_value_is_a_400_on_its_field(client, db, query, field):
    response = client.get(f"/api/v1/actions/?{query}")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]
    assert error["fields"][field][0]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/places/?kind=99",
        "/api/v1/groups/?kind=club",
        "/api/v1/amplifications/?action=x",
        "/api/v1/support-requests/?kind=love",
        "/api/v1/days/?status=maybe",
        "/api/v1/events/?place=-1",
        "/api/v1/wins/?since=2024-13-01",
    ],
)
def test_every_list_checks_its_filters(client, db, url):
    response = client.get(url)

    assert response.status_code == 400
    assert response.json()["error"]["fields"]


def test_groups_filter_by_place_and_kind(client, signed_group):
    north = make_place("North", kind=1, parent=signed_group.place)
    GroupFactory(name="Northern Union", place=north, kind="union", listing_consent=True,
                 signed_version=signed_group.signed_version)  # fmt: skip

    by_place = client.get(f"/api/v1/groups/?place={north.pk}").json()["results"]
    by_kind = client.get("/api/v1/groups/?kind=union").json()["results"]

    assert [row["name"] for row in by_place] == ["Northern Union"]
    assert [row["name"] for row in by_kind] == ["Northern Union"]


# --- Keyset pages ----------------------------------------------------------------


def test_pages_follow_the_cursor_without_repeating_or_losing_a_row(client, signed_group):
    start = timezone.now() + datetime.timedelta(days=3)
    # Several actions share a start: the id breaks the tie.
    for n in range(7):
        begins = start + datetime.timedelta(hours=n // 3)
        make_action(
            signed_group,
            title=f"Walk {n}",
            starts_at=begins,
            ends_at=begins + datetime.timedelta(hours=1),
        )

    seen, url, pages = [], "/api/v1/actions/?page_size=3&ordering=starts_at", 0
    while url:
        body = client.get(url).json()
        seen += [row["title"] for row in body["results"]]
        url, pages = body["next"], pages + 1

    assert pages == 3
    assert sorted(seen) == [f"Walk {n}" for n in range(7)]
    assert len(set(seen)) == 7


def test_the_page_size_is_capped(client, signed_group):
    for n in range(3):
        make_action(signed_group, title=f"Walk {n}")

    body = client.get("/api/v1/actions/?page_size=100000").json()

    assert len(body["results"]) == 3


def test_a_cursor_of_another_list_is_refused(client, signed_group):
    for n in range(3):
        make_action(signed_group, title=f"Walk {n}")
    cursor = client.get("/api/v1/actions/?page_size=1").json()["next"].split("cursor=")[1]
    cursor = cursor.split("&")[0]

    response = client.get(f"/api/v1/groups/?cursor={cursor}")

    assert response.status_code == 400
    assert "cursor" in response.json()["error"]["fields"]


@pytest.mark.django_db
def test_an_unknown_place_to_look_within_is_named_as_the_within_filter(client):
    response = client.get("/api/v1/places/?within=999999")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["within"]

"""/actions/: what each person sees, in which order, filtered and paged, in fixed queries."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.models import Action, Amplification, Tactic
from actions.views.listing import ACTIONS_PER_PAGE
from coalition.models import PlaceKind, WorkingGroup
from tests.factories import GroupFactory, make_action, make_place

pytestmark = pytest.mark.django_db

URL = "/actions/"
CAST = ["outsider", "group_member", "group_admin", "weaver", "steering_member"]


def _titles(response) -> list[str]:
    return [action.title for action in response.context["page"].object_list]


def test_the_list_has_its_stable_address():
    assert reverse("actions:list") == URL


@pytest.mark.parametrize("person", [None, *CAST])
def test_everyone_opens_the_list(client, request, group, person):
    make_action(group, title="Clean air picnic")
    if person:
        client.force_login(request.getfixturevalue(person))

    response = client.get(URL)

    assert response.status_code == 200
    assert "Clean air picnic" in response.content.decode()


def test_anonymous_visitors_see_only_public_actions_that_are_not_hidden(client, group):
    make_action(group, title="Public walk")
    make_action(group, title="Network meeting", visibility="network")
    make_action(group, title="Group planning", visibility="group")
    make_action(group, title="Hidden walk", hidden_at=timezone.now(), hidden_reason="Spam")

    response = client.get(URL)

    assert _titles(response) == ["Public walk"]
    body = response.content.decode()
    for secret in ("Network meeting", "Group planning", "Hidden walk"):
        assert secret not in body
    assert response.context["page"].count == 1


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        ("outsider", {"Public walk", "Network meeting"}),
        ("weaver", {"Public walk", "Network meeting"}),
        ("steering_member", {"Public walk", "Network meeting"}),
        ("group_member", {"Public walk", "Network meeting", "Group planning", "Hidden walk"}),
        ("group_admin", {"Public walk", "Network meeting", "Group planning", "Hidden walk"}),
    ],
)
def test_each_person_sees_what_the_visibility_rule_allows(client, request, group, person, expected):
    make_action(group, title="Public walk")
    make_action(group, title="Network meeting", visibility="network")
    make_action(group, title="Group planning", visibility="group")
    make_action(group, title="Hidden walk", hidden_at=timezone.now(), hidden_reason="Spam")
    client.force_login(request.getfixturevalue(person))

    assert set(_titles(client.get(URL))) == expected


def test_a_steward_sees_hidden_actions_with_a_badge(client, group, make_person):
    make_action(group, title="Hidden walk", hidden_at=timezone.now(), hidden_reason="Spam")
    client.force_login(make_person("steward@example.net", roles=("steward",)))

    response = client.get(URL)

    assert _titles(response) == ["Hidden walk"]
    assert "hidden" in response.content.decode()


def test_upcoming_actions_come_first_soonest_first_then_the_past_newest_first(client, group):
    make_action(group, title="In two weeks", days_ahead=14)
    make_action(group, title="Tomorrow", days_ahead=1)
    make_action(group, title="Last month", days_ahead=-30)
    make_action(group, title="Yesterday", days_ahead=-1)
    now = timezone.now()
    make_action(
        group,
        title="Happening now",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
    )

    response = client.get(URL)

    assert _titles(response) == [
        "Happening now",
        "Tomorrow",
        "In two weeks",
        "Yesterday",
        "Last month",
    ]
    assert [a.title for a in response.context["upcoming"]] == [
        "Happening now",
        "Tomorrow",
        "In two weeks",
    ]
    assert [a.title for a in response.context["past"]] == ["Yesterday", "Last month"]
    body = response.content.decode()
    assert body.index("Coming up") < body.index("Tomorrow") < body.index("Recently")
    assert body.index("Recently") < body.index("Yesterday")


def test_cards_show_host_place_kind_and_counts(client, group):
    action = make_action(group, title="Letters to the mayor", kind="letters")
    Action.objects.filter(pk=action.pk).update(rsvp_count=4, capacity=10)
    for kind in ("endorse", "share"):
        Amplification.objects.create(action=action, group=GroupFactory(), kind=kind)

    body = client.get(URL).content.decode()

    assert "Riverside Tenants" in body
    assert "Riverside" in body
    assert "Letter writing" in body
    assert "2 amplifications" in body
    assert "4 people coming" in body
    assert reverse("actions:detail", kwargs={"pk": action.pk}) in body


def test_the_place_filter_takes_the_place_and_everything_under_it(client, group, place):
    district = make_place("Old Town", kind=PlaceKind.DISTRICT, parent=place)
    elsewhere = make_place("Lakeside")
    make_action(group, title="In the city")
    make_action(group, title="In the district", place=district)
    make_action(group, title="Elsewhere", place=elsewhere)

    assert set(_titles(client.get(URL, {"place": place.pk}))) == {"In the city", "In the district"}
    assert _titles(client.get(URL, {"place": district.pk})) == ["In the district"]


def test_the_kind_and_tactic_filters(client, group):
    tactic = Tactic.objects.create(title="Clean air walk", slug="clean-air-walk", summary="Walk.")
    make_action(group, title="Walk from the playbook", tactic=tactic)
    make_action(group, title="Petition", kind="petition")

    assert _titles(client.get(URL, {"kind": "petition"})) == ["Petition"]
    assert _titles(client.get(URL, {"tactic": "clean-air-walk"})) == ["Walk from the playbook"]


def test_the_working_group_filter_is_the_host_groups(client, group):
    transport = WorkingGroup.objects.create(name="Transport", slug="transport")
    other = WorkingGroup.objects.create(name="Schools", slug="schools")
    group.working_groups.add(transport, other)
    make_action(group, title="Bus lane ride")
    make_action(GroupFactory(), title="Other group's walk")

    response = client.get(URL, {"working_group": "transport"})

    assert _titles(response) == ["Bus lane ride"]


def test_the_date_range_is_in_local_days(client, group, settings):
    settings.TIME_ZONE = "Europe/Paris"
    day = timezone.localdate() + timedelta(days=10)
    late_evening = timezone.make_aware(
        timezone.datetime.combine(day, timezone.datetime.min.time())
        + timedelta(hours=23, minutes=30)
    )
    make_action(group, title="Late that day", starts_at=late_evening, ends_at=late_evening)
    next_day = late_evening + timedelta(hours=1)
    make_action(group, title="The day after", starts_at=next_day, ends_at=next_day)

    response = client.get(URL, {"date_from": day.isoformat(), "date_to": day.isoformat()})

    assert _titles(response) == ["Late that day"]


@pytest.mark.parametrize(
    "params",
    [
        {"place": "999999"},
        {"kind": "picnic"},
        {"tactic": "from-nowhere"},
        {"working_group": "nope"},
        {"date_from": "31/31/2020"},
        {"date_from": "2030-01-02", "date_to": "2030-01-01"},
        {"page": "many"},
        {"page": "-3"},
        {"place": "x" * 10_000},
    ],
)
def test_bad_filters_are_shown_as_errors_never_a_500(client, group, params):
    make_action(group, title="Clean air picnic")

    response = client.get(URL, params)

    if "page" in params:
        assert response.status_code == 200
    else:
        assert response.status_code == 400
        assert response.context["form"].errors


def _next_query(response) -> str:
    body = response.content.decode()
    found = re.search(r'href="\?([^"]+)" rel="next"', body)
    return html.unescape(found.group(1)) if found else ""


def _previous_query(response) -> str:
    found = re.search(r'href="\?([^"]+)" rel="prev"', response.content.decode())
    return html.unescape(found.group(1)) if found else ""


def test_the_list_is_paged_and_keeps_the_filters(client, group):
    for number in range(ACTIONS_PER_PAGE + 5):
        make_action(group, title=f"Walk {number}", days_ahead=number + 1)

    first = client.get(URL, {"kind": "event"})
    next_query = _next_query(first)
    second = client.get(f"{URL}?{next_query}")

    assert len(_titles(first)) == ACTIONS_PER_PAGE
    assert len(_titles(second)) == 5
    assert next_query.startswith("kind=event&after=")
    assert not set(_titles(first)) & set(_titles(second))
    assert _next_query(second) == ""
    assert 'rel="prev"' not in first.content.decode()


def test_next_and_previous_walk_every_action_once_across_both_parts(client, group):
    # 75 rows: coming up, then the past, with ties on the start time, across three pages.
    now = timezone.now().replace(second=0, microsecond=0)
    # Ties straddle both page breaks (rows 29/30 and 59/60).
    starts = [now + timedelta(days=1 + number // 4) for number in range(40)]
    starts += [now - timedelta(days=1 + number // 3) for number in range(35)]
    for number, start in enumerate(starts):
        make_action(
            group, title=f"Walk {number}", starts_at=start, ends_at=start + timedelta(hours=2)
        )
    ahead = sorted(Action.objects.filter(starts_at__gt=now), key=lambda a: (a.starts_at, -a.pk))
    behind = sorted(
        Action.objects.filter(starts_at__lt=now), key=lambda a: (a.starts_at, a.pk), reverse=True
    )
    expected = [action.title for action in ahead + behind]

    pages, response = [], client.get(URL)
    while True:
        pages.append(_titles(response))
        query = _next_query(response)
        if not query:
            break
        response = client.get(f"{URL}?{query}")

    assert [title for page in pages for title in page] == expected
    assert [len(page) for page in pages] == [ACTIONS_PER_PAGE, ACTIONS_PER_PAGE, 15]
    # And back: each "Previous" gives the page before, the last one the first page.
    back = []
    while query := _previous_query(response):
        response = client.get(f"{URL}?{query}")
        back.append(_titles(response))
    assert back == [pages[1], pages[0]]


def test_previous_near_the_start_gives_the_first_page(client, group):
    for number in range(ACTIONS_PER_PAGE + 10):
        make_action(group, title=f"Walk {number}", days_ahead=number + 1)
    first = client.get(URL)
    third_row = first.context["page"].object_list[2]

    # A link "before" the third row is within a page of the start (say, after
    # actions were added since the link was given).
    from actions.selectors_listing import ListingKey

    response = client.get(URL, {"before": ListingKey.of(third_row).dumps()})

    assert _titles(response) == _titles(first)
    assert 'rel="prev"' not in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"after": "nonsense"},
        {"before": "WzEsIjIwMjYtMDEtMDFUMDA6MDA6MDArMDA6MDAiLDFd:forged:signature"},
        {"after": "x" * 5000},
    ],
)
def test_a_cut_or_edited_page_link_is_a_400_with_the_first_page(client, group, params):
    make_action(group, title="Tomorrow's walk", days_ahead=1)

    response = client.get(URL, params)

    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    assert _titles(response) == ["Tomorrow's walk"]


def test_a_page_link_signed_for_something_else_is_refused(client, group):
    from django.core import signing

    make_action(group, title="Tomorrow's walk", days_ahead=1)
    other = signing.dumps([0, "2026-01-01T00:00:00+00:00", 1], salt="api.cursor")

    assert client.get(URL, {"after": other}).status_code == 400


def _many_actions(group, count: int, *, amplifiers) -> None:
    for number in range(count):
        action = make_action(
            group,
            title=f"Action {number}",
            days_ahead=(number % 7) - 3,
            visibility=("public", "network", "group")[number % 3],
        )
        for amplifier in amplifiers:
            Amplification.objects.create(action=action, group=amplifier, kind="endorse")


@pytest.mark.parametrize("person", [None, "group_member"])
def test_the_list_costs_the_same_queries_for_3_or_40_actions(
    client, request, group, person, django_assert_num_queries
):
    amplifiers = [GroupFactory() for _ in range(2)]
    WorkingGroup.objects.create(name="Transport", slug="transport")
    Tactic.objects.create(title="Clean air walk", slug="clean-air-walk", summary="Walk.")
    if person:
        client.force_login(request.getfixturevalue(person))
    # The coalition's name (layout), the filters' choices (places, working
    # groups, tactics), the count, the page's ids and their cards; a
    # logged-in person adds the session, the user, their memberships and roles.
    expected = 7 if person is None else 11

    _many_actions(group, 3, amplifiers=amplifiers)
    with django_assert_num_queries(expected):
        assert client.get(URL, {"kind": "event"}).status_code == 200

    _many_actions(group, 37, amplifiers=amplifiers)
    with django_assert_num_queries(expected):
        response = client.get(URL, {"kind": "event"})
    assert response.context["page"].count > 3
    # A later page and the way back cost the same.
    with django_assert_num_queries(expected):
        later = client.get(f"{URL}?{_next_query(response)}")
    with django_assert_num_queries(expected):
        back = client.get(f"{URL}?{_previous_query(later)}")
    assert _titles(back) == _titles(response)


def test_past_the_count_limit_the_list_says_more_than(client, group, monkeypatch):
    monkeypatch.setattr("actions.selectors_listing.LISTING_COUNT_LIMIT", 3)
    make_action(group, title="Tomorrow's walk", days_ahead=1)
    for number in range(4):
        make_action(group, title=f"Old walk {number}", days_ahead=-(number + 1))

    response = client.get(URL)

    assert "More than 3 actions" in response.content.decode()
    assert _titles(response) == [
        "Tomorrow's walk", "Old walk 0", "Old walk 1", "Old walk 2", "Old walk 3"
    ]  # fmt: skip

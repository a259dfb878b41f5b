"""Wins and climate signals pages: who may use them, what they refuse, and their query counts."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from reporting.models import ClimateSignal, Win
from tests.factories import GroupFactory, make_action, make_day, make_place

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _win(place, title="Shore power agreed", days_ago=3, **fields) -> Win:
    values = {
        "title": title,
        "won_on": TODAY() - datetime.timedelta(days=days_ago),
        "place": place,
        "level": "partial",
    }
    values.update(fields)
    return Win.objects.create(**values)


def _signal(place, source="Evening Post", days_ago=3, **fields) -> ClimateSignal:
    values = {
        "kind": "media",
        "source": source,
        "said_on": TODAY() - datetime.timedelta(days=days_ago),
        "stance": "supportive",
        "place": place,
    }
    values.update(fields)
    return ClimateSignal.objects.create(**values)


PAGES = ["wins", "win_new", "win_edit", "signals", "signal_new", "signal_edit"]


@pytest.fixture
def urls(place):
    win = _win(place)
    signal = _signal(place)
    return {
        "wins": reverse("reporting:wins"),
        "win_new": reverse("reporting:win_new"),
        "win_edit": reverse("reporting:win_edit", kwargs={"pk": win.pk}),
        "signals": reverse("reporting:signals"),
        "signal_new": reverse("reporting:signal_new"),
        "signal_edit": reverse("reporting:signal_edit", kwargs={"pk": signal.pk}),
    }


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, urls, page):
    response = client.get(urls[page])

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("who", ["outsider", "group_member", "group_admin"])
def test_people_without_a_dashboard_role_get_403(client, urls, page, who, request):
    client.force_login(request.getfixturevalue(who))

    assert client.get(urls[page]).status_code == 403
    assert client.post(urls[page], {"title": "x"}).status_code == 403


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("who", ["weaver", "steering_member"])
def test_weavers_and_steering_members_see_the_pages(client, urls, page, who, request):
    client.force_login(request.getfixturevalue(who))

    assert client.get(urls[page]).status_code == 200


def test_editing_a_win_that_does_not_exist_is_404(client, steering_member):
    client.force_login(steering_member)

    assert client.get(reverse("reporting:win_edit", kwargs={"pk": 999_999})).status_code == 404
    assert client.get(reverse("reporting:signal_edit", kwargs={"pk": 999_999})).status_code == 404


# --- Recording ---------------------------------------------------------------------


def _win_data(place, **overrides) -> dict:
    data = {
        "title": "Clean air zone adopted",
        "won_on": (TODAY() - datetime.timedelta(days=1)).isoformat(),
        "place": place.pk,
        "level": "full",
        "description": "The council voted for it.",
        "evidence_url": "https://example.org/minutes",
        "shifted_climate": "on",
        "is_public": "on",
    }
    data.update(overrides)
    return data


def test_a_steering_member_records_a_win_with_the_actions_and_days_behind_it(
    client, steering_member, group, place
):
    action = make_action(group, days_ahead=-10, status="done")
    day = make_day(places=[place], status="closed", days_ahead=-20)
    client.force_login(steering_member)

    response = client.post(
        reverse("reporting:win_new"),
        _win_data(place, actions=[action.pk], days_of_action=[day.pk]),
    )

    assert response.status_code == 302
    win = Win.objects.get(title="Clean air zone adopted")
    assert win.recorded_by == steering_member
    assert list(win.actions.all()) == [action]
    assert list(win.days_of_action.all()) == [day]
    assert win.is_public and win.shifted_climate


def test_a_weaver_corrects_a_win(client, weaver, place):
    win = _win(place)
    client.force_login(weaver)

    response = client.post(
        reverse("reporting:win_edit", kwargs={"pk": win.pk}),
        _win_data(place, title="Shore power agreed for all ships", is_public=""),
    )

    assert response.status_code == 302
    win.refresh_from_db()
    assert win.title == "Shore power agreed for all ships"
    assert not win.is_public


def test_a_win_in_the_future_is_refused(client, steering_member, place):
    client.force_login(steering_member)
    tomorrow = (TODAY() + datetime.timedelta(days=1)).isoformat()

    response = client.post(reverse("reporting:win_new"), _win_data(place, won_on=tomorrow))

    assert response.status_code == 400
    assert "The date cannot be in the future." in response.context["form"].errors["won_on"]
    assert not Win.objects.exists()


@pytest.mark.parametrize(
    "link", ["ftp://example.org/minutes", "javascript:alert(1)", "data:text/html,hi"]
)
def test_an_evidence_link_that_is_not_http_is_refused(client, steering_member, place, link):
    client.force_login(steering_member)

    response = client.post(reverse("reporting:win_new"), _win_data(place, evidence_url=link))

    assert response.status_code == 400
    assert response.context["form"].errors["evidence_url"]
    assert not Win.objects.exists()


def test_oversized_text_is_refused(client, steering_member, place):
    client.force_login(steering_member)

    response = client.post(
        reverse("reporting:win_new"),
        _win_data(place, title="x" * 201, description="y" * 4001),
    )

    assert response.status_code == 400
    assert set(response.context["form"].errors) >= {"title", "description"}
    assert not Win.objects.exists()


def test_an_action_the_person_cannot_see_cannot_be_linked(client, weaver, place):
    secret = make_action(
        GroupFactory(place=place), days_ahead=-3, status="done", visibility="group"
    )
    client.force_login(weaver)

    response = client.post(reverse("reporting:win_new"), _win_data(place, actions=[secret.pk]))

    assert response.status_code == 400
    assert response.context["form"].errors["actions"]
    assert not Win.objects.exists()


def test_a_draft_day_a_weaver_cannot_see_cannot_be_linked(client, weaver, place):
    draft = make_day(places=[place], status="draft")
    client.force_login(weaver)

    response = client.post(
        reverse("reporting:win_new"), _win_data(place, days_of_action=[draft.pk])
    )

    assert response.status_code == 400
    assert response.context["form"].errors["days_of_action"]


@pytest.mark.parametrize("bad", ["²", "99999999999999999999999", "-1", "abc"])
def test_malformed_ids_are_form_errors_not_500(client, steering_member, place, bad):
    client.force_login(steering_member)

    data = _win_data(place, actions=[bad])
    data["place"] = bad

    response = client.post(reverse("reporting:win_new"), data)

    assert response.status_code == 400
    assert {"actions", "place"} <= set(response.context["form"].errors)


def test_a_steering_member_records_a_climate_signal(client, steering_member, place):
    day = make_day(places=[place])
    client.force_login(steering_member)

    response = client.post(
        reverse("reporting:signal_new"),
        {
            "kind": "legislator",
            "source": "Councillor Whitby",
            "said_on": TODAY().isoformat(),
            "stance": "opposed",
            "url": "https://example.org/speech",
            "summary": "Calls the zone premature.",
            "place": place.pk,
            "day_of_action": day.pk,
        },
    )

    assert response.status_code == 302
    signal = ClimateSignal.objects.get()
    assert (signal.source, signal.stance, signal.day_of_action) == (
        "Councillor Whitby",
        "opposed",
        day,
    )
    assert signal.recorded_by == steering_member


def test_a_climate_signal_with_a_future_date_or_bad_link_is_refused(client, steering_member, place):
    client.force_login(steering_member)
    data = {
        "kind": "media",
        "source": "Evening Post",
        "said_on": (TODAY() + datetime.timedelta(days=2)).isoformat(),
        "stance": "neutral",
        "url": "ftp://example.org/x",
        "summary": "z" * 2001,
        "place": place.pk,
    }

    response = client.post(reverse("reporting:signal_new"), data)

    assert response.status_code == 400
    assert "summary" in response.context["form"].errors
    data["summary"] = ""
    response = client.post(reverse("reporting:signal_new"), data)
    assert "said_on" in response.context["form"].errors
    data["said_on"] = TODAY().isoformat()
    response = client.post(reverse("reporting:signal_new"), data)
    assert "url" in response.context["form"].errors
    assert not ClimateSignal.objects.exists()


def test_editing_a_signal_keeps_its_author_and_changes_its_stance(client, weaver, place):
    signal = _signal(place)
    client.force_login(weaver)

    response = client.post(
        reverse("reporting:signal_edit", kwargs={"pk": signal.pk}),
        {
            "kind": "media",
            "source": signal.source,
            "said_on": signal.said_on.isoformat(),
            "stance": "opposed",
            "place": place.pk,
        },
    )

    assert response.status_code == 302
    signal.refresh_from_db()
    assert signal.stance == "opposed"


# --- Lists and their filters ------------------------------------------------------------


def test_lists_narrow_to_a_place_and_everything_under_it(client, steering_member, place):
    district = make_place("Harbourside", kind=2, parent=place)
    elsewhere = make_place("Corvin")
    _win(district, title="Win in the district")
    _win(elsewhere, title="Win elsewhere")
    _signal(district, source="District Gazette")
    _signal(elsewhere, source="Corvin Courier")
    client.force_login(steering_member)

    wins = client.get(reverse("reporting:wins"), {"place": place.pk})
    signals = client.get(reverse("reporting:signals"), {"place": place.pk})

    assert [w.title for w in wins.context["page"].object_list] == ["Win in the district"]
    assert [s.source for s in signals.context["page"].object_list] == ["District Gazette"]


def test_lists_narrow_to_a_date_range(client, steering_member, place):
    _win(place, title="Old win", days_ago=200)
    _win(place, title="Recent win", days_ago=5)
    client.force_login(steering_member)

    response = client.get(
        reverse("reporting:wins"),
        {"since": (TODAY() - datetime.timedelta(days=30)).isoformat()},
    )

    assert [w.title for w in response.context["page"].object_list] == ["Recent win"]


@pytest.mark.parametrize("name", ["reporting:wins", "reporting:signals"])
def test_an_inverted_range_is_a_clear_form_error(client, steering_member, place, name):
    client.force_login(steering_member)

    response = client.get(reverse(name), {"since": "2025-06-01", "until": "2025-01-01"})

    assert response.status_code == 200
    assert response.context["filter_form"].errors["until"] == [
        "The end of the range is before its start."
    ]


@pytest.mark.parametrize("name", ["reporting:wins", "reporting:signals"])
@pytest.mark.parametrize("bad", ["999999", "²", "not-a-place", "99999999999999999999999"])
def test_an_unknown_place_is_a_form_error(client, steering_member, place, name, bad):
    client.force_login(steering_member)

    response = client.get(reverse(name), {"place": bad, "page": "x"})

    assert response.status_code == 200
    assert "place" in response.context["filter_form"].errors


def _fill(place, size: int) -> None:
    Win.objects.bulk_create(
        Win(title=f"Win {n}", won_on=TODAY(), place=place, level="full") for n in range(size)
    )
    ClimateSignal.objects.bulk_create(
        ClimateSignal(
            kind="media", source=f"Outlet {n}", said_on=TODAY(), stance="neutral", place=place
        )
        for n in range(size)
    )


@pytest.mark.parametrize("size", [3, 40])
@pytest.mark.parametrize("name", ["reporting:wins", "reporting:signals"])
def test_lists_take_the_same_number_of_queries_whatever_their_size(
    client, steering_member, place, django_assert_num_queries, size, name
):
    _fill(place, size)
    day = make_day(places=[place], status="closed", days_ahead=-5)
    Win.objects.first().days_of_action.add(day)
    client.force_login(steering_member)
    client.get(reverse(name))  # warm the session

    # session, user, roles, the chosen place, count, page, the coalition, places for the select
    with django_assert_num_queries(8):
        response = client.get(reverse(name), {"place": place.pk})
    assert response.status_code == 200

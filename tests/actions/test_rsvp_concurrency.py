"""Capacity is never exceeded when many people RSVP at the same moment (PostgreSQL, threads)."""

from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.db import connection

from actions.models import Action, Participation, ParticipationStatus
from actions.services.participation import participation_create
from coalition.errors import RuleBroken
from tests.factories import GroupFactory, make_action, make_place, publish_privacy_policy

PEOPLE = 30
CAPACITY = 5


def _action_with_capacity() -> Action:
    publish_privacy_policy()
    group = GroupFactory(place=make_place("Concurrency City"))
    return make_action(group, capacity=CAPACITY, title="Crowded walk")


def _run_together(work, count: int) -> list:
    """Start ``count`` threads at the same instant; return what each returned or raised."""
    start = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        try:
            start.wait()
            results[index] = work(index)
        except Exception as error:  # the test inspects every outcome, errors included
            results[index] = error
        finally:
            # Each thread has its own connection: close it, or the test
            # database cannot be flushed afterwards.
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_thirty_people_at_once_fill_five_places_and_no_more():
    action = _action_with_capacity()

    def rsvp(index: int):
        return participation_create(
            action=Action.objects.get(pk=action.pk),
            name=f"Visitor {index}",
            email=f"visitor{index}@example.org",
            consent=True,
        )

    results = _run_together(rsvp, PEOPLE)

    confirmed = [r for r in results if isinstance(r, Participation)]
    refused = [r for r in results if isinstance(r, RuleBroken)]
    others = [r for r in results if not isinstance(r, Participation | RuleBroken)]
    assert others == []
    assert len(confirmed) == CAPACITY
    assert len(refused) == PEOPLE - CAPACITY
    assert {r.message for r in refused} == {"This action is full."}
    action.refresh_from_db()
    assert action.rsvp_count == CAPACITY
    assert (
        Participation.objects.filter(action=action, status=ParticipationStatus.CONFIRMED).count()
        == CAPACITY
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_address_sent_ten_times_at_once_takes_one_place():
    action = _action_with_capacity()

    def rsvp(index: int):
        return participation_create(
            action=Action.objects.get(pk=action.pk),
            name="Rosa",
            email="Rosa@example.org" if index % 2 else "rosa@EXAMPLE.org",
            consent=True,
        )

    results = _run_together(rsvp, 10)

    # Every request gets the same answer (the one RSVP), so none tells the address is there.
    assert all(isinstance(r, Participation) for r in results), results
    assert len({r.pk for r in results}) == 1
    action.refresh_from_db()
    assert action.rsvp_count == 1


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Keep the 302 that says "you are on the list" instead of loading the action page."""

    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_thirty_concurrent_http_rsvps_give_five_places_and_no_server_error(
    live_server, monkeypatch
):
    # Every request comes from 127.0.0.1 here: lift the per-address limit.
    monkeypatch.setattr("actions.services.participation.RSVPS_PER_MINUTE", 1000)
    action = _action_with_capacity()
    url = f"{live_server.url}/actions/{action.pk}/rsvp/"

    def post(index: int) -> tuple[int, str]:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
        form_page = opener.open(url, timeout=30).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form_page).group(1)
        data = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token,
                "name": f"Visitor {index}",
                "email": f"visitor{index}@example.org",
                "consent": "on",
            }
        ).encode()
        request = urllib.request.Request(url, data=data, headers={"Referer": url})  # noqa: S310
        try:
            response = opener.open(request, timeout=30)
            return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    results = _run_together(post, PEOPLE)

    statuses = [status for status, _ in results]
    assert 500 not in statuses
    # A success redirects to the action page; a refusal re-renders the form (400).
    assert statuses.count(302) == CAPACITY
    assert statuses.count(400) == PEOPLE - CAPACITY
    assert all("This action is full." in body for status, body in results if status == 400)
    action.refresh_from_db()
    assert action.rsvp_count == CAPACITY
    assert Participation.objects.filter(action=action).count() == CAPACITY

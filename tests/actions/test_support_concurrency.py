"""Pledges and amplifications made at the same moment all count, once (PostgreSQL, threads)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from actions.models import Amplification, SupportRequest
from actions.services.amplification import amplification_add
from actions.services.support import PledgeMade, support_pledge_add, support_request_create
from coalition.errors import RuleBroken
from members.models import Group, Stage, User
from tests.factories import GroupFactory, PersonFactory, add_member, make_action, make_place

GROUPS = 12


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
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def _network():
    place = make_place("Concurrency City")
    host = GroupFactory(place=place, stage=Stage.ALIGNED)
    host_admin = PersonFactory()
    add_member(host, host_admin, "admin")
    action = make_action(host, by=host_admin)
    pairs = []
    for _number in range(GROUPS):
        group = GroupFactory(place=place, stage=Stage.ALIGNED)
        admin = PersonFactory()
        add_member(group, admin, "admin")
        pairs.append((group.pk, admin.pk))
    return action, host_admin, pairs


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_pledges_at_the_same_moment_all_count_and_close_the_request_once():
    action, host_admin, pairs = _network()
    asked = support_request_create(action=action, by=host_admin, kind="people", amount=GROUPS)

    def pledge(index: int):
        group_id, person_id = pairs[index]
        return support_pledge_add(
            support_request=SupportRequest.objects.get(pk=asked.pk),
            group=Group.objects.get(pk=group_id),
            by=User.objects.get(pk=person_id),
            amount=1,
        )

    results = _run_together(pledge, GROUPS)

    assert all(isinstance(result, PledgeMade) for result in results), results
    met = SupportRequest.objects.get(pk=asked.pk)
    assert (met.pledged, met.is_open) == (GROUPS, False)
    assert met.met_at is not None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_late_pledges_to_a_request_met_at_the_same_moment_are_refused():
    action, host_admin, pairs = _network()
    asked = support_request_create(action=action, by=host_admin, kind="people", amount=3)

    def pledge(index: int):
        group_id, person_id = pairs[index]
        return support_pledge_add(
            support_request=SupportRequest.objects.get(pk=asked.pk),
            group=Group.objects.get(pk=group_id),
            by=User.objects.get(pk=person_id),
            amount=1,
        )

    results = _run_together(pledge, GROUPS)

    made = [result for result in results if isinstance(result, PledgeMade)]
    refused = [result for result in results if isinstance(result, RuleBroken)]
    assert len(made) == 3
    assert len(refused) == GROUPS - 3
    assert SupportRequest.objects.get(pk=asked.pk).pledged == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_double_click_makes_one_amplification():
    action, _host_admin, pairs = _network()
    group_id, person_id = pairs[0]

    def endorse(_index: int):
        return amplification_add(
            action=action,
            group=Group.objects.get(pk=group_id),
            kind="endorse",
            by=User.objects.get(pk=person_id),
        )

    results = _run_together(endorse, 6)

    assert all(isinstance(result, Amplification) for result in results), results
    assert len({result.pk for result in results}) == 1
    assert Amplification.objects.filter(action=action).count() == 1

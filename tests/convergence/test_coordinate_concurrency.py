"""Coordinators clicking at the same moment: one publication, one announcement, and toolkit
versions numbered without gaps or clashes (PostgreSQL, threads)."""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.db import connection

from coalition.errors import RuleBroken
from coalition.models import NetworkRole
from convergence.models import DayOfAction, DayStatus, ToolkitItem, ToolkitVersion
from convergence.services.days import day_publish
from convergence.services.toolkit import toolkit_item_add, toolkit_item_update
from members.models import OutreachMessage, Stage
from tests.factories import GroupFactory, PersonFactory, add_member, make_day, make_place

CLICKS = 8


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


def _coordinator():
    person = PersonFactory(email="coord@example.net")
    NetworkRole.objects.create(person=person, role="coordinator")
    return person


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_many_clicks_on_publish_at_once_publish_and_announce_once():
    city = make_place("Concurrency City")
    for n in range(3):
        group = GroupFactory(name=f"Signed {n}", place=city, stage=Stage.ALIGNED)
        add_member(group, PersonFactory(email=f"speaker{n}@example.net"), "admin")
    day = make_day(places=[city], status=DayStatus.DRAFT)
    coordinator = _coordinator()

    def publish(_index: int):
        from members.models import User

        return day_publish(
            day=DayOfAction.objects.get(pk=day.pk), by=User.objects.get(pk=coordinator.pk)
        )

    results = _run_together(publish, CLICKS)

    published = [r for r in results if isinstance(r, OutreachMessage)]
    refused = [r for r in results if isinstance(r, RuleBroken)]
    assert len(published) == 1
    assert len(refused) == CLICKS - 1
    assert OutreachMessage.objects.count() == 1
    assert DayOfAction.objects.get(pk=day.pk).status == DayStatus.OPEN
    assert sorted(address for message in mail.outbox for address in message.to) == [
        f"speaker{n}@example.net" for n in range(3)
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_new_versions_saved_at_once_are_numbered_one_after_the_other():
    day = make_day(places=[make_place("Concurrency City")])
    coordinator = _coordinator()
    item = toolkit_item_add(day=day, kind="points", title="Points", text="v1", by=coordinator)

    def save(index: int):
        from members.models import User

        return toolkit_item_update(
            item=ToolkitItem.objects.get(pk=item.pk),
            text=f"from click {index}",
            by=User.objects.get(pk=coordinator.pk),
        )

    results = _run_together(save, CLICKS)

    assert all(isinstance(r, ToolkitVersion) for r in results), results
    numbers = sorted(ToolkitVersion.objects.filter(item=item).values_list("number", flat=True))
    assert numbers == list(range(1, CLICKS + 2))
    item.refresh_from_db()
    assert item.current.number == CLICKS + 1

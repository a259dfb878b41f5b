"""A source synced by a real Celery worker (CI: PostgreSQL + Redis): the page's button only
queues the sync, and the worker fetches the fixture OSDI server and records the result."""

from __future__ import annotations

import pytest
from django.urls import reverse

from actions.models import Action
from exchange.models import Source
from exchange.services.sources import source_create
from tests.conftest import running_celery_worker
from tests.exchange.osdi_fixture import FixtureOsdi
from tests.support import wait_for


@pytest.fixture
def remote(settings):
    settings.SOURCES_ALLOW_PRIVATE_NETWORKS = True
    server = FixtureOsdi().start()
    yield server
    server.stop()


@pytest.mark.postgres
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_sync_button_hands_the_sync_to_a_real_worker(client, coordinator, group, place, remote):
    source = source_create(
        by=None, name="Riverside AN", entry_point=remote.url, group=group, place=place
    )
    client.force_login(coordinator)
    with running_celery_worker(env={"SOURCES_ALLOW_PRIVATE_NETWORKS": "true"}):
        response = client.post(reverse("exchange:source_sync", args=[source.pk]))

        def synced():
            return Source.objects.get(pk=source.pk).last_sync_at

        wait_for(synced, timeout=60)

    assert response.status_code == 302
    source.refresh_from_db()
    assert source.last_error == ""
    assert source.created_count == 3
    assert Action.objects.filter(origin_system=source.origin_system).count() == 3

from datetime import timedelta

import pytest
from django.utils import timezone

from coalition.celery import app as celery_app
from coalition.models import SchedulerTick

pytestmark = pytest.mark.django_db


def test_it_answers_200_when_database_and_broker_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["broker"] == "ok"


def test_it_names_the_broker_kind(client, settings):
    body = client.get("/healthz").json()

    assert body["broker_kind"] == ("redis" if settings.REDIS_URL else "in-process")


def test_it_answers_503_when_the_broker_is_unreachable(client, settings):
    # Port 1 on loopback: nothing listens there, the connection is refused.
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "ok",
        "broker": "unreachable",
        "broker_kind": "redis",
        "scheduler": "off",
        "scheduler_last_tick": None,
    }


def test_it_is_never_cached(client):
    response = client.get("/healthz")

    assert "no-cache" in response["Cache-Control"]


def test_it_refuses_writes(client):
    assert client.post("/healthz").status_code == 405


@pytest.fixture
def with_scheduler():
    """Tasks go to a broker (as under `make run` or in production): a scheduler is expected."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = previous


def test_it_says_the_scheduler_is_off_when_tasks_run_in_process(client):
    body = client.get("/healthz").json()

    assert body["scheduler"] == "off"
    assert body["scheduler_last_tick"] is None


def test_it_answers_200_with_the_last_tick_when_the_scheduler_ticked_recently(
    client, with_scheduler
):
    tick = SchedulerTick.objects.create(name="beat", at=timezone.now() - timedelta(seconds=40))

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["scheduler"] == "ok"
    assert response.json()["scheduler_last_tick"] == tick.at.isoformat()


def test_it_answers_503_when_the_scheduler_is_late(client, with_scheduler, settings):
    settings.SCHEDULER_LATE_SECONDS = 180
    SchedulerTick.objects.create(name="beat", at=timezone.now() - timedelta(seconds=181))

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["scheduler"] == "late"


def test_it_answers_503_when_the_scheduler_never_ran(client, with_scheduler):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["scheduler"] == "never"


def test_the_tick_task_records_the_time(with_scheduler):
    from coalition.tasks import scheduler_tick

    before = timezone.now()
    scheduler_tick.run()
    scheduler_tick.run()

    assert SchedulerTick.objects.count() == 1
    assert SchedulerTick.objects.get(name="beat").at >= before

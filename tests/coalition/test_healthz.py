import pytest

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
    }


def test_it_is_never_cached(client):
    response = client.get("/healthz")

    assert "no-cache" in response["Cache-Control"]


def test_it_refuses_writes(client):
    assert client.post("/healthz").status_code == 405

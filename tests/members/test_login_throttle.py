"""Wrong passwords slow down one account from one address; they never lock the account.

The right password still works from another address, refusals are 429 with
Retry-After, and the owner hears about repeated failures once per window.
"""

from __future__ import annotations

import pytest
from django.core import mail

from members import login_throttle
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.7"
OWNER = "198.51.100.20"


def _login(client, password: str, address: str):
    return client.post(
        "/accounts/login/",
        {"login": "target@example.net", "password": password},
        REMOTE_ADDR=address,
    )


@pytest.fixture
def clock(monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(login_throttle, "_now", lambda: now[0])
    return now


@pytest.fixture
def target(make_person):
    return make_person("target@example.net")


def test_the_right_password_still_works_from_another_address(client, target, clock):
    for _ in range(10):
        _login(client, "wrong" * 3, ATTACKER)

    response = _login(client, PASSWORD, OWNER)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(target.pk)


def test_failures_on_other_accounts_never_block_an_address(client, target, clock):
    """allauth's limit blocked every login from an address after ten failures a minute: one
    person mistyping behind an office's address locked out the whole office."""
    for n in range(12):
        client.post(
            "/accounts/login/",
            {"login": f"colleague{n}@example.net", "password": "wrong" * 3},
            REMOTE_ADDR=ATTACKER,
        )

    response = _login(client, PASSWORD, ATTACKER)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(target.pk)


def test_a_refusal_is_a_429_with_retry_after_even_for_the_right_password(client, target, clock):
    for _ in range(login_throttle.FREE_FAILURES + 1):
        _login(client, "wrong" * 3, ATTACKER)

    response = _login(client, PASSWORD, ATTACKER)

    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_delay_grows_with_each_failure_and_then_lets_the_pair_try_again(client, target, clock):
    waits = []
    for _ in range(login_throttle.FREE_FAILURES + 4):
        response = _login(client, "wrong" * 3, ATTACKER)
        assert response.status_code == 200  # a plain wrong password, not yet refused
        waits.append(login_throttle.delay_left(login="target@example.net", address=ATTACKER))
        clock[0] += waits[-1]

    assert waits[: login_throttle.FREE_FAILURES] == [0] * login_throttle.FREE_FAILURES
    growing = waits[login_throttle.FREE_FAILURES :]
    assert growing == sorted(growing) and growing[0] < growing[-1]
    assert _login(client, PASSWORD, ATTACKER).status_code == 302


def test_the_delay_is_capped(clock):
    for _ in range(60):
        login_throttle.failure_record(login="target@example.net", address=ATTACKER)

    assert login_throttle.delay_left(login="target@example.net", address=ATTACKER) <= (
        login_throttle.MAX_DELAY
    )


def test_the_owner_is_emailed_once_per_window_after_repeated_failures(client, target, clock):
    for _ in range(login_throttle.NOTIFY_AFTER * 3):
        _login(client, "wrong" * 3, ATTACKER)
        _login(client, "wrong" * 3, OWNER)
        clock[0] += 30

    told = [message for message in mail.outbox if message.to == ["target@example.net"]]
    assert len(told) == 1
    assert "password" in told[0].body.lower()


def test_failures_for_an_unknown_address_email_nobody(client, clock):
    for _ in range(login_throttle.NOTIFY_AFTER + 1):
        client.post(
            "/accounts/login/",
            {"login": "nobody@example.net", "password": "wrong" * 3},
            REMOTE_ADDR=ATTACKER,
        )
        clock[0] += 60

    assert mail.outbox == []


def test_a_success_clears_the_pairs_count(client, target, clock):
    for _ in range(login_throttle.FREE_FAILURES):
        _login(client, "wrong" * 3, ATTACKER)
    _login(client, PASSWORD, ATTACKER)
    client.logout()

    _login(client, "wrong" * 3, ATTACKER)

    assert login_throttle.delay_left(login="target@example.net", address=ATTACKER) == 0

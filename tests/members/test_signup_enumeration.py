"""Sign-up does the same work whether the address already has an account, so neither its
answer nor its time tells which addresses are registered."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


class CountingHasher(MD5PasswordHasher):
    """MD5 (fast, for tests) that counts how many passwords it hashed."""

    algorithm = "counting_md5"
    hashed = 0

    def encode(self, password, salt):
        CountingHasher.hashed += 1
        return super().encode(password, salt)


@pytest.fixture
def counting(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    CountingHasher.hashed = 0
    return CountingHasher


def _sign_up(client, email: str):
    return client.post(
        "/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )


def _work(client, counting, email: str) -> tuple[int, int, int, str]:
    counting.hashed = 0
    mail.outbox.clear()
    response = _sign_up(client, email)
    return counting.hashed, len(mail.outbox), response.status_code, response["Location"]


def test_a_known_and_a_new_address_hash_a_password_and_queue_one_email_alike(
    client, make_person, counting
):
    make_person("known@example.net")

    known = _work(client, counting, "known@example.net")
    new = _work(client, counting, "brand.new@example.net")

    assert known == new
    assert known[0] == 1 and known[1] == 1


def test_the_known_address_is_told_it_already_has_an_account(client, make_person, counting):
    make_person("known@example.net")

    _sign_up(client, "known@example.net")

    (message,) = mail.outbox
    assert message.to == ["known@example.net"]
    assert "already" in (message.subject + message.body).lower()


def test_a_known_address_takes_as_long_as_a_new_one_with_the_real_hasher(
    client, make_person, settings
):
    """Timed with Django's PBKDF2 (production's hasher): before, a known address answered
    in ~20 ms and a new one in ~220 ms. The fastest of three tries of each are compared,
    with room for a busy machine; what remains is the hash, done by both."""
    import time

    make_person("known@example.net")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]

    def timed(email: str) -> float:
        started = time.perf_counter()
        response = _sign_up(client, email)
        assert response.status_code == 302
        return time.perf_counter() - started

    known, new = [], []
    for n in range(3):
        known.append(timed("known@example.net"))
        new.append(timed(f"brand.new{n}@example.net"))

    assert min(known) >= 0.5 * min(new), (known, new)

"""Accounts: sign-up with mandatory email verification, login, reset, two-factor, rate limits."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from members.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^\s]+/accounts/confirm-email/[^\s/]+/")


def sign_up(client, email="new.person@example.net", password=PASSWORD):
    return client.post(
        "/accounts/signup/",
        {"email": email, "password1": password, "password2": password},
    )


def test_sign_up_sends_a_verification_email_and_does_not_log_in(client):
    response = sign_up(client)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.person@example.net"]
    assert LINK.search(mail.outbox[0].body)
    assert "_auth_user_id" not in client.session
    assert not EmailAddress.objects.get(email="new.person@example.net").verified


def test_an_unverified_person_cannot_log_in(client):
    sign_up(client)
    mail.outbox.clear()

    response = client.post(
        "/accounts/login/", {"login": "new.person@example.net", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session


def test_following_the_link_verifies_the_address_and_then_login_works(client):
    sign_up(client)
    link = LINK.search(mail.outbox[0].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]

    assert client.get("/" + path).status_code == 200
    assert client.post("/" + path).status_code == 302
    assert EmailAddress.objects.get(email="new.person@example.net").verified

    response = client.post(
        "/accounts/login/", {"login": "new.person@example.net", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(User.objects.get().pk)


def test_a_short_or_common_password_is_refused_with_a_reason(client):
    response = sign_up(client, password="password123")

    assert response.status_code == 200
    assert "This password is too short" in response.content.decode()
    assert "This password is too common" in response.content.decode()
    assert not User.objects.exists()


def test_signing_up_twice_with_one_address_creates_one_account(client, make_person):
    make_person("taken@example.net")

    response = sign_up(client, email="Taken@Example.net")

    # Account enumeration is prevented: the page looks the same, the owner
    # of the address is told by email instead.
    assert response.status_code == 302
    assert User.objects.filter(email__iexact="taken@example.net").count() == 1
    assert mail.outbox[0].to == ["taken@example.net"]


def test_password_reset_mails_the_owner_and_reveals_nothing_about_strangers(client, make_person):
    make_person("owner@example.net")

    known = client.post("/accounts/password/reset/", {"email": "owner@example.net"})
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.net"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    assert mail.outbox[0].to == ["owner@example.net"]


def test_logout_needs_a_post(client, outsider):
    client.force_login(outsider)

    client.post("/accounts/logout/")

    assert "_auth_user_id" not in client.session


def test_two_factor_setup_is_open_to_every_person(client, outsider):
    client.post("/accounts/login/", {"login": outsider.email, "password": PASSWORD})
    # Turning on two-factor asks for the password again first.
    asked = client.get("/accounts/2fa/totp/activate/")
    assert asked["Location"].startswith("/accounts/reauthenticate/")
    client.post(asked["Location"], {"password": PASSWORD})

    response = client.get("/accounts/2fa/totp/activate/")

    assert response.status_code == 200
    assert "Authenticator code" in response.content.decode()


def test_two_factor_pages_need_a_login(client):
    response = client.get("/accounts/2fa/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_repeated_failed_logins_are_rate_limited(client, make_person):
    make_person("target@example.net")
    for _ in range(5):
        client.post("/accounts/login/", {"login": "target@example.net", "password": "wrong" * 3})

    response = client.post(
        "/accounts/login/", {"login": "target@example.net", "password": PASSWORD}
    )

    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session

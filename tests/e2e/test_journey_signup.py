"""A new person signs up, verifies their email, logs in and switches to French."""

import re

import pytest
from django.core import mail

from tests.support import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

LINK = re.compile(r"https?://\S+/accounts/confirm-email/\S+/")
PASSWORD_LABEL = re.compile(r"^Password:?$")


def test_new_person_signs_up_verifies_logs_in_and_reads_french(page, live_server):
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Sign up").click()

    page.get_by_label("Email").fill("noor.haddad@example.net")
    page.get_by_label(PASSWORD_LABEL).fill("a quiet river at dawn")
    page.get_by_label("Password (again)").fill("a quiet river at dawn")
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()

    def verification_email():
        return [m for m in mail.outbox if m.to == ["noor.haddad@example.net"]]

    message = wait_for(verification_email)[0]
    page.goto(LINK.search(message.body).group(0))
    page.get_by_role("button", name="Confirm").click()

    page.get_by_label("Email").fill("noor.haddad@example.net")
    page.get_by_label(PASSWORD_LABEL).fill("a quiet river at dawn")
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    page.get_by_label("Language").select_option("fr")
    page.get_by_role("button", name="Change language").click()

    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", name="Comment fonctionne le réseau")).to_be_visible()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()

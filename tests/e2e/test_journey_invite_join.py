"""A weaver invites a prospect group; its contact joins, verifies, signs; the board and
the public statement show it."""

import re

import pytest
from django.core import mail

from coalition.models import PlaceKind
from tests.factories import make_place, publish_privacy_policy, publish_statement
from tests.support import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

INVITATION = re.compile(r"https?://\S+/invitations/\S+/")
CONFIRM = re.compile(r"https?://\S+/accounts/confirm-email/\S+/")
PASSWORD = "a quiet river at dawn"


def emails_to(address):
    def find():
        return [m for m in mail.outbox if m.to == [address]]

    find.__name__ = f"email to {address}"
    return find


def test_weaver_invites_a_prospect_who_joins_and_appears_aligned_and_listed(
    browser, page, live_server, make_person, settings
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    publish_statement(title="Clean air is a common good")
    publish_privacy_policy()
    make_place("Port Maren", PlaceKind.CITY)
    make_person("wren@example.net", name="Wren Weaver", roles=("weaver",))

    # The weaver adds the prospect and sends its invitation.
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("wren@example.net")
    page.get_by_label(re.compile(r"^Password:?$")).fill("correct horse battery staple")
    page.get_by_role("button", name="Sign In").click()
    page.goto(f"{live_server.url}/weave/prospects/new/")
    page.get_by_label("Group name").fill("Harbour Clinic Collective")
    page.get_by_label("Kind of group").select_option("ngo")
    page.get_by_label("or type its name").fill("Port Maren")
    page.get_by_label("Contact email").fill("cleo@example.net")
    page.get_by_label("Contact name (optional)").fill("Cleo Clinic")
    page.get_by_role("button", name="Add the group").click()
    expect(page.get_by_text("Harbour Clinic Collective added.")).to_be_visible()

    # The contact follows the link in a browser of their own.
    invitation = wait_for(emails_to("cleo@example.net"))[0]
    contact = browser.new_context(locale="en-GB").new_page()
    contact.goto(INVITATION.search(invitation.body).group(0))
    expect(contact.get_by_label("Group name")).to_have_value("Harbour Clinic Collective")
    expect(contact.get_by_label("Your email address")).to_have_value("cleo@example.net")
    contact.get_by_label("Choose a password").fill(PASSWORD)
    contact.get_by_label("List our group's name on the public list of signatories").check()
    contact.get_by_label("We agree with the unity statement").check()
    contact.get_by_label("We agree with the principles").check()
    contact.get_by_label("I have read the privacy policy").check()
    contact.get_by_role("button", name="Sign and join").click()
    expect(contact.get_by_role("heading", name="One more step: check your email")).to_be_visible()

    def verification():
        return [m for m in emails_to("cleo@example.net")() if CONFIRM.search(m.body)]

    contact.goto(CONFIRM.search(wait_for(verification)[0].body).group(0))
    contact.get_by_role("button", name="Confirm").click()
    contact.wait_for_load_state("networkidle")
    contact.context.close()

    # The weaver sees it aligned on the board, and the public sees it listed.
    page.goto(f"{live_server.url}/weave/")
    aligned = page.locator("section.weave-column", has=page.locator("h3#column-aligned"))
    expect(aligned).to_contain_text("Harbour Clinic Collective")
    page.goto(f"{live_server.url}/statement/")
    expect(page.locator(".signatories")).to_contain_text("Harbour Clinic Collective")

"""A real coalition's first day, from an empty database: the setup link the terminal prints,
setup, the statement published, places pasted, a weaver invited into the role, the weaver
invites a group, its contact joins from the email, and the group is on /statement/.

It counts the pages opened and the required fields filled, and fails above 25 required
fields from the setup link to the first invitation sent (issue #12).
"""

import io
import re

import pytest
from django.core import mail
from django.core.management import call_command

from tests.support import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

SETUP_LINK = re.compile(r"https?://\S+/setup/\?token=\S+")
ROLE_INVITATION = re.compile(r"https?://\S+/network/invitations/\S+/")
GROUP_INVITATION = re.compile(r"https?://\S+/invitations/\S+/")
CONFIRM = re.compile(r"https?://\S+/accounts/confirm-email/\S+/")
PLACES = """Northland
    Lakeshore (region)
        Port Maren (city)
            Harbourside
    Hill Country (region)
"""


class Effort:
    """Pages opened and required fields filled on the way."""

    def __init__(self, page):
        self.page = page
        self.pages = 0
        self.required = 0

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.pages += 1

    def submit(self, button: str) -> None:
        """Count the required fields of the form holding ``button``, then press it."""
        target = self.page.get_by_role("button", name=button)
        form = self.page.locator("form", has=target)
        self.required += form.locator(
            "input[required], textarea[required], select[required]"
        ).count()
        target.click()
        self.page.wait_for_load_state()
        self.pages += 1


def emails_to(address, pattern=None):
    def find():
        return [
            m
            for m in mail.outbox
            if m.to == [address] and (pattern is None or pattern.search(m.body))
        ]

    find.__name__ = f"email to {address}"
    return find


def test_a_new_coalition_sets_itself_up_and_its_first_group_joins(browser, page, live_server):
    from playwright.sync_api import expect

    # `make start` runs setup_link before serving: the terminal shows the link.
    terminal = io.StringIO()
    call_command("setup_link", stdout=terminal)
    link = SETUP_LINK.search(terminal.getvalue()).group(0)
    effort = Effort(page)

    effort.open(link)
    page.get_by_label("Name of the coalition").fill("Clean Rivers Network")
    page.get_by_label("Its cause").fill("Rivers clean enough to swim in, everywhere.")
    page.get_by_label("Time zone").fill("Europe/Paris")
    effort.submit("Next: your account")
    page.get_by_label("Your name").fill("Sasha Okafor")
    page.get_by_label("Your email address").fill("sasha@example.net")
    page.get_by_label("Password").fill("a long walk by the river")
    effort.submit("Next: the unity statement")
    page.get_by_label("Title").fill("Rivers are a common good")
    page.get_by_label("Statement").fill("We unite so that every river runs clean.")
    page.get_by_label("Principles").fill("Act where we live\nSupport each other")
    effort.submit("Save the draft and go on")
    page.get_by_label("Places").fill(PLACES)
    effort.submit("Add the places and go on")
    expect(page.get_by_label("Privacy policy")).to_contain_text("Clean Rivers Network")
    effort.submit("Publish the policy and finish")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Next steps")

    # Publish the statement, confirming how many groups re-sign (none yet).
    effort.open(f"{live_server.url}/statement/versions/1/publish/")
    effort.submit("Yes, publish it")

    # Invite a weaver into the role.
    effort.open(f"{live_server.url}/network/people/")
    invite = page.locator("form", has=page.get_by_role("button", name="Send the invitation"))
    invite.get_by_label("Email address").fill("wren@example.net")
    invite.get_by_label("Role").select_option("weaver")
    invite.get_by_label(re.compile("Reason")).fill("Runs outreach in the north")
    effort.submit("Send the invitation")
    role_email = wait_for(emails_to("wren@example.net", ROLE_INVITATION))[0]
    print(f"\nsetup to first invitation: {effort.pages} pages, {effort.required} required fields")
    assert effort.required <= 25

    # The weaver accepts in a browser of their own, with a new account.
    weaver = browser.new_context(locale="en-GB").new_page()
    weaver.goto(ROLE_INVITATION.search(role_email.body).group(0))
    weaver.get_by_label(re.compile("^Your name")).fill("Wren Weaver")
    weaver.get_by_label(re.compile("^Password")).first.fill("a quiet river at dawn")
    weaver.get_by_label(re.compile("^Password.*again|^Confirm|^Repeat")).fill(
        "a quiet river at dawn"
    )
    weaver.get_by_role("button", name="Make my account and accept").click()
    weaver.wait_for_load_state()
    # A new account agrees to the published policy once, as every new account does.
    weaver.get_by_role("button", name="I agree").click()
    weaver.wait_for_load_state()

    # The weaver invites a group.
    weaver.goto(f"{live_server.url}/weave/prospects/new/")
    weaver.get_by_label("Group name").fill("Harbourside Anglers")
    weaver.get_by_label("Kind of group").select_option("community")
    weaver.get_by_label("or type its name").fill("Harbourside")
    weaver.get_by_label("Contact email").fill("cleo@example.net")
    weaver.get_by_role("button", name="Add the group").click()
    expect(weaver.get_by_text("Harbourside Anglers added.")).to_be_visible()
    weaver.context.close()

    # Its contact joins from the email and verifies the address.
    invitation = wait_for(emails_to("cleo@example.net", GROUP_INVITATION))[0]
    assert invitation.subject == "Harbourside Anglers: an invitation to join the network"
    contact = browser.new_context(locale="en-GB").new_page()
    contact.goto(GROUP_INVITATION.search(invitation.body).group(0))
    contact.get_by_label("Your name").fill("Cleo Marsh")
    contact.get_by_label("Choose a password").fill("reeds and herons")
    contact.get_by_label("List our group's name on the public list of signatories").check()
    contact.get_by_label("We agree with the unity statement").check()
    contact.get_by_label("We agree with the principles").check()
    contact.get_by_label(re.compile("privacy policy")).check()
    contact.get_by_role("button", name="Sign and join").click()
    contact.goto(CONFIRM.search(wait_for(emails_to("cleo@example.net", CONFIRM))[0].body).group(0))
    contact.get_by_role("button", name="Confirm").click()
    contact.wait_for_load_state("networkidle")
    contact.context.close()

    page.goto(f"{live_server.url}/statement/")
    expect(page.locator(".signatories")).to_contain_text("Harbourside Anglers")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rivers are a common good")

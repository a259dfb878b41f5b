"""A visitor flags an action and leaves an address; the moderator hears of it in their
notifications, hides it from the queue with a reason; the host sees the reason on the
action's page; the visitor is told by email."""

import re

import pytest
from django.core import mail

from coalition.models import PlaceKind, Role
from members.models import Stage
from tests.factories import (
    GroupFactory,
    add_member,
    make_action,
    make_place,
    publish_privacy_policy,
    publish_statement,
)

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"


def log_in(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def log_out(page, base):
    page.goto(f"{base}/accounts/logout/")
    page.get_by_role("button", name="Sign Out").click()


def test_visitor_flags_moderator_hides_host_sees_reason_visitor_is_told(
    browser, page, live_server, make_person
):
    from playwright.sync_api import expect

    version = publish_statement()
    publish_privacy_policy()
    city = make_place("Port Maren", PlaceKind.CITY)
    tenants = GroupFactory(name="Mill Quarter Tenants", place=city, stage=Stage.ALIGNED,
                           signed_version=version, listing_consent=True)  # fmt: skip
    host = make_person("hana@example.net", name="Hana Host")
    add_member(tenants, host, "admin")
    make_person("mira@example.net", name="Mira Moderator", roles=(Role.MODERATOR,))
    action = make_action(tenants, by=host, title="Buy cheap watches here")
    base = live_server.url

    # A visitor, without an account, flags the action and leaves an address.
    page.goto(f"{base}/actions/{action.pk}/")
    page.get_by_text("Flag this action to the network's moderators").click()
    page.get_by_label("What is wrong with this action?").fill("An advert, not an action")
    page.get_by_label("Your email (optional)").fill("visitor@example.net")
    page.get_by_role("button", name="Flag this action").click()
    expect(page.get_by_text("The network's moderators will look at this action")).to_be_visible()

    # The moderator sees it in their notifications, then in the queue, and hides it.
    log_in(page, base, "mira@example.net")
    page.goto(f"{base}/me/notifications/")
    expect(page.get_by_text("An action was flagged").first).to_be_visible()
    page.goto(f"{base}/moderation/")
    expect(page.get_by_text("An advert, not an action").first).to_be_visible()
    page.get_by_role("link", name="Decide").first.click()
    page.get_by_label("Hide the action").check()
    page.get_by_label("Rule broken (when hiding)").select_option("spam")
    page.get_by_label("Why").fill("Advertising watches is not an action of the coalition")
    page.get_by_role("button", name="Decide").click()
    expect(page.get_by_text("The action is hidden")).to_be_visible()
    log_out(page, base)

    # The host sees the reason on the action's page, and may ask for a review.
    log_in(page, base, "hana@example.net")
    page.goto(f"{base}/actions/{action.pk}/")
    expect(page.get_by_text("Advertising watches is not an action").first).to_be_visible()
    expect(page.get_by_role("link", name="Ask for a review")).to_be_visible()

    # The visitor is told by email.
    told = [message for message in mail.outbox if message.to == ["visitor@example.net"]]
    assert len(told) == 1
    assert "Advertising watches" in told[0].body

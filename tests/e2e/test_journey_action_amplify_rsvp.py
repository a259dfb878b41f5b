"""A member of group A posts an action; an admin of group B amplifies it and pledges two
people; a member of the public RSVPs; the host sees the counts."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from coalition.models import PlaceKind
from members.models import Stage
from tests.factories import (
    GroupFactory,
    add_member,
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


def test_member_posts_another_group_amplifies_and_pledges_public_rsvps_host_sees_counts(
    browser, page, live_server, make_person
):
    from playwright.sync_api import expect

    version = publish_statement()
    publish_privacy_policy()
    city = make_place("Port Maren", PlaceKind.CITY)
    tenants = GroupFactory(name="Mill Quarter Tenants", place=city, stage=Stage.ALIGNED,
                           signed_version=version, listing_consent=True)  # fmt: skip
    parents = GroupFactory(name="Dockyard Parents", place=city, stage=Stage.ALIGNED,
                           signed_version=version, listing_consent=True)  # fmt: skip
    add_member(tenants, make_person("tess@example.net", name="Tess Tenant"), "member")
    add_member(parents, make_person("pat@example.net", name="Pat Parent"), "admin")
    start = timezone.localtime(timezone.now() + timedelta(days=10)).replace(hour=18, minute=0)

    # A plain member of the tenants posts an action, no approval needed.
    log_in(page, live_server.url, "tess@example.net")
    page.goto(f"{live_server.url}/actions/new/")
    page.get_by_label("Title").fill("Clean air vigil at the docks")
    page.get_by_label("Kind of action").select_option("event")
    page.get_by_label("or type its name").fill("Port Maren")
    page.get_by_label("Starts").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Ends").fill((start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label(re.compile(r"^Places:?$")).fill("10")
    page.get_by_role("button", name="Post the action").click()
    expect(page.get_by_role("heading", name="Clean air vigil at the docks")).to_be_visible()
    action_url = page.url

    # An admin of the parents endorses it and pledges two people.
    other = browser.new_context(locale="en-GB").new_page()
    log_in(other, live_server.url, "pat@example.net")
    other.goto(action_url)
    box = other.get_by_role("group", name="Dockyard Parents")
    box.get_by_role("button", name="Endorse").click()
    expect(other.get_by_role("button", name="Undo the endorsement")).to_be_visible()
    box = other.get_by_role("group", name="Dockyard Parents")
    box.get_by_label("People").fill("2")
    box.get_by_role("button", name="Pledge people").click()
    expect(other.get_by_role("button", name="Take back the pledge")).to_be_visible()
    other.wait_for_load_state("networkidle")
    other.context.close()

    # Someone from the public RSVPs without an account.
    public = browser.new_context(locale="en-GB").new_page()
    public.goto(action_url)
    public.get_by_label("Your name").fill("Rosa Neighbour")
    public.get_by_label(re.compile(r"^Your email:?$")).fill("rosa@example.net")
    public.get_by_label("I agree to the privacy policy").check()
    public.get_by_role("button", name="I am coming").click()
    public.wait_for_load_state("networkidle")
    expect(public.get_by_text("1 person is coming.")).to_be_visible()
    public.context.close()

    # The host sees the counts.
    page.goto(action_url)
    expect(page.get_by_text("1 person is coming.")).to_be_visible()
    expect(page.locator('[data-amplify-count="endorse"]')).to_have_text("1")
    expect(page.locator('[data-amplify-count="people"]')).to_have_text("2")

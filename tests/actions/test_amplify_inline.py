"""The amplify buttons work inline in a real browser (static/js/amplify.js), without a reload."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from actions.models import Amplification
from members.models import Stage
from tests.factories import GroupFactory, make_action

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def in_browser(scenario):
    """Run ``scenario(page)`` in headless Chromium, in a thread of its own.

    Playwright's sync API refuses a thread where an event loop runs (the
    browser journeys keep one for the whole session), so the browser gets a
    fresh thread; the test's own database work stays in this one.
    """

    def run():
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
            )
            context = browser.new_context(locale="en-GB")
            page = context.new_page()
            page.set_default_timeout(15_000)
            try:
                return scenario(page)
            finally:
                # Let in-flight requests end before the database is flushed.
                page.wait_for_load_state("networkidle")
                context.close()
                browser.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def session_cookie(live_server, person) -> dict:
    """The session cookie of a logged-in test client, for the browser."""
    client = Client()
    client.force_login(person)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    return {"name": cookie.key, "value": cookie.value, "url": live_server.url}


def test_endorsing_and_pledging_inline_update_the_page_without_a_reload(
    live_server, place, group, group_admin
):
    host = GroupFactory(name="Harbour Union", place=place, stage=Stage.ALIGNED)
    action = make_action(host, title="Clean air march")
    cookie = session_cookie(live_server, group_admin)
    address = live_server.url + reverse("actions:detail", kwargs={"pk": action.pk})

    def scenario(page):
        page.context.add_cookies([cookie])
        page.goto(address)
        page.evaluate("window.notReloaded = true")
        seen = {}

        page.get_by_role("button", name="Endorse", exact=True).click()
        page.get_by_role("button", name="Undo the endorsement").wait_for()
        seen["endorsed"] = page.locator('[data-amplify-count="endorse"]').inner_text()
        seen["said"] = page.locator("[data-amplify-status]").inner_text()

        page.get_by_label("People").fill("2")
        page.get_by_role("button", name="Pledge people").click()
        page.get_by_role("button", name="Take back the pledge").wait_for()
        seen["people"] = page.locator('[data-amplify-count="people"]').inner_text()

        page.get_by_role("button", name="Undo the endorsement").click()
        page.get_by_role("button", name="Endorse", exact=True).wait_for()
        seen["undone"] = page.locator('[data-amplify-count="endorse"]').inner_text()

        seen["not_reloaded"] = page.evaluate("window.notReloaded")
        seen["copy_button"] = page.get_by_role("button", name="Copy the text").is_visible()
        return seen

    seen = in_browser(scenario)

    assert seen == {
        "endorsed": "1",
        "said": "Riverside Tenants endorses this action.",
        "people": "2",
        "undone": "0",
        "not_reloaded": True,
        "copy_button": True,
    }
    assert list(Amplification.objects.values_list("kind", "people")) == [("pledge", 2)]

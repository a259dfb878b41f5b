"""The map in a real browser under the site's Content-Security-Policy, with no tiles."""

from __future__ import annotations

import os

import pytest
from django.db import connections

from tests.factories import make_action

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def map_page():
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
            )
            context = browser.new_context(locale="en-GB")
            page = context.new_page()
            page.set_default_timeout(15_000)
            yield page
            # Let in-flight requests end before the database is flushed.
            page.wait_for_load_state("networkidle")
            context.close()
            browser.close()
            # While Playwright runs, Django sees an event loop in this thread
            # and gives the test's ORM calls a connection of their own: close
            # it here, or it outlives the test database.
            connections.close_all()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def test_markers_and_popups_work_without_tiles_and_without_breaking_the_csp(
    map_page, live_server, group, settings
):
    from playwright.sync_api import expect

    settings.MAP_TILE_URL = ""
    make_action(group, title="Picnic in Paris", latitude="48.856600", longitude="2.352200")
    make_action(group, title="Walk in Lyon", latitude="45.764000", longitude="4.835700")
    make_action(group, title="Group only", visibility="group", latitude="45.7", longitude="4.8")
    problems: list[str] = []
    map_page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    map_page.on("pageerror", lambda error: problems.append(str(error)))
    failed: list[str] = []
    map_page.on(
        "response",
        lambda response: failed.append(response.url) if response.status >= 400 else None,
    )

    map_page.goto(f"{live_server.url}/actions/map/")

    markers = map_page.locator("#actions-map path.leaflet-interactive")
    expect(markers).to_have_count(2)
    expect(map_page.locator("#actions-map-status")).to_have_text("2 actions in this area.")
    assert map_page.locator("#actions-map img.leaflet-tile").count() == 0
    markers.first.click(force=True)
    expect(map_page.locator(".leaflet-popup-content a")).to_have_count(1)
    # The list below the map, the page's content without JavaScript, is still there.
    listing = map_page.locator('section[aria-labelledby="map-list-title"]')
    expect(listing.get_by_role("link", name="Walk in Lyon")).to_have_count(1)
    assert map_page.locator('input[name="bbox"]').input_value().count(",") == 3
    assert not [text for text in problems if "Content Security Policy" in text], problems
    # The site has no favicon (yet); every other request must succeed.
    assert [url for url in failed if not url.endswith("/favicon.ico")] == []
    assert not [text for text in problems if "Failed to load resource" not in text], problems

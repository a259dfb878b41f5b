"""Playwright for Python driving Debian's Chromium, headless, against the live server."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

OFF_MACHINE = re.compile(r"^(?!https?://(127\.0\.0\.1|localhost)[:/])[a-z]+://")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # The machine's network is closed; without these Chromium keeps trying to
    # reach Google's services in the background.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # No name but the live server's resolves, in every context a journey opens:
    # map tiles (OpenStreetMap's by default) are never asked for.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread while it runs;
    # the ORM calls the tests make here are still synchronous and safe. Only
    # browser tests ever start Playwright, so only they see this.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(browser, request):
    """A fresh browser context per test; its last page is saved as a CI artefact."""
    context = browser.new_context(locale="en-GB")
    # Only the live server is ever asked: map tiles (OpenStreetMap's by
    # default) and anything else off this machine are refused unsent.
    context.route(OFF_MACHINE, lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        # Let in-flight requests end before the database is flushed.
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    finally:
        context.close()


def pytest_collection_modifyitems(items):
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _site_url(settings, live_server):
    """Links in email are built on SITE_URL: here, the live server the browser talks to."""
    settings.SITE_URL = live_server.url

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


# axe-core's impacts that fail a journey; "moderate" and "minor" are left to review.
A11Y_FAILING = ("serious", "critical")
PHONE_WIDTH = 390
# Page methods a journey calls next; before each, the page that loaded since
# the last check is checked (axe, and no horizontal scroll at PHONE_WIDTH).
_CHECK_BEFORE = (
    "goto", "get_by_label", "get_by_role", "get_by_text", "locator", "wait_for_load_state",
    "expect_download", "close",
)  # fmt: skip


class PageChecks:
    """Runs axe-core and the phone-width check on every page a journey's browser loads.

    Each page (the fixture's and every page a journey opens with
    ``browser.new_context().new_page()``) is watched: a load marks it as
    due, and the check runs before the journey's next call on it (and at the
    end of the test), on the page as the person sees it, logged in or not.
    Each address is checked once per test.
    """

    def __init__(self):
        from axe_playwright_python.sync_playwright import Axe

        self.axe = Axe()
        self.problems: list[str] = []
        self.checked: set[str] = set()
        self.pages: list = []

    def watch(self, page) -> None:
        due = {"load": False}
        page.on("load", lambda _page: due.update(load=True))
        self.pages.append((page, due))
        for name in _CHECK_BEFORE:
            original = getattr(page, name)

            def checked_first(*args, _original=original, **kwargs):
                self.check_if_due(page, due)
                return _original(*args, **kwargs)

            setattr(page, name, checked_first)

    def check_if_due(self, page, due: dict) -> None:
        if not due["load"] or page.is_closed():
            return
        due["load"] = False
        page.wait_for_load_state("load")
        url = page.url
        if url in self.checked or url.startswith("about:"):
            return
        if page.evaluate("document.contentType") != "text/html":
            return
        self.checked.add(url)
        self.check(page, url)

    def check(self, page, url: str) -> None:
        results = self.axe.run(page)
        for violation in results.response["violations"]:
            if violation["impact"] in A11Y_FAILING:
                where = ", ".join(str(node["target"]) for node in violation["nodes"][:3])
                self.problems.append(
                    f"{url}: {violation['impact']} {violation['id']} "
                    f"({violation['help']}) at {where}"
                )
        size = page.viewport_size
        page.set_viewport_size({"width": PHONE_WIDTH, "height": 844})
        try:
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE_WIDTH:
                wide = page.evaluate(
                    """(limit) => Array.from(document.querySelectorAll('body *'))
                        .filter(e => e.getBoundingClientRect().right > limit + 1)
                        .slice(0, 3).map(e => e.tagName + '.' + e.className).join(', ')""",
                    PHONE_WIDTH,
                )
                self.problems.append(f"{url}: {width} px wide at {PHONE_WIDTH} px ({wide})")
        finally:
            if size:
                page.set_viewport_size(size)

    def finish(self) -> list[str]:
        for page, due in self.pages:
            try:
                self.check_if_due(page, due)
            except Exception as error:  # a page closed with its context
                if not page.is_closed():
                    raise error
        return self.problems


@pytest.fixture
def page_checks(browser, monkeypatch):
    """Every page of the test, the fixture's and those a journey opens, is checked."""
    checks = PageChecks()
    new_context = browser.new_context

    def watched_context(*args, **kwargs):
        context = new_context(*args, **kwargs)
        context.on("page", checks.watch)
        return context

    monkeypatch.setattr(browser, "new_context", watched_context)
    return checks


@pytest.fixture
def page(browser, page_checks, request):
    """A fresh browser context per test; its last page is saved as a CI artefact.

    Fails the test when a page it visited has a serious or critical axe-core
    violation or scrolls sideways at 390 px (``PageChecks``).
    """
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
        problems = page_checks.finish()
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    finally:
        context.close()
    assert problems == [], "Accessibility or phone-width problems:\n" + "\n".join(problems)


def pytest_collection_modifyitems(items):
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _site_url(settings, live_server):
    """Links in email are built on SITE_URL: here, the live server the browser talks to."""
    settings.SITE_URL = live_server.url

"""A coordinator adds a source (the fixture OSDI server on 127.0.0.1), syncs it, adds two of
its events to a day of action in one step, and the public day page shows them with their
origin."""

import datetime as dt
import re

import pytest

from coalition.models import PlaceKind
from tests.exchange.osdi_fixture import FixtureOsdi, an_event
from tests.factories import make_day, make_place, publish_privacy_policy, publish_statement

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"


@pytest.fixture
def remote(settings):
    settings.SOURCES_ALLOW_PRIVATE_NETWORKS = True
    server = FixtureOsdi().start()
    yield server
    server.stop()


def test_a_coordinator_brings_two_imported_events_into_a_day(page, live_server, make_person,
                                                              remote):  # fmt: skip
    from playwright.sync_api import expect

    publish_statement()
    publish_privacy_policy()
    city = make_place("Port Maren", PlaceKind.CITY)
    day = make_day(places=[city], slug="clean-air-day", title="Clean Air Day")
    inside = (day.starts_at + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    remote.events = [
        an_event(1, title="Harbour assembly", start_date=inside, end_date=inside),
        an_event(2, title="Dockside bike ride", start_date=inside, end_date=inside),
        an_event(3, title="Not for the day", start_date=inside, end_date=inside),
    ]
    make_person("cora@example.net", name="Cora Coordinator", roles=("coordinator",))

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("cora@example.net")
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()

    page.goto(f"{live_server.url}/sources/new/")
    page.locator("#id_name").fill("Port Maren Action Network")
    page.get_by_label("OSDI entry point").fill(remote.url)
    page.get_by_label(re.compile(r"^Place:?$")).select_option(label="Port Maren")
    page.get_by_role("button", name="Add the source").click()
    expect(page.get_by_role("heading", name="Port Maren Action Network")).to_be_visible()

    page.get_by_role("button", name="Sync now").click()
    page.wait_for_load_state("networkidle")
    page.reload()
    expect(page.get_by_role("link", name="Harbour assembly")).to_be_visible()

    page.get_by_label("Day of action").select_option(label="Clean Air Day")
    page.get_by_label("Harbour assembly").check()
    page.get_by_label("Dockside bike ride").check()
    page.get_by_role("button", name="Add to the day of action").click()
    expect(page.get_by_text("2 events added to Clean Air Day")).to_be_visible()

    page.goto(f"{live_server.url}/days/clean-air-day/")
    expect(page.get_by_role("link", name="Harbour assembly")).to_be_visible()
    expect(page.get_by_role("link", name="Dockside bike ride")).to_be_visible()
    expect(page.get_by_text("Not for the day")).to_have_count(0)
    expect(page.get_by_text("From Port Maren Action Network").first).to_be_visible()
    origin = page.locator("#event-" + str(_pk("Harbour assembly")) + " a", has_text="at its origin")
    expect(origin).to_have_attribute("href", "https://events.example.org/assembly-1")


def _pk(title: str) -> int:
    from actions.models import Action

    return Action.objects.get(title=title).pk

"""A coordinator creates and publishes a day of action; two groups register events; a
member of the public finds one on the map and RSVPs; after the window a host reports
outcomes; the public page shows the totals."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from actions.models import Action
from coalition.models import Place, PlaceKind
from convergence.models import DayOfAction, Event
from convergence.services.lifecycle import day_close
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
LOCAL = "%Y-%m-%dT%H:%M"


def log_in(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def register_event(page, base, slug, title, start, latitude, longitude):
    page.goto(f"{base}/days/{slug}/register/")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Kind of action").select_option("event")
    page.get_by_label(re.compile(r"^Place:?$")).select_option(label="Port Maren")
    page.get_by_label("Starts").fill(start.strftime(LOCAL))
    page.get_by_label("Ends").fill((start + timedelta(hours=2)).strftime(LOCAL))
    page.get_by_label("Latitude").fill(latitude)
    page.get_by_label("Longitude").fill(longitude)
    page.get_by_label(re.compile(r"^Places:?$")).fill("30")
    page.get_by_role("button", name=re.compile("Register|Post")).click()
    page.wait_for_load_state("networkidle")


def test_a_day_of_action_from_creation_to_totals(browser, page, live_server, make_person):
    from playwright.sync_api import expect

    version = publish_statement()
    publish_privacy_policy()
    city = make_place("Port Maren", PlaceKind.CITY)
    Place.objects.filter(pk=city.pk).update(latitude=Decimal("54.5"), longitude=Decimal("-4.4"))
    groups = []
    for name, admin in [("Mill Quarter Tenants", "tess"), ("Dockyard Parents", "pat")]:
        group = GroupFactory(name=name, place=city, stage=Stage.ALIGNED, signed_version=version,
                             listing_consent=True)  # fmt: skip
        add_member(group, make_person(f"{admin}@example.net", name=admin.title()), "admin")
        groups.append(group)
    make_person("cora@example.net", name="Cora Coordinator", roles=("coordinator",))
    opens = timezone.localtime(timezone.now() + timedelta(days=2)).replace(minute=0)

    # The coordinator creates the day and publishes it.
    log_in(page, live_server.url, "cora@example.net")
    page.goto(f"{live_server.url}/days/new/")
    page.get_by_label("Title").fill("Clean Air Day")
    page.get_by_label("Purpose").fill("Show the council every neighbourhood wants clean air.")
    page.get_by_label("Target").fill("The city council")
    page.get_by_label("The ask").fill("Adopt the clean air zone.")
    page.get_by_label("Window opens").fill(opens.strftime(LOCAL))
    page.get_by_label("Window closes").fill((opens + timedelta(days=2)).strftime(LOCAL))
    page.get_by_label("Places covered").select_option(label="Port Maren")
    page.get_by_label("Goal: events").fill("2")
    page.get_by_role("button", name="Save as a draft").click()
    page.get_by_role("button", name="Publish and announce").click()
    page.wait_for_load_state("networkidle")
    day = DayOfAction.objects.get()
    assert day.status == "open"

    # Two groups register their events.
    for (email, title, lat, lon), hours in zip(
        [("tess@example.net", "Vigil at the docks", "54.51", "-4.41"),
         ("pat@example.net", "School gate walk", "54.49", "-4.39")],
        (3, 5),
        strict=True,
    ):  # fmt: skip
        host = browser.new_context(locale="en-GB").new_page()
        log_in(host, live_server.url, email)
        register_event(host, live_server.url, day.slug, title, opens + timedelta(hours=hours),
                       lat, lon)  # fmt: skip
        host.context.close()
    assert Event.objects.filter(day=day).count() == 2

    # The coordination view (checked like every page: axe, no sideways scroll at 390 px).
    page.goto(f"{live_server.url}/days/{day.slug}/coordinate/")
    expect(page.get_by_text("School gate walk").first).to_be_visible()

    # On a phone the header is one "Menu" button until opened.
    public = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844}).new_page()
    public.goto(f"{live_server.url}/days/{day.slug}/")
    header = public.locator("header.site-header")
    expect(header.get_by_role("link", name="Log in")).to_be_hidden()
    assert header.bounding_box()["height"] < 120
    header.get_by_text("Menu").click()
    expect(header.get_by_role("link", name="Log in")).to_be_visible()

    # The search by place name suggests places as typed; the chosen name is searched.
    box = public.get_by_role("combobox", name="Find events by place name")
    box.press_sequentially("maREN")
    expect(public.get_by_role("option", name="Port Maren")).to_be_visible()
    box.press("ArrowDown")
    box.press("Enter")
    expect(box).to_have_value("Port Maren")
    public.get_by_role("button", name="Search", exact=True).click()
    expect(public.get_by_text("2 events in places named “Port Maren”")).to_be_visible()

    # Someone from the public finds an event on the map and RSVPs.
    public.set_viewport_size({"width": 1280, "height": 800})
    public.goto(f"{live_server.url}/days/{day.slug}/")
    expect(public.locator("#day-map-status")).to_contain_text("2")
    public.locator("#day-map path.leaflet-interactive").first.click()
    public.locator(".leaflet-popup-content a").click()
    public.get_by_label("Your name").fill("Rosa Neighbour")
    public.get_by_label(re.compile(r"^Your email:?$")).fill("rosa@example.net")
    public.get_by_label("I agree to the privacy policy").check()
    public.get_by_role("button", name="I am coming").click()
    expect(public.get_by_text("1 person is coming.")).to_be_visible()
    public.context.close()

    # The window passes; a host reports outcomes; the day closes with totals.
    shift = timedelta(days=5)
    DayOfAction.objects.filter(pk=day.pk).update(
        starts_at=day.starts_at - shift, ends_at=day.ends_at - shift
    )
    for action in Action.objects.filter(day_event__day=day):
        Action.objects.filter(pk=action.pk).update(
            starts_at=action.starts_at - shift, ends_at=action.ends_at - shift
        )
    event = Event.objects.get(action__title="Vigil at the docks")
    host = browser.new_context(locale="en-GB").new_page()
    log_in(host, live_server.url, "tess@example.net")
    host.goto(f"{live_server.url}/days/{day.slug}/events/{event.pk}/outcomes/")
    host.get_by_label("People who took part").fill("42")
    host.get_by_label("Letters sent").fill("120")
    host.get_by_role("button", name="Record the outcomes").click()
    host.wait_for_load_state("networkidle")
    host.context.close()
    assert day_close(day=DayOfAction.objects.get(pk=day.pk))

    page.goto(f"{live_server.url}/days/{day.slug}/")
    totals = page.locator("section.day-totals")
    expect(totals).to_contain_text("Events held")
    expect(totals.locator("dd").nth(0)).to_have_text("2")
    expect(totals.locator("dd").nth(2)).to_have_text("120")

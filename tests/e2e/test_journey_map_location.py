"""A member picks a place by typing part of its name with the keyboard, sets the action's
location by clicking the map and dragging its marker, posts it, and "See it on the map" opens
that action's marker. Tiles are never fetched: every request off this machine is refused
(tests/e2e/conftest.py)."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from actions.models import Action
from coalition.models import Place, PlaceKind
from members.models import Stage
from tests.factories import GroupFactory, add_member, make_place, publish_statement

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"


def test_type_a_place_click_the_map_post_and_see_it_on_the_map(
    browser, page, live_server, make_person
):
    from playwright.sync_api import expect

    version = publish_statement()
    region = make_place("Lakeshore", PlaceKind.REGION)
    city = make_place("Port Maren", PlaceKind.CITY, region)
    harbour = make_place("Harbourside", PlaceKind.NEIGHBOURHOOD, city)
    Place.objects.filter(pk=city.pk).update(latitude=Decimal("47.2"), longitude=Decimal("-1.55"))
    group = GroupFactory(name="Quay Neighbours", place=city, stage=Stage.ALIGNED,
                         signed_version=version)  # fmt: skip
    add_member(group, make_person("quinn@example.net", name="Quinn Quay"), "member")
    answered: list[str] = []
    page.on("requestfinished", lambda request: answered.append(request.url))
    start = timezone.localtime(timezone.now() + timedelta(days=5)).replace(hour=10, minute=0)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("quinn@example.net")
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.goto(f"{live_server.url}/actions/new/")
    page.get_by_label("Title").fill("Harbour air walk")

    # The place box is a combobox: part of a word, any case, then the keyboard.
    box = page.get_by_role("combobox", name="or type its name")
    box.press_sequentially("BOURS")
    expect(box).to_have_attribute("aria-expanded", "true")
    option = page.get_by_role("option", name=re.compile("Harbourside — Port Maren"))
    expect(option).to_be_visible()
    box.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#id_place")).to_have_value(str(harbour.pk))

    # A click on the map fills the coordinates.
    the_map = page.locator("#location-map")
    expect(the_map).to_be_visible()
    the_map.click(position={"x": 200, "y": 120})
    expect(page.get_by_label("Latitude")).not_to_have_value("")
    latitude = float(page.get_by_label("Latitude").input_value())
    longitude = float(page.get_by_label("Longitude").input_value())
    assert -90 <= latitude <= 90 and -180 <= longitude <= 180

    # Dragging the marker moves the location: 60 px down is further south.
    pin = the_map.locator(".leaflet-marker-icon")
    box = pin.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] - 4)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] + 56, steps=8)
    page.mouse.up()
    expect(page.get_by_label("Latitude")).not_to_have_value(f"{latitude:.6f}")
    dragged = float(page.get_by_label("Latitude").input_value())
    assert dragged < latitude
    latitude = dragged

    page.get_by_label("Starts").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Ends").fill((start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Post the action").click()
    expect(page.get_by_role("heading", name="Harbour air walk")).to_be_visible()
    action = Action.objects.get(title="Harbour air walk")
    assert action.place == harbour
    assert float(action.latitude) == pytest.approx(latitude, abs=1e-6)
    assert action.time_zone == "UTC"  # no zone on its places: the coalition's

    # A visitor whose browser is in Tokyo sees the time in the action's zone and their own.
    visitor = browser.new_context(locale="en-GB", timezone_id="Asia/Tokyo").new_page()
    visitor.goto(f"{live_server.url}/actions/{action.pk}/")
    expect(visitor.locator(".action-facts time[data-zone='UTC']").first).to_contain_text("UTC")
    expect(visitor.locator(".action-facts .visitor-time").first).to_contain_text("GMT+9")
    visitor.context.close()

    # "See it on the map" opens the map on this action, its popup open.
    page.get_by_role("link", name="See it on the map").click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup.get_by_role("link", name="Harbour air walk")).to_be_visible()
    assert page.url.startswith(f"{live_server.url}/actions/map/?focus={action.pk}")
    # Every answer came from the live server: no tile was fetched.
    assert [url for url in answered if not url.startswith(live_server.url)] == []

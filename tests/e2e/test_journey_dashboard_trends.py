"""A steering member reads the dashboard's four cells and their trends on a laptop and on a
phone, opens a chart folded under its cell, and never scrolls sideways."""

import re
from datetime import date, timedelta

import pytest

from coalition.models import PlaceKind
from reporting.models import Win
from reporting.rollups import rollups_rebuild
from tests.factories import make_place

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"
HEADLINE = ("Wins", "Political climate", "Relationships", "Leaders")


def _no_sideways_scroll(page) -> None:
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"{scroll} px wide in a {inner} px window"


def test_steering_member_sees_the_four_cells_and_their_trends_at_1280_and_390_px(
    page, live_server, make_person
):
    from playwright.sync_api import expect

    city = make_place("Port Maren", PlaceKind.CITY)
    this_month = date.today().replace(day=1)
    last_year = (this_month - timedelta(days=370)).replace(day=1)
    for n in range(3):
        Win.objects.create(title=f"Win {n}", won_on=this_month, place=city, level="full")
    Win.objects.create(title="Old win", won_on=last_year, place=city, level="partial")
    rollups_rebuild()
    make_person("stella@example.net", name="Stella Steering", roles=("steering",))

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("stella@example.net")
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.goto(f"{live_server.url}/dashboard/")

    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        glance = page.locator(".at-a-glance .trends").first
        for title in HEADLINE:
            cell = glance.locator(".trend").filter(
                has=page.get_by_role("heading", name=title, exact=True)
            )
            expect(cell).to_be_visible()
            expect(cell.locator(".trend__change")).to_be_visible()
        wins = glance.locator(".trend").first
        expect(wins.locator(".trend__now")).to_have_text("3")
        expect(wins.locator(".trend__change")).to_contain_text("▲ 200 %")
        expect(wins).to_contain_text("3 wins in the period, 2 more than in the previous period.")
        _no_sideways_scroll(page)

    # On the phone, a chart opens under its cell and still fits the screen.
    page.get_by_text("Chart and table: Wins", exact=True).click()
    drawing = page.locator('svg.chart-drawing[aria-labelledby="chart-wins-title"]')
    expect(drawing).to_be_visible()
    assert drawing.bounding_box()["width"] <= 390
    _no_sideways_scroll(page)

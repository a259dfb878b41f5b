"""A steering member opens the dashboard, narrows it to a region, downloads a chart's CSV,
asks for a PDF report and finds it in their email."""

import re
from datetime import date

import pytest
from django.core import mail
from django.core.management import call_command

from coalition.models import PlaceKind
from reporting.models import Win
from tests.factories import make_place
from tests.support import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"


def test_steering_member_narrows_the_dashboard_downloads_a_csv_and_gets_a_report(
    page, live_server, make_person, settings
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    region = make_place("Lakeshore", PlaceKind.REGION)
    city = make_place("Port Maren", PlaceKind.CITY, region)
    elsewhere = make_place("Hill Country", PlaceKind.REGION)
    this_month = date.today().replace(day=1)
    Win.objects.create(title="Clean air zone adopted", won_on=this_month, place=city, level="full")
    Win.objects.create(title="Bus depot moved", won_on=this_month, place=elsewhere, level="partial")
    call_command("rollups_rebuild", stdout=open("/dev/null", "w"))  # noqa: SIM115
    make_person("stella@example.net", name="Stella Steering", roles=("steering",))

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("stella@example.net")
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()

    page.goto(f"{live_server.url}/dashboard/")
    page.get_by_label("Narrow to a place (and everything in it)").select_option(label="Lakeshore")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    # Each chart, its table and its CSV are folded under its cell.
    page.get_by_text("Chart and table: Wins", exact=True).click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download “Wins” as CSV").click()
    with open(download.value.path(), encoding="utf-8") as csv_file:
        rows = csv_file.read().splitlines()
    assert rows[0] == "month,partial,full"
    # Only the region's full win: the partial one is in another region.
    assert f"{this_month:%Y-%m},0,1" in rows

    page.goto(f"{live_server.url}/dashboard/reports/")
    page.get_by_label("From (month)").fill(this_month.strftime("%Y-%m"))
    page.get_by_label("To (month, included)").fill(this_month.strftime("%Y-%m"))
    page.get_by_label("Narrowed to this place and everything in it").select_option(
        label="Lakeshore"
    )
    page.get_by_role("button", name="Build the report").click()
    page.wait_for_load_state("networkidle")

    def report_email():
        return [m for m in mail.outbox if m.to == ["stella@example.net"]]

    message = wait_for(report_email)[0]
    assert "/dashboard/reports/" in message.body
    attachments = {name: content for name, content, _type in message.attachments}
    assert any(content[:5] == b"%PDF-" for content in attachments.values())

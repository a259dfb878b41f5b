"""A person logs in, opens their data page from the footer and downloads it as JSON."""

import json
import re

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"


def test_a_person_downloads_their_own_data_as_json(page, live_server, make_person):
    from playwright.sync_api import expect

    make_person("ines.download@example.net", name="Ines Download", phone="+33 6 00 00 00 17")

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("ines.download@example.net")
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    page.get_by_role("contentinfo").get_by_role("link", name="Your data").click()
    expect(page.get_by_role("heading", name="Your data", exact=True)).to_be_visible()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download as JSON").click()
    download = download_info.value
    assert download.suggested_filename.startswith("my-data-")
    document = json.loads(open(download.path(), encoding="utf-8").read())  # noqa: SIM115
    account = document["data"]["account"][0]
    assert account["email"] == "ines.download@example.net"
    assert account["phone"] == "+33 6 00 00 00 17"

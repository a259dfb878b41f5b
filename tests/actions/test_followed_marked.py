"""Another network's events (a followed source) carry its name on the map and in calendars."""

import pytest
from icalendar import Calendar

from tests.factories import make_action

pytestmark = pytest.mark.django_db

BBOX = "-10,40,10,60"


@pytest.fixture
def followed(group):
    return make_action(
        group,
        title="River clean-up at the weir",
        latitude=51.5,
        longitude=-0.1,
        origin_system="coalition:tidewater",
        origin_id="coalition:41",
        origin_name="Tidewater Network",
        origin_url="https://tidewater.example.org/actions/41/",
    )


def test_the_map_marks_a_followed_networks_event_and_not_our_own(client, group, followed):
    ours = make_action(group, title="Our own walk", latitude=51.6, longitude=-0.2)

    features = client.get(f"/actions/map/data.geojson?bbox={BBOX}").json()["features"]

    origins = {f["properties"]["id"]: f["properties"]["origin"] for f in features}
    assert origins == {followed.pk: "From Tidewater Network", ours.pk: ""}


def test_calendars_mark_a_followed_networks_event(client, followed):
    feed = Calendar.from_ical(client.get("/actions/calendar.ics").content)

    (event,) = feed.walk("VEVENT")
    assert "From Tidewater Network" in str(event["DESCRIPTION"])
    assert [str(c) for c in event["CATEGORIES"].cats] == ["Tidewater Network"]


def test_the_action_list_marks_a_followed_networks_event(client, group, followed):
    make_action(group, title="Our own walk")

    page = client.get("/actions/").content.decode()

    assert page.count("From Tidewater Network") == 1
    assert "River clean-up at the weir" in page and "Our own walk" in page

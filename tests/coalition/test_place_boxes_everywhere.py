"""Every place box of the site is the one place control (issue #15): a select and a name box
the type-ahead enhances, on the action and event forms, every filter and the dashboard."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from convergence.models import DayStatus
from members.models import Group
from tests.factories import add_member, make_day, publish_statement

pytestmark = pytest.mark.django_db


class PlaceBoxes(HTMLParser):
    """The name boxes (``data-place-name``) of a page and the ids of its selects."""

    def __init__(self):
        super().__init__()
        self.boxes: list[dict] = []
        self.selects: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and "data-place-name" in attrs:
            self.boxes.append(attrs)
        if tag == "select" and attrs.get("id"):
            self.selects.add(attrs["id"])


def _place_boxes(client, url: str) -> PlaceBoxes:
    response = client.get(url)
    assert response.status_code == 200, url
    parsed = PlaceBoxes()
    parsed.feed(response.content.decode())
    return parsed


@pytest.fixture
def who(group, group_member, group_admin, steering_member, weaver, coordinator):
    Group.objects.filter(pk=group.pk).update(signed_version=publish_statement())
    add_member(group, coordinator, "admin")
    return {
        None: None, "member": group_member, "admin": group_admin,
        "steering": steering_member, "weaver": weaver, "coordinator": coordinator,
    }  # fmt: skip


PAGES = [
    (None, "/actions/"),
    (None, "/actions/map/"),
    (None, "/statement/"),
    (None, "/join/"),
    ("member", "/actions/new/"),
    ("member", "/actions/support/"),
    ("steering", "/dashboard/"),
    ("weaver", "/weave/"),
    ("weaver", "/weave/thin/"),
    ("weaver", "/meetings/"),
    ("weaver", "/weave/prospects/new/"),
    ("weaver", "/weave/outreach/new/"),
    ("coordinator", "/days/new/"),
    ("coordinator", "/days/{day}/coordinate/"),
    ("coordinator", "/days/{day}/register/"),
    ("coordinator", "/sources/new/"),
    ("steering", "/dashboard/reports/"),
    ("steering", "/dashboard/wins/new/"),
    ("steering", "/dashboard/signals/new/"),
]


@pytest.mark.parametrize(("person", "url"), PAGES)
def test_every_place_box_is_a_type_ahead_over_the_whole_tree(client, who, place, person, url):
    day = make_day(places=[place], status=DayStatus.OPEN)
    if who[person] is not None:
        client.force_login(who[person])

    page = _place_boxes(client, url.format(day=day.slug))

    assert page.boxes, f"{url} has no place box"
    for box in page.boxes:
        assert box["data-suggest-url"] == reverse("place_suggest"), url
        assert box["data-select-id"] in page.selects, url
        assert box["name"] == box["data-place-name"] + "_name", url


def test_a_days_search_by_place_name_is_a_type_ahead_that_fills_the_name(client, place):
    day = make_day(places=[place], status=DayStatus.OPEN)

    page = _place_boxes(client, f"/days/{day.slug}/")

    [box] = page.boxes
    assert box["name"] == "q"
    assert box["data-suggest-url"] == reverse("place_suggest")
    # No select to set: the chosen place's name goes in the box, searched as typed.
    assert "data-select-id" not in box

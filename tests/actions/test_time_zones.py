"""Each action has a time zone: its own, else its place's (or an enclosing place's), else the
coalition's; forms read and show times in it, pages tell the time with the zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from coalition.models import Coalition, Place, PlaceKind
from coalition.time_zones import place_time_zone
from members.models import Group
from tests.factories import add_member, make_action, make_place, publish_statement

pytestmark = pytest.mark.django_db

NEW = "/actions/new/"


@pytest.fixture
def coalition():
    return Coalition.objects.update_or_create(
        pk=1,
        defaults={"name": "Clean Air Coalition", "cause": "Clean air", "time_zone": "Asia/Tokyo"},
    )[0]


@pytest.fixture
def poster(make_person, group):
    Group.objects.filter(pk=group.pk).update(signed_version=publish_statement())
    person = make_person("poster@example.net", name="Pia Poster")
    add_member(group, person)
    return person


def _form(group, **changes) -> dict:
    day = (timezone.now() + timedelta(days=30)).date().isoformat()
    data = {
        "group": str(group.pk), "title": "Clean air picnic", "description": "", "kind": "event",
        "tactic": "", "place": str(group.place_id), "address": "", "latitude": "",
        "longitude": "", "starts_at": f"{day}T10:30", "ends_at": f"{day}T12:00",
        "time_zone": "", "visibility": "public", "capacity": "",
    }  # fmt: skip
    data.update(changes)
    return data


def _zone_of(place, name: str) -> None:
    Place.objects.filter(pk=place.pk).update(time_zone=name)
    place.refresh_from_db()


def test_a_place_without_a_zone_takes_the_nearest_enclosing_ones_then_the_coalitions(
    coalition, place
):
    district = make_place("Harbour district", PlaceKind.DISTRICT, parent=place)
    street = make_place("Quay street", PlaceKind.NEIGHBOURHOOD, parent=district)

    assert place_time_zone(street) == "Asia/Tokyo"
    _zone_of(place, "Europe/Lisbon")
    assert place_time_zone(street) == "Europe/Lisbon"
    _zone_of(district, "Atlantic/Azores")
    assert place_time_zone(street) == "Atlantic/Azores"
    _zone_of(street, "Europe/Madrid")
    assert place_time_zone(street) == "Europe/Madrid"


def test_without_a_coalition_the_installations_zone_counts(settings, place):
    settings.TIME_ZONE = "Europe/Oslo"

    assert place_time_zone(place) == "Europe/Oslo"


def test_a_posted_action_without_a_zone_takes_its_places_and_reads_times_there(
    client, coalition, group, poster
):
    _zone_of(group.place, "America/Montreal")
    client.force_login(poster)

    response = client.post(NEW, _form(group))

    assert response.status_code == 302
    action = Action.objects.get()
    assert action.time_zone == "America/Montreal"
    local = action.starts_at.astimezone(ZoneInfo("America/Montreal"))
    assert (local.hour, local.minute) == (10, 30)


def test_a_posted_action_without_a_zone_or_place_zone_takes_the_coalitions(
    client, coalition, group, poster
):
    client.force_login(poster)

    client.post(NEW, _form(group))

    action = Action.objects.get()
    assert action.time_zone == "Asia/Tokyo"
    assert action.starts_at.astimezone(ZoneInfo("Asia/Tokyo")).hour == 10


def test_a_chosen_zone_wins_over_the_places(client, coalition, group, poster):
    _zone_of(group.place, "America/Montreal")
    client.force_login(poster)

    client.post(NEW, _form(group, time_zone="Pacific/Auckland"))

    action = Action.objects.get()
    assert action.time_zone == "Pacific/Auckland"
    assert action.starts_at.astimezone(ZoneInfo("Pacific/Auckland")).hour == 10


def test_a_zone_that_does_not_exist_is_refused_with_an_example(client, coalition, group, poster):
    client.force_login(poster)

    response = client.post(NEW, _form(group, time_zone="Europe/Atlantis"))

    assert response.status_code == 400
    assert "is not a time zone; write it like Europe/Paris" in response.content.decode()
    assert not Action.objects.exists()


def test_the_edit_form_shows_times_in_the_actions_zone(client, group, poster):
    start = datetime(2031, 7, 1, 8, 0, tzinfo=ZoneInfo("UTC"))
    action = make_action(
        group, by=poster, starts_at=start, ends_at=start + timedelta(hours=1),
        time_zone="Europe/Paris",
    )  # fmt: skip
    client.force_login(poster)

    page = client.get(reverse("actions:edit", kwargs={"pk": action.pk})).content.decode()

    assert 'value="2031-07-01T10:00"' in page  # 08:00 UTC is 10:00 in Paris in July
    assert 'value="Europe/Paris"' in page
    assert '<datalist id="time-zones">' in page


def test_the_page_tells_the_local_time_with_its_zone_for_the_visitors_script(client, group):
    start = datetime(2031, 1, 15, 23, 30, tzinfo=ZoneInfo("UTC"))
    action = make_action(
        group, starts_at=start, ends_at=start + timedelta(hours=2), time_zone="America/Montreal"
    )

    page = client.get(reverse("actions:detail", kwargs={"pk": action.pk})).content.decode()

    # 23:30 UTC is 18:30 in Montreal, in winter (EST).
    assert 'data-zone="America/Montreal"' in page
    assert "18:30 EST" in page.replace("6:30 p.m. EST", "18:30 EST")
    assert 'datetime="2031-01-15T18:30:00-05:00"' in page
    assert "js/local-time.js" in page
    assert "<script>" not in page  # the CSP forbids inline scripts


def test_lists_tell_each_action_in_its_own_zone(client, group):
    start = datetime(2031, 1, 15, 12, 0, tzinfo=ZoneInfo("UTC"))
    make_action(group, title="In Tokyo", starts_at=start, ends_at=start, time_zone="Asia/Tokyo")

    page = client.get("/actions/").content.decode()

    assert 'datetime="2031-01-15T21:00:00+09:00" data-zone="Asia/Tokyo"' in page
    assert "JST" in page

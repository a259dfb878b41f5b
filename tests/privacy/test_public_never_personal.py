"""Personal fields never reach anonymous visitors: every public page, feed, map and API answer
is fetched with distinctive personal values in the database, and none of them appears."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.privacy.conftest import EMAIL, PHONE
from tests.test_every_page import routes

pytestmark = pytest.mark.django_db

NOTES = "Meeting notes 8841 about the landlord"
RSVP_EMAIL = "rsvp.only.5521@example.net"


@pytest.fixture
def world(rich_person, group, weaver):
    from actions.models import Participation
    from convergence.models import Event
    from members.models import RelationalMeeting
    from tests.factories import GroupFactory

    RelationalMeeting.objects.filter(person_a=rich_person).update(notes=NOTES)
    action = rich_person.memberships.first().group.actions.first()
    Participation.objects.create(action=action, name="Rsvp Only", email=RSVP_EMAIL)
    hidden = GroupFactory(name="Quiet Unlisted Collective", stage="aligned", listing_consent=False)
    from coalition.selectors import statement_current
    from members.services.signatures import signature_create

    signature_create(
        group=hidden, person=weaver, version=statement_current(), listing_consent=False
    )
    group.refresh_from_db()
    event = Event.objects.select_related("day").first()
    return {"group": group, "action": action, "event": event, "person": rich_person}


def sample_url(pattern: str, name: str, world: dict) -> str | None:
    values = {
        "token": "not-a-real-token",
        "number": "1",
        "event_id": world["event"].pk,
        "slug": world["event"].day.slug if name.startswith("convergence:") else world["group"].slug,
        "pk": world["action"].pk,
    }
    path = pattern
    for key, value in values.items():
        for converter in ("int", "slug", "str"):
            path = path.replace(f"<{converter}:{key}>", str(value))
    return None if "<" in path else "/" + path


def test_no_public_answer_holds_a_personal_field(client, world):
    personal = [EMAIL, PHONE, NOTES, RSVP_EMAIL, EMAIL.split("@")[0]]
    leaks, fetched = [], 0
    for pattern, name, _args in routes():
        url = sample_url(pattern, name, world)
        if url is None:
            continue
        extra = {"bbox": "-180,-90,180,90"} if "geojson" in url or "map" in url else {}
        response = client.get(url, extra)
        if response.status_code != 200 or response.streaming:
            continue
        fetched += 1
        body = response.content.decode(errors="replace")
        leaks += [f"{url}: {value}" for value in personal if value.lower() in body.lower()]
    assert fetched > 15
    assert leaks == []


@pytest.mark.parametrize(
    "url",
    ["/actions/feed.atom", "/actions/map/data.geojson?bbox=-180,-90,180,90", "/days/"],
)
def test_feeds_and_maps_carry_no_personal_field(client, world, url):
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    for value in (EMAIL, PHONE, NOTES, RSVP_EMAIL):
        assert value not in body


def test_the_public_list_shows_only_groups_that_agreed_to_be_listed(client, world):
    body = client.get(reverse("members:statement")).content.decode()
    assert world["group"].name in body
    assert "Quiet Unlisted Collective" not in body


def test_the_action_page_shows_counts_but_never_who_rsvped(client, world):
    body = client.get(reverse("actions:detail", args=[world["action"].pk])).content.decode()
    assert RSVP_EMAIL not in body and "Rsvp Only" not in body

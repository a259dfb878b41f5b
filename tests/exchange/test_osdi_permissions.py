"""Who reads which people, events and RSVPs through OSDI (coalition.permissions.can_read_people,
exchange.selectors)."""

from __future__ import annotations

import pytest

from actions.models import Participation
from exchange.models import Tag, Tagging
from tests.factories import GroupFactory, PersonFactory, add_member, make_action

pytestmark = pytest.mark.django_db

AEP = "/api/osdi/v1/"


def _emails(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {
        person["email_addresses"][0]["address"]
        for person in response.json()["_embedded"]["osdi:people"]
    }


@pytest.fixture
def stranger(place):
    """Someone of another group who never RSVPed to this group's actions."""
    person = PersonFactory(email="stranger@example.net", name="Sam Stranger")
    add_member(GroupFactory(name="Far Away Club", slug="far-away", place=place), person)
    return person


@pytest.fixture
def rsvper(group, group_admin):
    person = PersonFactory(email="rsvper@example.net", name="Ray Rsvp")
    Participation.objects.create(
        action=make_action(group, by=group_admin), name=person.name, email=person.email,
        person=person,
    )  # fmt: skip
    return person


@pytest.mark.parametrize("role", ["weaver", "steward"])
def test_weavers_and_stewards_read_everyone(osdi_get, request, role, stranger, group_member):
    person = request.getfixturevalue(role)

    emails = _emails(osdi_get(person, AEP + "people", per_page=100))

    assert {"stranger@example.net", "member@example.net", person.email} <= emails


def test_a_group_admin_reads_their_members_and_rsvps_only(
    osdi_get, group_admin, group_member, rsvper, stranger
):
    emails = _emails(osdi_get(group_admin, AEP + "people", per_page=100))

    assert emails == {"admin@example.net", "member@example.net", "rsvper@example.net"}
    assert osdi_get(group_admin, AEP + f"people/{stranger.pk}").status_code == 404


@pytest.mark.parametrize("role", ["group_member", "coordinator", "steering_member", "staff"])
def test_people_without_the_right_get_403_and_no_data(osdi_get, request, role, stranger):
    person = request.getfixturevalue(role)
    Tagging.objects.create(tag=Tag.objects.create(name="donor"), person=stranger)

    for path in ("people", f"people/{stranger.pk}", "tags", "taggings"):
        response = osdi_get(person, AEP + path)
        assert response.status_code == 403, path
        assert b"stranger" not in response.content and b"donor" not in response.content
        assert response.json()["error"]["code"] == "permission_denied"


def test_anonymous_people_get_401_from_people(osdi_get, stranger):
    response = osdi_get(None, AEP + "people")

    assert response.status_code == 401
    assert b"stranger" not in response.content


def test_taggings_show_only_people_the_reader_may_see(
    osdi_get, group_admin, group_member, stranger
):
    tag = Tag.objects.create(name="volunteer")
    Tagging.objects.create(tag=tag, person=group_member)
    Tagging.objects.create(tag=tag, person=stranger)

    body = osdi_get(group_admin, AEP + "taggings").json()

    hrefs = [t["_links"]["osdi:person"]["href"] for t in body["_embedded"]["osdi:taggings"]]
    assert body["total_records"] == 1 and hrefs[0].endswith(f"/people/{group_member.pk}")


def test_events_follow_the_pages_visibility(osdi_get, group, group_admin, group_member, outsider):
    public = make_action(group, by=group_admin, title="Open picnic")
    private = make_action(group, by=group_admin, title="Members meeting", visibility="group")
    make_action(group, by=group_admin, title="Letters", kind="letters")  # not an event

    def titles(user):
        body = osdi_get(user, AEP + "events").json()
        return {event["title"] for event in body["_embedded"]["osdi:events"]}

    assert titles(None) == {"Open picnic"}
    assert titles(outsider) == {"Open picnic"}
    assert titles(group_member) == {"Open picnic", "Members meeting"}
    assert osdi_get(None, AEP + f"events/{private.pk}").status_code == 404
    assert osdi_get(None, AEP + f"events/{public.pk}").status_code == 200


def test_day_of_action_events_are_events_whatever_their_kind(osdi_get, group, group_admin, place):
    from convergence.models import Event
    from tests.factories import make_day

    action = make_action(group, by=group_admin, title="Day letters", kind="letters")
    Event.objects.create(day=make_day(places=[place]), action=action, registered_by=group_admin)

    body = osdi_get(None, AEP + "events").json()

    assert [e["title"] for e in body["_embedded"]["osdi:events"]] == ["Day letters"]


def test_attendances_only_to_who_may_see_the_rsvps(
    osdi_get, group, group_admin, group_member, weaver, outsider
):
    action = make_action(group, by=group_admin)
    Participation.objects.create(action=action, name="Rita Rsvp", email="rita@example.net")
    url = AEP + f"events/{action.pk}/attendances"

    assert osdi_get(group_admin, url).json()["total_records"] == 1
    for person in (group_member, weaver, outsider):
        response = osdi_get(person, url)
        assert response.status_code == 403
        assert b"rita" not in response.content
        # The all-attendances list is open to them, and empty.
        everything = osdi_get(person, AEP + "attendances").json()
        assert everything["total_records"] == 0
    hidden = make_action(group, by=group_admin, visibility="group")
    assert osdi_get(outsider, AEP + f"events/{hidden.pk}/attendances").status_code == 404


def test_a_cohost_allowed_to_see_rsvps_reads_the_attendances(
    osdi_get, group, group_admin, outsider
):
    from actions.models import Amplification
    from members.models import Group

    action = make_action(group, by=group_admin)
    Participation.objects.create(action=action, name="Rita Rsvp", email="rita@example.net")
    cohost = Group.objects.get(slug="hillside-parents")
    Amplification.objects.create(action=action, group=cohost, kind="cohost", sees_rsvps=True)

    response = osdi_get(outsider, AEP + f"events/{action.pk}/attendances")

    assert response.status_code == 200 and response.json()["total_records"] == 1

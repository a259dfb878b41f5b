"""The host's page of a registered event: the toolkit, a checklist, a link to edit the event."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coalition.errors import RuleBroken
from convergence.models import DayStatus, Event
from convergence.services.events import CHECKLIST_KEYS, event_checklist_update
from convergence.services.toolkit import toolkit_item_add, toolkit_item_update
from tests.factories import make_action, make_day

pytestmark = pytest.mark.django_db

PEOPLE = [
    None,
    "outsider",
    "group_member",
    "group_admin",
    "weaver",
    "steering_member",
    "coordinator",
]
PDF = b"%PDF-1.7\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def day(place):
    return make_day(places=[place], status=DayStatus.OPEN)


def _event(day, group, by=None, **fields) -> Event:
    fields.setdefault("starts_at", day.starts_at + timedelta(hours=2))
    fields.setdefault("ends_at", fields["starts_at"] + timedelta(hours=2))
    return Event.objects.create(
        day=day, action=make_action(group, by=by, **fields), registered_by=by
    )


def _url(event) -> str:
    return reverse("convergence:event_host", args=[event.day.slug, event.pk])


def _login(client, request, person):
    if person:
        client.force_login(request.getfixturevalue(person))


def test_the_host_address(day, group):
    event = _event(day, group)

    assert _url(event) == f"/days/clean-air-day/events/{event.pk}/"


@pytest.mark.parametrize(
    ("person", "expected"),
    list(zip(PEOPLE, [302, 403, 403, 200, 403, 200, 200], strict=True)),
)
def test_who_sees_the_host_page_of_a_public_event(client, request, day, group, person, expected):
    event = _event(day, group)
    _login(client, request, person)

    response = client.get(_url(event))

    assert response.status_code == expected
    if person is None:
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(
    ("person", "expected"),
    list(zip(PEOPLE, [302, 404, 403, 200, 404, 200, 200], strict=True)),
)
def test_who_sees_the_host_page_of_a_group_only_event(
    client, request, day, group, person, expected
):
    event = _event(day, group, visibility="group")
    _login(client, request, person)

    assert client.get(_url(event)).status_code == expected


def test_the_member_who_registered_the_event_is_a_host(client, day, group, group_member):
    event = _event(day, group, by=group_member)
    client.force_login(group_member)

    page = client.get(_url(event)).content.decode()

    assert reverse("actions:edit", args=[event.action_id]) in page


def test_a_coordinator_sees_the_page_without_the_edit_link(client, coordinator, day, group):
    event = _event(day, group)
    client.force_login(coordinator)

    page = client.get(_url(event)).content.decode()

    assert "Your checklist" in page
    assert reverse("actions:edit", args=[event.action_id]) not in page


def test_an_event_of_another_day_is_not_found_under_this_one(
    client, group_admin, day, group, place
):
    other = make_day(places=[place], slug="another-day")
    event = _event(other, group)
    client.force_login(group_admin)

    response = client.get(reverse("convergence:event_host", args=[day.slug, event.pk]))

    assert response.status_code == 404


def test_the_host_sees_the_current_toolkit_with_links_to_files(
    client, coordinator, group_admin, day, group
):
    toolkit_item_add(
        day=day, kind="points", title="Talking points", text="Old point", by=coordinator
    )
    points = day.toolkit.get()
    toolkit_item_update(item=points, text="New point", by=coordinator)
    flyer = toolkit_item_add(
        day=day,
        kind="file",
        title="Flyer",
        file=SimpleUploadedFile("flyer.pdf", PDF),
        by=coordinator,
    )
    toolkit_item_add(
        day=day, kind="link", title="Figures", url="https://example.org/air", by=coordinator
    )
    event = _event(day, group)
    client.force_login(group_admin)

    page = client.get(_url(event)).content.decode()

    assert "New point" in page and "Old point" not in page
    assert "Version 2" in page
    assert reverse("convergence:toolkit_file", args=[day.slug, flyer.current.key]) in page
    assert 'href="https://example.org/air"' in page


def test_the_host_ticks_the_checklist(client, group_admin, day, group):
    event = _event(day, group)
    client.force_login(group_admin)

    response = client.post(_url(event), {"done": ["venue", "share"]}, follow=True)

    event.refresh_from_db()
    assert event.checklist == {
        "venue": True, "invite": False, "share": True, "talking_points": False, "report": False,
    }  # fmt: skip
    page = response.content.decode()
    assert "Your checklist is saved." in page
    assert 'value="venue" checked' in page and 'value="invite" checked' not in page


def test_unticking_everything_is_saved_too(client, group_admin, day, group):
    event = _event(day, group)
    Event.objects.filter(pk=event.pk).update(checklist={"venue": True})
    client.force_login(group_admin)

    client.post(_url(event), {})

    event.refresh_from_db()
    assert not any(event.checklist.values())


def test_an_unknown_checklist_item_is_refused(client, group_admin, day, group):
    event = _event(day, group)
    client.force_login(group_admin)

    response = client.post(_url(event), {"done": ["venue", "<script>"]})

    assert response.status_code == 400
    event.refresh_from_db()
    assert event.checklist == {}


@pytest.mark.parametrize("person", ["outsider", "group_member", "weaver"])
def test_people_who_are_not_hosts_cannot_tick(client, request, day, group, person):
    event = _event(day, group)
    _login(client, request, person)

    response = client.post(_url(event), {"done": ["venue"]})

    assert response.status_code == 403
    event.refresh_from_db()
    assert event.checklist == {}


def test_the_checklist_service_checks_who_and_what(group_admin, outsider, day, group):
    event = _event(day, group)

    with pytest.raises(RuleBroken):
        event_checklist_update(event=event, by=outsider, done=["venue"])
    with pytest.raises(RuleBroken):
        event_checklist_update(event=event, by=group_admin, done=["nonsense"])
    event_checklist_update(event=event, by=group_admin, done=list(CHECKLIST_KEYS))
    event.refresh_from_db()
    assert all(event.checklist.values())


# session, person, memberships, roles, the day, its places, the event, the
# toolkit with its current versions, the coalition
HOST_QUERIES = 9


@pytest.mark.parametrize("size", [3, 30])
def test_the_host_page_takes_a_fixed_number_of_queries(
    client, coordinator, group_admin, day, group, size, django_assert_num_queries
):
    for n in range(size):
        toolkit_item_add(day=day, kind="points", title=f"Point {n}", text="x", by=coordinator)
    event = _event(day, group)
    client.force_login(group_admin)

    with django_assert_num_queries(HOST_QUERIES):
        response = client.get(_url(event))

    assert response.content.decode().count("Point ") == size


def test_the_member_who_registered_cannot_tick_once_they_left(client, day, group, group_member):
    from members.models import Membership

    event = _event(day, group, by=group_member)
    Membership.objects.filter(group=group, person=group_member).delete()
    client.force_login(group_member)

    assert client.post(_url(event), {"done": ["venue"]}).status_code == 403
    event.refresh_from_db()
    assert event.checklist == {}

"""/actions/<id>/edit/: the host's admins and contacts (and the poster) edit and report outcomes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.models import Action, ActionStatus
from members.models import Group
from tests.factories import add_member, make_action

pytestmark = pytest.mark.django_db


def _url(action) -> str:
    return reverse("actions:edit", kwargs={"pk": action.pk})


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _form(action, **changes) -> dict:
    data = {
        "title": action.title,
        "description": action.description,
        "kind": action.kind,
        "tactic": "",
        "place": str(action.place_id),
        "address": action.address,
        "latitude": "",
        "longitude": "",
        "starts_at": _local(action.starts_at),
        "ends_at": _local(action.ends_at),
        "visibility": action.visibility,
        "capacity": "" if action.capacity is None else str(action.capacity),
        "status": action.status,
    }
    data.update(changes)
    return data


def test_the_edit_page_has_its_address(group):
    action = make_action(group)

    assert _url(action) == f"/actions/{action.pk}/edit/"


def test_anonymous_people_are_sent_to_log_in(client, group):
    action = make_action(group)

    response = client.get(_url(action))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(
    ("person", "status"),
    [
        ("outsider", 403),
        ("group_member", 403),
        ("group_admin", 200),
        ("weaver", 403),
        ("steering_member", 403),
    ],
)
def test_who_may_edit_a_public_action(client, request, group, person, status):
    action = make_action(group)
    client.force_login(request.getfixturevalue(person))

    assert client.get(_url(action)).status_code == status
    assert client.post(_url(action), _form(action, title="Changed")).status_code == (
        302 if status == 200 else status
    )
    action.refresh_from_db()
    assert (action.title == "Changed") is (status == 200)


@pytest.mark.parametrize(
    ("person", "status"),
    [
        ("outsider", 404),
        ("group_member", 403),
        ("group_admin", 200),
        ("weaver", 404),
        ("steering_member", 404),
    ],
)
def test_a_group_only_action_is_not_revealed_to_others(client, request, group, person, status):
    action = make_action(group, visibility="group")
    client.force_login(request.getfixturevalue(person))

    assert client.get(_url(action)).status_code == status


def test_the_person_who_posted_it_may_edit_it(client, group, group_member):
    action = make_action(group, by=group_member)
    client.force_login(group_member)

    response = client.post(_url(action), _form(action, title="Clean air picnic, second edition"))

    assert response.status_code == 302
    action.refresh_from_db()
    assert action.title == "Clean air picnic, second edition"


def test_a_contact_of_the_host_group_may_edit_it(client, group, make_person):
    contact = make_person("contact@example.net")
    add_member(group, contact, "contact")
    action = make_action(group)
    client.force_login(contact)

    assert client.get(_url(action)).status_code == 200


def test_the_host_group_edits_its_hidden_action_a_steward_may_not(
    client, group, group_admin, make_person
):
    action = make_action(group, hidden_at=timezone.now(), hidden_reason="Spam")
    steward = make_person("steward@example.net", roles=("steward",))

    client.force_login(group_admin)
    assert client.get(_url(action)).status_code == 200
    client.force_login(steward)
    assert client.get(_url(action)).status_code == 403


def test_outcomes_are_asked_for_once_it_has_started(client, group, group_admin):
    coming = make_action(group, days_ahead=3)
    past = make_action(group, days_ahead=-2)
    client.force_login(group_admin)

    assert 'name="participants"' not in client.get(_url(coming)).content.decode()
    assert 'name="participants"' in client.get(_url(past)).content.decode()


def test_reporting_outcomes_after_it_happened_marks_it_done(client, group, group_admin):
    action = make_action(group, days_ahead=-2)
    client.force_login(group_admin)

    response = client.post(
        _url(action),
        _form(
            action,
            participants="35",
            letters_sent="120",
            signatures_gathered="",
            media_pieces="2",
            story="The mayor came to listen.",
        ),
    )

    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.participants, action.letters_sent, action.media_pieces) == (35, 120, 2)
    assert action.signatures_gathered is None
    assert action.status == ActionStatus.DONE
    page = client.get(reverse("actions:detail", kwargs={"pk": action.pk})).content.decode()
    assert "The mayor came to listen." in page
    assert "120" in page


def test_capacity_cannot_go_below_the_people_already_coming(client, group, group_admin):
    action = make_action(group, capacity=50)
    Action.objects.filter(pk=action.pk).update(rsvp_count=30)
    action.refresh_from_db()
    client.force_login(group_admin)

    response = client.post(_url(action), _form(action, capacity="20"))

    assert response.status_code == 400
    assert "30 people have already said they are coming" in " ".join(
        response.context["form"].errors["capacity"]
    )
    action.refresh_from_db()
    assert action.capacity == 50


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_at": "2000-01-01T00:00"}, "ends_at"),
        ({"latitude": "91", "longitude": "0"}, "latitude"),
        ({"story": "x" * 4001}, None),
        ({"title": "x" * 5000}, "title"),
        ({"tactic": "424242"}, "tactic"),
        ({"status": "postponed"}, "status"),
        ({"participants": "-4"}, None),
    ],
)
def test_bad_edits_are_form_errors(client, group, group_admin, changes, field):
    action = make_action(group, days_ahead=-2)
    client.force_login(group_admin)

    response = client.post(_url(action), _form(action, **changes))

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors
    if field:
        assert field in errors
    action.refresh_from_db()
    assert action.title == "Air quality walk"


def test_an_unchanged_public_action_of_a_group_that_must_re_sign_can_still_be_edited(
    client, group, group_admin
):
    Group.objects.filter(pk=group.pk).update(needs_resign=True)
    action = make_action(group, days_ahead=-1)
    client.force_login(group_admin)

    response = client.post(_url(action), _form(action, participants="12"))

    assert response.status_code == 302
    action.refresh_from_db()
    assert action.participants == 12


def test_making_it_public_is_refused_while_the_group_must_re_sign(client, group, group_admin):
    Group.objects.filter(pk=group.pk).update(needs_resign=True)
    action = make_action(group, visibility="network")
    client.force_login(group_admin)

    response = client.post(_url(action), _form(action, visibility="public"))

    assert response.status_code == 400
    assert "visibility" in response.context["form"].errors


def test_times_are_shown_in_the_current_time_zone(client, settings, group, group_admin):
    settings.TIME_ZONE = "America/New_York"
    start = timezone.now().replace(microsecond=0, second=0) + timedelta(days=5)
    action = make_action(group, starts_at=start, ends_at=start + timedelta(hours=1))
    client.force_login(group_admin)

    body = client.get(_url(action)).content.decode()

    assert _local(start) in body
    assert "America/New_York" in body

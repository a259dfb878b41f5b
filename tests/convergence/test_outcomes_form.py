"""The outcomes form: a host reports what came of an event; a closed day recounts its totals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from actions.models import Action, ActionStatus
from convergence.models import DayOfAction, DayStatus, Event
from convergence.services.lifecycle import day_close
from tests.factories import add_member, make_action, make_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def day(place):
    return make_day(places=[place], status="live", days_ahead=-1, hours=72)


def ended_event(day, group, *, by=None, **fields) -> Event:
    end = timezone.now() - timedelta(hours=1)
    fields.setdefault("starts_at", end - timedelta(hours=2))
    fields.setdefault("ends_at", end)
    return Event.objects.create(day=day, action=make_action(group, by=by, **fields))


@pytest.fixture
def event(day, group):
    return ended_event(day, group, rsvp_count=6)


def url(event: Event) -> str:
    return f"/days/{event.day.slug}/events/{event.pk}/outcomes/"


GOOD = {
    "participants": "25",
    "letters_sent": "80",
    "signatures_gathered": "",
    "media_pieces": "1",
    "story": "A walk past the school gates, and a letter to the council.",
}


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("outsider", 403),
        ("group_member", 403),
        ("group_admin", 200),
        ("weaver", 403),
        ("steering_member", 403),
        ("coordinator", 403),
    ],
)
def test_only_hosts_open_the_form(client, request, event, who, status):
    client.force_login(request.getfixturevalue(who))

    assert client.get(url(event)).status_code == status
    assert client.post(url(event), GOOD).status_code == (302 if status == 200 else status)
    if status != 200:
        assert Action.objects.get(pk=event.action_id).participants is None


def test_anonymous_visitors_are_sent_to_log_in(client, event):
    response = client.get(url(event))

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert client.post(url(event), GOOD).status_code == 302
    assert Action.objects.get(pk=event.action_id).participants is None


def test_a_contact_and_the_person_who_registered_it_are_hosts(
    client, day, group, make_person, group_member
):
    contact = make_person("contact@example.net", name="Cora Contact")
    add_member(group, contact, "contact")
    event = ended_event(day, group, by=group_member)

    for person in (contact, group_member):
        client.force_login(person)
        assert client.get(url(event)).status_code == 200


def test_a_group_only_event_is_hidden_from_people_outside_the_group(
    client, day, group, outsider, group_member
):
    event = ended_event(day, group, visibility="group")

    client.force_login(outsider)
    assert client.get(url(event)).status_code == 404
    client.force_login(group_member)
    assert client.get(url(event)).status_code == 403


@pytest.mark.parametrize("address", ["wrong-day", "unknown"])
def test_an_event_under_another_address_is_not_found(client, event, group_admin, address):
    client.force_login(group_admin)
    if address == "wrong-day":
        path = f"/days/another-day/events/{event.pk}/outcomes/"
    else:
        path = f"/days/{event.day.slug}/events/999999/outcomes/"

    assert client.get(path).status_code == 404


def test_an_event_of_a_draft_day_is_not_found(client, event, group_admin):
    DayOfAction.objects.filter(pk=event.day_id).update(status=DayStatus.DRAFT)
    client.force_login(group_admin)

    assert client.get(url(event)).status_code == 404


def test_the_host_records_the_outcomes_and_the_action_is_done(client, event, group_admin):
    client.force_login(group_admin)

    page = client.get(url(event))
    assert "6 people said they were coming" in page.content.decode()
    response = client.post(url(event), GOOD, follow=True)

    action = Action.objects.get(pk=event.action_id)
    assert response.redirect_chain[0] == (f"/actions/{action.pk}/", 302)
    assert "the outcomes are recorded" in response.content.decode()
    assert action.status == ActionStatus.DONE
    assert (action.participants, action.letters_sent, action.signatures_gathered) == (25, 80, None)
    assert action.media_pieces == 1
    assert action.story.startswith("A walk past")


def test_reporting_zero_is_an_outcome(client, event, group_admin):
    client.force_login(group_admin)

    client.post(url(event), {"participants": "0"})

    action = Action.objects.get(pk=event.action_id)
    assert (action.status, action.participants) == (ActionStatus.DONE, 0)


def test_the_form_shows_what_was_reported_before(client, event, group_admin):
    Action.objects.filter(pk=event.action_id).update(letters_sent=44)
    client.force_login(group_admin)

    assert 'value="44"' in client.get(url(event)).content.decode()


def test_outcomes_cannot_be_reported_before_the_event_ends(client, day, group, group_admin):
    start = timezone.now() + timedelta(hours=3)
    event = Event.objects.create(
        day=day,
        action=make_action(group, starts_at=start, ends_at=start + timedelta(hours=1)),
    )
    client.force_login(group_admin)

    page = client.get(url(event))
    response = client.post(url(event), GOOD)

    assert page.status_code == 200
    assert response.status_code == 400
    assert "once it has ended" in response.content.decode()
    action = Action.objects.get(pk=event.action_id)
    assert (action.status, action.participants) == (ActionStatus.PLANNED, None)


def test_a_cancelled_event_has_no_outcomes(client, day, group, group_admin):
    event = ended_event(day, group, status="cancelled")
    client.force_login(group_admin)

    response = client.post(url(event), GOOD)

    assert response.status_code == 400
    assert "was cancelled" in response.content.decode()
    assert Action.objects.get(pk=event.action_id).participants is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("participants", "-3"),
        ("letters_sent", "many"),
        ("signatures_gathered", "1.5"),
        ("media_pieces", "9" * 30),
        ("participants", "100000001"),
        ("story", "x" * 4001),
        ("story", "y" * 1_000_000),
    ],
)
def test_bad_input_is_shown_again_with_an_error(client, event, group_admin, field, value):
    client.force_login(group_admin)

    response = client.post(url(event), {**GOOD, field: value})

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    action = Action.objects.get(pk=event.action_id)
    assert (action.status, action.participants, action.story) == (ActionStatus.PLANNED, None, "")


def test_an_empty_form_asks_for_at_least_one_outcome(client, event, group_admin):
    client.force_login(group_admin)

    response = client.post(url(event), {"story": "   "})

    assert response.status_code == 400
    assert "at least one of the outcomes" in response.content.decode()
    assert Action.objects.get(pk=event.action_id).status == ActionStatus.PLANNED


def test_a_late_report_recounts_a_closed_day(client, day, group, group_admin):
    event = ended_event(day, group, rsvp_count=6)
    day_close(day=day)
    day.refresh_from_db()
    assert day.total_participants == 6  # the RSVPs, until the host reports
    client.force_login(group_admin)

    client.post(url(event), GOOD)

    day.refresh_from_db()
    assert (day.total_participants, day.total_letters, day.total_media) == (25, 80, 1)


def test_a_report_on_a_live_day_waits_for_the_closing_to_be_counted(client, event, group_admin):
    client.force_login(group_admin)

    client.post(url(event), GOOD)

    day = DayOfAction.objects.get(pk=event.day_id)
    assert day.totals_at is None
    day_close(day=day)
    day.refresh_from_db()
    assert day.total_participants == 25


def test_a_reported_day_keeps_its_signed_off_totals(client, day, group, group_admin):
    event = ended_event(day, group, rsvp_count=6)
    day_close(day=day)
    DayOfAction.objects.filter(pk=day.pk).update(status=DayStatus.REPORTED)
    client.force_login(group_admin)

    page = client.get(url(event))
    client.post(url(event), GOOD)

    assert "stay as they were reported" in page.content.decode()
    day.refresh_from_db()
    assert day.total_participants == 6
    assert Action.objects.get(pk=event.action_id).participants == 25


def test_the_page_costs_the_same_queries_however_many_events_the_day_has(
    client, day, group, group_admin, django_assert_num_queries
):
    event = ended_event(day, group)
    client.force_login(group_admin)
    client.get(url(event))  # warm the session

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get(url(event)).status_code == 200
        return len(captured)

    few = count()
    for _ in range(40):
        ended_event(day, group)
    with django_assert_num_queries(few):
        assert client.get(url(event)).status_code == 200


def test_the_member_who_posted_the_event_loses_the_form_once_they_leave(
    client, day, group, make_person
):
    from members.models import Membership

    poster = make_person("poster@example.net", name="Pat Poster")
    add_member(group, poster)
    event = ended_event(day, group, by=poster)
    client.force_login(poster)
    assert client.get(url(event)).status_code == 200
    Membership.objects.filter(group=group, person=poster).delete()

    assert client.get(url(event)).status_code == 403
    assert client.post(url(event), GOOD).status_code == 403
    assert Action.objects.get(pk=event.action_id).participants is None

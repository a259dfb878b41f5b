"""The sources pages, and imported events on the action page: origin shown, RSVPs sent on,
no local edits; a fixed number of queries whatever the number of sources or events."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from actions.models import Action
from actions.services.posting import action_update
from coalition.errors import RuleBroken
from exchange.models import Source
from exchange.services.sources import source_create, source_sync
from tests.exchange.osdi_fixture import FixtureOsdi, an_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def remote(settings):
    settings.SOURCES_ALLOW_PRIVATE_NETWORKS = True
    server = FixtureOsdi().start()
    yield server
    server.stop()


@pytest.fixture
def source(remote, group, place):
    return source_create(
        by=None, name="Riverside AN", entry_point=remote.url, group=group, place=place
    )


def test_a_coordinator_adds_a_source_and_the_key_is_never_shown_again(
    client, coordinator, place, remote
):
    client.force_login(coordinator)

    response = client.post(
        reverse("exchange:source_new"),
        {
            "name": "Hillside coalition",
            "entry_point": remote.url,
            "api_key": "their-token-42",
            "place": place.pk,
            "is_federation": "on",
            "network_name": "Hillside Coalition",
        },
    )

    source = Source.objects.get()
    assert response.status_code == 302
    page = client.get(reverse("exchange:source", args=[source.pk])).content.decode()
    assert "their-token-42" not in page
    assert "saved (never shown)" in page


def test_a_group_admin_cannot_add_a_source_for_another_group(client, outsider, group, place):
    client.force_login(outsider)

    response = client.post(
        reverse("exchange:source_new"),
        {
            "name": "Not mine",
            "entry_point": "http://127.0.0.1:9/",
            "group": group.pk,
            "place": place.pk,
        },
    )

    assert response.status_code == 400
    assert not Source.objects.exists()


def test_the_sync_button_syncs_and_the_page_shows_the_last_error(
    client, group_admin, source, remote
):
    client.force_login(group_admin)

    client.post(reverse("exchange:source_sync", args=[source.pk]))
    assert Action.objects.filter(origin_system=source.origin_system).count() == 3

    remote.mode = "malformed"
    Source.objects.filter(pk=source.pk).update(watermark=None)
    client.post(reverse("exchange:source_sync", args=[source.pk]))
    page = client.get(reverse("exchange:source", args=[source.pk])).content.decode()
    assert "did not answer valid JSON" in page


def test_the_source_page_adds_imported_events_to_a_day_in_one_step(
    client, coordinator, source, remote, place
):
    from tests.factories import make_day

    day = make_day(places=[place])
    inside = (day.starts_at + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    remote.events = [an_event(n, start_date=inside, end_date=inside) for n in (1, 2, 3)]
    source_sync(source_id=source.pk)
    chosen = list(Action.objects.filter(origin_system=source.origin_system)[:2])
    client.force_login(coordinator)

    response = client.post(
        reverse("exchange:source_attach", args=[source.pk]),
        {"day": day.pk, "events": [a.pk for a in chosen]},
    )

    assert response.status_code == 302
    assert day.events.count() == 2


def test_an_imported_event_shows_its_origin_and_sends_rsvps_there(client, source, remote):
    remote.events = [an_event(1, start_date="2099-09-12T17:00:00Z", end_date="2099-09-12T19:00Z")]
    source_sync(source_id=source.pk)
    action = Action.objects.get(origin_system=source.origin_system)

    page = client.get(reverse("actions:detail", args=[action.pk])).content.decode()
    assert "From Riverside AN" in page
    assert "https://events.example.org/assembly-1" in page

    client.post(
        reverse("exchange:origin_rsvp", args=[action.pk]),
        {"given_name": "Rosa", "family_name": "Example", "email": "rosa@example.net"},
    )

    assert remote.rsvps[0]["person"]["email_addresses"][0]["address"] == "rosa@example.net"
    assert not action.participations.exists()


def test_imported_text_is_escaped_like_local_text(client, source, remote):
    remote.events = [
        an_event(1, title="<img src=x onerror=alert(1)>", start_date="2099-09-12T17:00:00Z")
    ]
    source_sync(source_id=source.pk)
    action = Action.objects.get(origin_system=source.origin_system)

    page = client.get(reverse("actions:detail", args=[action.pk])).content.decode()

    assert "<img src=x" not in page
    assert "&lt;img src=x" in page


def test_imported_actions_cannot_be_edited_here(source, remote, group_admin, client):
    source_sync(source_id=source.pk)
    action = Action.objects.filter(origin_system=source.origin_system).first()

    with pytest.raises(RuleBroken, match="re-import"):
        action_update(action=action, by=group_admin, title="Changed here")
    client.force_login(group_admin)
    page = client.get(reverse("actions:edit", args=[action.pk])).content.decode()
    assert "re-import to change" in page


def _sources(n, group, place):
    for number in range(n):
        source_create(
            by=None,
            name=f"Source {number}",
            entry_point=f"http://127.0.0.1:9/{number}/",
            group=group,
            place=place,
        )


@pytest.mark.parametrize("size", [2, 12])
def test_the_sources_list_takes_a_fixed_number_of_queries(
    client, coordinator, group, place, size, django_assert_max_num_queries
):
    _sources(size, group, place)
    client.force_login(coordinator)
    client.get(reverse("exchange:sources"))

    with django_assert_max_num_queries(12):
        response = client.get(reverse("exchange:sources"))

    assert response.content.decode().count("Source ") >= size


@pytest.mark.parametrize("size", [3, 9])
def test_the_source_page_takes_a_fixed_number_of_queries(
    client, coordinator, source, remote, size, django_assert_max_num_queries
):
    remote.events = [an_event(n) for n in range(1, size + 1)]
    source_sync(source_id=source.pk)
    client.force_login(coordinator)
    client.get(reverse("exchange:source", args=[source.pk]))

    with django_assert_max_num_queries(12):
        client.get(reverse("exchange:source", args=[source.pk]))


def test_only_the_steering_committee_counts_a_source_in_our_figures(coordinator, group, place):
    with pytest.raises(RuleBroken, match="steering committee"):
        source_create(
            by=coordinator, name="Mixed in", entry_point="https://an.example.org/api/v2/",
            group=group, place=place, counts_in_figures=True,
        )  # fmt: skip

    assert not Source.objects.exists()


def test_the_add_form_offers_counting_in_our_figures_to_the_steering_committee_only(
    client, coordinator, steering_member, place
):
    client.force_login(coordinator)
    assert "counts_in_figures" not in client.get(reverse("exchange:source_new")).content.decode()
    client.post(
        reverse("exchange:source_new"),
        {"name": "Quiet", "entry_point": "https://an.example.org/api/v2/", "place": place.pk,
         "counts_in_figures": "on"},
    )  # fmt: skip
    assert Source.objects.get().counts_in_figures is False

    client.force_login(steering_member)
    assert "counts_in_figures" in client.get(reverse("exchange:source_new")).content.decode()


def test_the_steering_committee_switches_a_source_into_our_figures_and_back(
    client, steering_member, coordinator, source, remote
):
    source_sync(source_id=source.pk)
    imported = Action.objects.filter(origin_system=source.origin_system)
    url = reverse("exchange:source_figures", args=[source.pk])

    client.force_login(coordinator)
    assert client.post(url, {"counted": "on"}).status_code == 403
    assert not imported.filter(origin_counted=True).exists()

    client.force_login(steering_member)
    assert client.post(url, {"counted": "on"}).status_code == 302
    source.refresh_from_db()
    assert source.counts_in_figures is True
    assert imported.filter(origin_counted=True).count() == 3
    # A second sync keeps the choice and changes nothing.
    assert source_sync(source_id=source.pk).updated == 0

    client.post(url, {"counted": "off"})
    assert not imported.filter(origin_counted=True).exists()


def test_without_an_attendance_helper_the_page_links_to_the_origin_to_rsvp(client, source, remote):
    event = an_event(1, start_date="2099-09-12T17:00:00Z", end_date="2099-09-12T19:00:00Z")
    event["_links"] = {"self": {"href": f"{remote.base}/api/v2/events/0001-fixture"}}
    remote.events = [event]
    remote.helpers = False
    source_sync(source_id=source.pk)
    action = Action.objects.get(origin_system=source.origin_system)

    page = client.get(reverse("actions:detail", args=[action.pk])).content.decode()

    assert action.origin_rsvp_url == ""
    assert 'href="https://events.example.org/assembly-1"' in page
    assert "RSVP at Riverside AN" in page
    assert (
        client.post(
            reverse("exchange:origin_rsvp", args=[action.pk]),
            {"given_name": "Rosa", "email": "rosa@example.net"},
        ).status_code
        == 404
    )
    assert remote.rsvps == []


def test_an_rsvp_for_the_origin_without_an_email_is_refused_with_a_message(client, source, remote):
    remote.events = [an_event(1, start_date="2099-09-12T17:00:00Z", end_date="2099-09-12T19:00Z")]
    source_sync(source_id=source.pk)
    action = Action.objects.get(origin_system=source.origin_system)

    response = client.post(
        reverse("exchange:origin_rsvp", args=[action.pk]), {"given_name": "Rosa", "email": "no"}
    )

    assert response.status_code == 400
    assert "valid email address" in response.content.decode()
    assert remote.rsvps == []


def test_an_imported_event_takes_no_rsvp_here(source, remote):
    from actions.services.participation import rsvp_refusal

    remote.events = [an_event(1, start_date="2099-09-12T17:00:00Z", end_date="2099-09-12T19:00Z")]
    source_sync(source_id=source.pk)
    action = Action.objects.get(origin_system=source.origin_system)

    assert "RSVP where it was posted" in rsvp_refusal(action=action)


def test_a_rule_set_on_the_source_page_adds_tagged_events_already_imported_to_the_day(
    client, coordinator, source, remote, place
):
    from tests.factories import make_day

    day = make_day(places=[place], slug="clean-air")
    inside = (day.starts_at + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    remote.events = [an_event(n, start_date=inside, end_date=inside) for n in (1, 2)]
    remote.events.append(an_event(3, start_date=inside, end_date=inside, tags=["housing"]))
    source_sync(source_id=source.pk)
    source_sync(source_id=source.pk)  # incremental: nothing new
    client.force_login(coordinator)

    response = client.post(reverse("exchange:source_rule", args=[source.pk]), {"rule-day": day.pk})

    assert response.status_code == 302
    source.refresh_from_db()
    assert (source.attach_day, source.attach_tag) == (day, "clean-air")
    assert sorted(day.events.values_list("action__title", flat=True)) == [
        "Neighbourhood assembly 1", "Neighbourhood assembly 2",
    ]  # fmt: skip
    page = client.get(reverse("exchange:source", args=[source.pk])).content.decode()
    assert "Now: events tagged clean-air" in page


def test_a_rule_for_a_day_that_is_not_open_is_refused_with_a_message(client, group_admin, source):
    client.force_login(group_admin)

    response = client.post(reverse("exchange:source_rule", args=[source.pk]), {"rule-day": 999999})

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    source.refresh_from_db()
    assert source.attach_day is None

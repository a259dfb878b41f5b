"""Syncing a source from the fixture OSDI server: idempotent changes, and every way a
remote server goes wrong recorded on the source without losing what we had."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from actions.models import Action
from exchange.models import Source
from exchange.osdi_client import Limits, OsdiClient, OsdiError, address_allowed
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
        by=None, name="Riverside on Action Network", entry_point=remote.url, api_key="an-key-123",
        group=group, place=place,
    )  # fmt: skip


def imported(source):
    return Action.objects.filter(origin_system=source.origin_system).order_by("origin_id")


def test_first_sync_creates_every_remote_event_across_pages(source, remote):
    result = source_sync(source_id=source.pk)

    assert (result.created, result.updated, result.cancelled, result.error) == (3, 0, 0, "")
    first = imported(source).first()
    assert first.title == "Neighbourhood assembly 1"
    assert first.origin_id == "action_network:0001-fixture"
    assert first.origin_url == "https://events.example.org/assembly-1"
    assert first.origin_rsvp_url.endswith("/api/v2/events/0001-fixture/attendances")
    assert first.origin_name == "Riverside on Action Network"
    assert first.host_group == source.group
    assert float(first.latitude) == 51.5
    # The sanitizer drops the script; what is left is plain text, escaped when shown.
    assert first.description == "Come along!"
    assert "events?page=2" in " ".join(remote.requests)
    assert remote.headers[0]["OSDI-API-Token"] == "an-key-123"


def test_a_second_sync_with_nothing_new_changes_nothing(source, remote):
    source_sync(source_id=source.pk)
    before = list(imported(source).values_list("pk", "updated_at"))

    result = source_sync(source_id=source.pk)

    assert (result.created, result.updated, result.cancelled) == (0, 0, 0)
    assert list(imported(source).values_list("pk", "updated_at")) == before
    # The second run asked only for what changed since the newest modified_date.
    assert "modified_date" in remote.requests[-1]


def test_a_changed_remote_event_updates_ours_and_a_cancelled_one_is_cancelled(source, remote):
    source_sync(source_id=source.pk)
    remote.events[0] = an_event(1, title="Assembly moved", modified_date="2026-03-05T10:00:00Z")
    remote.events[1] = an_event(2, status="cancelled", modified_date="2026-03-05T10:00:00Z")

    result = source_sync(source_id=source.pk)

    assert (result.created, result.updated, result.cancelled) == (0, 1, 1)
    rows = list(imported(source))
    assert rows[0].title == "Assembly moved"
    assert rows[1].status == "cancelled"


def test_a_remote_event_gone_is_cancelled_on_a_full_sync_never_deleted(source, remote):
    source_sync(source_id=source.pk)
    del remote.events[2]

    result = source_sync(source_id=source.pk, full=True)

    assert result.cancelled == 1
    assert imported(source).count() == 3
    assert imported(source).last().status == "cancelled"


def test_a_server_that_refuses_the_filter_is_read_whole(source, remote):
    source_sync(source_id=source.pk)
    remote.filter_supported = False

    result = source_sync(source_id=source.pk, full=False)

    assert result.error == ""
    source.refresh_from_db()
    assert source.filter_supported is False


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("down", "could not be read"),
        ("status", "answered 500"),
        ("malformed", "valid JSON"),
        ("wrong_types", "start_date"),
        ("huge", "too large"),
        ("loop", "loop"),
        ("elsewhere", "another host"),
        ("link_elsewhere", "another host"),
    ],
)
def test_each_failure_is_recorded_and_nothing_is_lost(source, remote, mode, words, settings):
    settings.SOURCES_MAX_PAGE_BYTES = 1_000_000
    source_sync(source_id=source.pk)
    remote.mode = mode

    result = source_sync(source_id=source.pk, full=True)

    assert words in result.error
    source.refresh_from_db()
    assert words in source.last_error
    assert source.failures == 1
    assert source.last_good_sync_at is not None
    assert imported(source).filter(status="planned").count() == 3
    assert source.sync_claimed_at is None


def test_a_slow_server_times_out_and_is_recorded(source, remote, settings):
    settings.SOURCES_READ_TIMEOUT = 1
    remote.mode = "slow"

    result = source_sync(source_id=source.pk)

    assert "in time" in result.error or "too long" in result.error
    assert not imported(source).exists()


def test_a_4xx_is_recorded(source, remote):
    remote.mode, remote.status = "status", 403

    assert "answered 403" in source_sync(source_id=source.pk).error


def test_the_page_budget_stops_a_run(source, remote, settings):
    settings.SOURCES_MAX_PAGES = 2

    result = source_sync(source_id=source.pk)

    assert "SOURCES_MAX_PAGES" in result.error
    assert not imported(source).exists()


def test_a_link_to_another_host_is_never_followed(source, remote):
    remote.mode = "link_elsewhere"  # page 1's next link names localhost, not 127.0.0.1

    result = source_sync(source_id=source.pk)

    assert "links to another host (localhost)" in result.error
    assert [h["Host"] for h in remote.headers if h["Host"].startswith("localhost")] == []
    assert not imported(source).exists()


def test_an_attendance_helper_on_another_host_gets_no_rsvp(source, remote):
    from exchange.services.sources import rsvp_forward

    remote.events = [an_event(1)]
    source_sync(source_id=source.pk)
    action = imported(source).get()
    Action.objects.filter(pk=action.pk).update(
        origin_rsvp_url=f"http://localhost:{remote.port}/api/v2/events/0001-fixture/attendances"
    )

    problem = rsvp_forward(
        action_id=action.pk, given_name="Rosa", family_name="", email="r@example.net"
    )

    assert "another host" in problem
    assert remote.rsvps == []


def test_the_byte_budget_of_a_run_stops_it(source, remote, settings):
    import json

    # The entry point and the first page fit; the second page does not.
    first_two = len(json.dumps(remote.entry_point())) + len(json.dumps(remote.events_page(1, {})))
    settings.SOURCES_MAX_BYTES = first_two + 50

    result = source_sync(source_id=source.pk)

    assert "SOURCES_MAX_BYTES" in result.error
    assert not imported(source).exists()


def test_only_events_with_the_sources_tag_are_taken(source, remote):
    remote.events = [an_event(1), an_event(2, tags=["housing"]), an_event(3, tags=[])]
    Source.objects.filter(pk=source.pk).update(tag="Clean-Air")

    result = source_sync(source_id=source.pk)

    assert result.created == 1
    assert list(imported(source).values_list("title", flat=True)) == ["Neighbourhood assembly 1"]


def test_only_events_inside_the_date_window_are_taken(source, remote):
    remote.events = [
        an_event(1, start_date="2026-09-01T10:00:00Z"),
        an_event(2, start_date="2026-09-15T10:00:00Z"),
        an_event(3, start_date="2026-10-02T10:00:00Z"),
    ]
    Source.objects.filter(pk=source.pk).update(
        window_start=dt.date(2026, 9, 10), window_end=dt.date(2026, 9, 30)
    )

    source_sync(source_id=source.pk)

    assert list(imported(source).values_list("title", flat=True)) == ["Neighbourhood assembly 2"]


def test_an_event_that_leaves_the_tag_is_cancelled_not_deleted(source, remote):
    Source.objects.filter(pk=source.pk).update(tag="clean-air")
    source_sync(source_id=source.pk)
    remote.events[0] = an_event(1, tags=["other"], modified_date="2026-03-05T10:00:00Z")

    result = source_sync(source_id=source.pk)

    assert result.cancelled == 1
    assert imported(source).count() == 3
    assert imported(source).first().status == "cancelled"


def test_failed_sources_wait_longer_before_the_next_scheduled_sync(source, settings):
    from django.utils import timezone

    from exchange.services.sources import sources_due

    settings.SOURCES_SYNC_MINUTES = 60
    two_hours_ago = timezone.now() - dt.timedelta(hours=2)
    Source.objects.filter(pk=source.pk).update(last_sync_at=two_hours_ago, failures=0)
    assert sources_due() == [source.pk]

    Source.objects.filter(pk=source.pk).update(failures=2)  # waits 4 hours now
    assert sources_due() == []

    Source.objects.filter(pk=source.pk).update(last_sync_at=two_hours_ago - dt.timedelta(hours=3))
    assert sources_due() == [source.pk]


def test_beat_queues_a_sync_of_each_due_source(source, remote, settings):
    from exchange.tasks import sources_due as beat_sources_due

    assert "exchange.tasks.sources_due" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }

    assert beat_sources_due() == [source.pk]

    source.refresh_from_db()
    assert source.last_good_sync_at is not None
    assert imported(source).count() == 3


def test_our_osdi_face_does_not_pass_on_imported_events(source, remote, osdi_get, group):
    from tests.factories import make_action

    make_action(group, title="Our own walk")
    source_sync(source_id=source.pk)

    response = osdi_get(None, "/api/osdi/v1/events")

    titles = [event["title"] for event in response.json()["_embedded"]["osdi:events"]]
    assert titles == ["Our own walk"]


def test_private_addresses_are_refused_unless_allowed(source, remote, settings):
    settings.SOURCES_ALLOW_PRIVATE_NETWORKS = False

    result = source_sync(source_id=source.pk)

    assert "private or local address" in result.error
    assert remote.requests == []  # nothing fetched from the forbidden address


REFUSED = [
    "127.0.0.1", "10.1.2.3", "192.168.0.1", "169.254.169.254", "::1", "224.0.0.1",
    "::ffff:127.0.0.1", "fe80::1", "0.0.0.0",  # noqa: S104 - an address checked, not bound
]  # fmt: skip


@pytest.mark.parametrize("address", REFUSED)
def test_address_check_refuses_private_loopback_link_local_and_multicast(address):
    assert address_allowed(address, allow_private=False) is False


def test_public_addresses_are_allowed():
    assert address_allowed("93.184.215.14", allow_private=False) is True


def test_only_http_and_https_are_fetched():
    limits = Limits(1, 1, 5, 10_000, 10_000, allow_private=True)
    with pytest.raises(OsdiError, match="not an http"):
        OsdiClient("file:///etc/passwd", limits=limits).get("file:///etc/passwd")


def test_the_key_is_stored_encrypted(source):
    stored = Source.objects.get(pk=source.pk).api_key_encrypted

    assert "an-key-123" not in stored
    assert stored


def test_the_tag_rule_attaches_events_to_the_day(source, remote, place):
    from tests.factories import make_day

    day = make_day(places=[place])
    inside = (day.starts_at + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    remote.events = [an_event(n, start_date=inside, end_date=inside) for n in (1, 2)]
    remote.events.append(an_event(3, tags=["other"]))
    Source.objects.filter(pk=source.pk).update(attach_day=day, attach_tag="clean-air")

    source_sync(source_id=source.pk)

    assert day.events.count() == 2


def test_the_command_adds_and_syncs_and_prints_one_line_per_source(remote, group, place):
    out = io.StringIO()
    call_command("osdi_sources", "add", remote.url, "--name", "Hillside AN",
                 "--group", group.slug, stdout=out)  # fmt: skip
    pk = int(out.getvalue().strip())

    out = io.StringIO()
    call_command("osdi_sources", "sync", str(pk), stdout=out)

    assert out.getvalue().strip() == "Hillside AN: created 3, updated 0, cancelled 0, unchanged 0"


def test_the_command_reports_an_error_with_a_non_zero_exit(source, remote):
    remote.mode = "malformed"
    out = io.StringIO()

    with pytest.raises(CommandError):
        call_command("osdi_sources", "sync", stdout=out)

    assert "Riverside on Action Network: error:" in out.getvalue()


def test_the_key_comes_from_an_environment_variable(remote, group, monkeypatch):
    monkeypatch.setenv("FIXTURE_OSDI_KEY", "secret-from-env")
    out = io.StringIO()

    call_command("osdi_sources", "add", remote.url, "--name", "Keyed", "--key-env",
                 "FIXTURE_OSDI_KEY", stdout=out)  # fmt: skip

    from exchange.keys import key_decrypt

    source = Source.objects.get(pk=int(out.getvalue()))
    assert key_decrypt(source.api_key_encrypted) == "secret-from-env"


def test_imported_events_are_counted_apart_from_our_own_figures(source, remote, group):
    from reporting.models import Rollup
    from reporting.rollups import rollups_refresh
    from tests.factories import make_action

    make_action(group, days_ahead=0)
    source_sync(source_id=source.pk)
    months = sorted({a.starts_at.date().replace(day=1) for a in Action.objects.all()})

    rollups_refresh(months=months)

    def total(metric):
        return sum(Rollup.objects.filter(metric=metric).values_list("value", flat=True))

    assert total("actions") == 1
    assert total("followed") == 3


def test_the_dashboard_shows_followed_events_on_their_own_line(
    client, source, remote, group, steering_member
):
    import re

    from reporting.rollups import rollups_refresh
    from tests.factories import make_action

    make_action(group, days_ahead=0)
    source_sync(source_id=source.pk)
    months = sorted({a.starts_at.date().replace(day=1) for a in Action.objects.all()})
    rollups_refresh(months=months)
    client.force_login(steering_member)

    response = client.get("/dashboard/", {"start": months[0].strftime("%Y-%m"),
                                          "end": months[-1].strftime("%Y-%m")})  # fmt: skip

    page = re.sub(r"\s+", " ", response.content.decode())
    assert "followed networks and sources (counted apart)</dt><dd>3</dd>" in page


def test_private_networks_are_refused_by_default_and_a_malformed_setting_fails_loudly():
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k != "SOURCES_ALLOW_PRIVATE_NETWORKS"}
    env["DJANGO_SETTINGS_MODULE"] = "coalition.settings"
    code = "from django.conf import settings; print(settings.SOURCES_ALLOW_PRIVATE_NETWORKS)"

    default = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True
    )
    env["SOURCES_ALLOW_PRIVATE_NETWORKS"] = "perhaps"
    malformed = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True
    )

    assert default.stdout.strip() == "False"
    assert malformed.returncode != 0
    assert "SOURCES_ALLOW_PRIVATE_NETWORKS" in malformed.stderr

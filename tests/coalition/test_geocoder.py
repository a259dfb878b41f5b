"""The optional geocoder: asked through the server at most once a second, with a User-Agent,
answers cached; tested against a fake Nominatim on 127.0.0.1, never the internet (issue #15)."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from coalition.geocoder import TURN_ID, GeocoderUnavailable, geocode
from coalition.models import GeocoderTurn
from members.models import Group
from tests.factories import publish_statement

pytestmark = pytest.mark.django_db


class FakeNominatim(BaseHTTPRequestHandler):
    hits: list[dict] = []

    def do_GET(self):
        query = parse_qs(urlsplit(self.path).query)
        FakeNominatim.hits.append(
            {"at": time.monotonic(), "q": query["q"][0], "agent": self.headers["User-Agent"]}
        )
        body = json.dumps(
            [
                {"display_name": "1 Quay Street, Port Maren", "lat": "47.2184", "lon": "-1.5536"},
                {"display_name": "Broken row", "lat": "north"},
            ]
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def nominatim(settings):
    FakeNominatim.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeNominatim)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.GEOCODER_URL = f"http://127.0.0.1:{server.server_port}/search"
    settings.SITE_URL = "https://coalition.example.org"
    cache.clear()
    yield FakeNominatim.hits
    server.shutdown()
    server.server_close()
    cache.clear()


def test_an_address_is_found_with_a_user_agent_naming_the_app_and_site(nominatim):
    found = geocode("1 Quay Street")

    assert found == [
        {"name": "1 Quay Street, Port Maren", "latitude": 47.2184, "longitude": -1.5536}
    ]
    assert nominatim[0]["agent"] == "Coalition/1.0 (+https://coalition.example.org)"


def test_the_same_address_is_answered_from_the_cache(nominatim):
    geocode("1 Quay Street")
    geocode("  1 QUAY   street ")

    assert len(nominatim) == 1


def test_two_lookups_are_at_least_a_second_apart(nominatim):
    geocode("1 Quay Street")
    geocode("2 Quay Street")

    assert len(nominatim) == 2
    assert nominatim[1]["at"] - nominatim[0]["at"] >= 0.95


def test_a_second_lookup_waits_even_when_the_cache_forgot_the_first(nominatim):
    geocode("1 Quay Street")
    cache.clear()  # as another process's cache would know nothing of it

    geocode("2 Quay Street")

    assert len(nominatim) == 2
    assert nominatim[1]["at"] - nominatim[0]["at"] >= 0.95


def test_the_pace_holds_across_processes_that_share_no_cache(nominatim, monkeypatch):
    # Another process of the site asked a moment ago: its turn is in the
    # database, not in this process's cache (local memory under make run).
    GeocoderTurn.objects.update_or_create(pk=TURN_ID, defaults={"asked_at": timezone.now()})
    cache.clear()
    monkeypatch.setattr("coalition.geocoder.MAX_WAIT_SECONDS", 0.1)

    with pytest.raises(GeocoderUnavailable):
        geocode("1 Quay Street")
    assert nominatim == []


def test_a_process_waits_for_the_turn_another_process_took(nominatim):
    started = time.monotonic()
    GeocoderTurn.objects.update_or_create(pk=TURN_ID, defaults={"asked_at": timezone.now()})
    cache.clear()

    geocode("1 Quay Street")

    assert len(nominatim) == 1
    assert nominatim[0]["at"] - started >= 0.95
    assert GeocoderTurn.objects.get(pk=TURN_ID).asked_at > timezone.now() - timedelta(seconds=1)


def test_a_lookup_that_would_wait_too_long_is_refused_unsent(nominatim, monkeypatch):
    monkeypatch.setattr("coalition.geocoder.MAX_WAIT_SECONDS", 0.1)
    geocode("1 Quay Street")

    with pytest.raises(GeocoderUnavailable):
        geocode("2 Quay Street")
    assert len(nominatim) == 1


def test_without_a_geocoder_url_nothing_is_asked(settings):
    settings.GEOCODER_URL = ""

    with pytest.raises(GeocoderUnavailable):
        geocode("1 Quay Street")


def test_the_form_endpoint_answers_people_logged_in(client, group_member, nominatim):
    client.force_login(group_member)

    response = client.get(reverse("place_geocode"), {"q": "1 Quay Street"})

    assert response.status_code == 200
    assert response.json()["results"][0]["latitude"] == 47.2184


def test_the_form_endpoint_refuses_anonymous_visitors(client, nominatim):
    response = client.get(reverse("place_geocode"), {"q": "1 Quay Street"})

    assert response.status_code == 403
    assert nominatim == []


def test_the_form_endpoint_is_off_without_a_geocoder(client, group_member, settings):
    settings.GEOCODER_URL = ""
    client.force_login(group_member)

    assert client.get(reverse("place_geocode"), {"q": "x"}).status_code == 404


def test_the_form_endpoint_asks_the_database_only_for_the_login_and_the_turn(
    client, group_member, nominatim, django_assert_max_num_queries
):
    client.force_login(group_member)
    # The session, the person, the turn's update and, the first time in the
    # site's life, its row made (a read, and an insert in a savepoint).
    with django_assert_max_num_queries(7):
        client.get(reverse("place_geocode"), {"q": "1 Quay Street"})
    with django_assert_max_num_queries(2):  # a cached answer takes no turn
        client.get(reverse("place_geocode"), {"q": "1 Quay Street"})


def test_the_forms_offer_the_lookup_only_when_a_geocoder_is_set(
    client, group, group_member, settings
):
    Group.objects.filter(pk=group.pk).update(signed_version=publish_statement())
    client.force_login(group_member)
    settings.GEOCODER_URL = ""
    assert "Find the address on the map" not in client.get("/actions/new/").content.decode()
    settings.GEOCODER_URL = "http://127.0.0.1:9/search"
    assert "Find the address on the map" in client.get("/actions/new/").content.decode()

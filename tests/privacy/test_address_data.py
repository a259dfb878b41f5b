"""People without an account: a link emailed to their address to download or erase its data."""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail, signing
from django.urls import reverse

from actions.models import Participation
from coalition.models import AuditEntry, AuditVerb
from privacy.services.data import ADDRESS_SALT, address_token
from tests.factories import GroupFactory, make_action, publish_privacy_policy

pytestmark = pytest.mark.django_db

REQUEST = reverse("privacy:data_request")
SAME_ANSWER = "If we hold data for this address, we have sent a link to it."
ADDRESS = "quill.rsvp.4410@example.net"


@pytest.fixture
def rsvps(place):
    policy = publish_privacy_policy()
    group = GroupFactory(place=place)
    first, second = make_action(group, title="Walk"), make_action(group, title="Ride", capacity=5)
    for action in (first, second):
        Participation.objects.create(
            action=action, name="Quinn Quillby", email=ADDRESS, privacy_policy=policy
        )
        action.rsvp_count = 1
        action.save(update_fields=["rsvp_count"])
    return first, second


def link_in(message) -> str:
    return re.search(r"https?://\S+/me/data/address/\S+/", message.body).group(0)


def test_a_known_and_an_unknown_address_get_the_same_answer(client, rsvps):
    known = client.post(REQUEST, {"email": ADDRESS.upper()})
    unknown = client.post(REQUEST, {"email": "nobody.here@example.net"})

    assert known.status_code == unknown.status_code == 200
    assert SAME_ANSWER in known.content.decode() and SAME_ANSWER in unknown.content.decode()
    assert [m.to for m in mail.outbox] == [[ADDRESS]]
    assert "/me/data/address/" in mail.outbox[0].body


def test_the_link_opens_the_data_downloads_it_and_erases_it(client, rsvps, settings):
    settings.SITE_URL = "http://testserver"
    client.post(REQUEST, {"email": ADDRESS})
    link = link_in(mail.outbox[0]).replace("http://testserver", "")

    page = client.get(link)
    assert page.status_code == 200 and "rsvps: 2" in page.content.decode()
    download = client.get(link, {"format": "json"})
    assert download["Content-Type"] == "application/json"
    assert [r["email"] for r in json.loads(download.content)["data"]["rsvps"]] == [ADDRESS] * 2
    assert client.get(link, {"format": "zip"})["Content-Type"] == "application/zip"

    erased = client.post(link, {"erase": "yes"})
    assert erased.status_code == 200
    assert not Participation.objects.filter(email__iexact=ADDRESS).exists()
    assert not Participation.objects.filter(name="Quinn Quillby").exists()
    assert sorted(a.rsvp_count for a in rsvps) == [1, 1]
    assert Participation.objects.count() == 2
    verbs = list(AuditEntry.objects.values_list("verb", flat=True).order_by("id"))
    assert verbs == [AuditVerb.EXPORT, AuditVerb.EXPORT, AuditVerb.ERASURE]
    assert ADDRESS not in json.dumps(list(AuditEntry.objects.values("subject", "detail")))


def test_erasing_needs_the_box_ticked(client, rsvps):
    response = client.post(reverse("privacy:address_data", args=[address_token(ADDRESS)]), {})
    assert response.status_code == 400
    assert "Tick the box" in response.content.decode()
    assert Participation.objects.filter(email=ADDRESS).count() == 2


@pytest.mark.parametrize(
    "token",
    [
        "not-a-real-token",
        signing.dumps({"email": ADDRESS}, salt="another-purpose"),
        signing.dumps({"nothing": 1}, salt=ADDRESS_SALT),
    ],
)
def test_a_forged_or_foreign_link_is_a_400_and_shows_nothing(client, rsvps, token):
    response = client.get(reverse("privacy:address_data", args=[token]))
    assert response.status_code == 400
    assert ADDRESS not in response.content.decode()
    assert (
        client.post(reverse("privacy:address_data", args=[token]), {"erase": "yes"}).status_code
        == 400
    )
    assert Participation.objects.filter(email=ADDRESS).count() == 2


def test_an_expired_link_says_so(client, rsvps, monkeypatch):
    token = address_token(ADDRESS)
    monkeypatch.setattr("privacy.services.data.ADDRESS_LINK_SECONDS", -1)
    response = client.get(reverse("privacy:address_data", args=[token]))
    assert response.status_code == 400
    assert "expired" in response.content.decode()


def test_an_unknown_format_is_a_400(client, rsvps):
    url = reverse("privacy:address_data", args=[address_token(ADDRESS)])
    assert client.get(url, {"format": "xml"}).status_code == 400


def test_a_bad_address_is_a_400_with_the_reason(client):
    response = client.post(REQUEST, {"email": "not an address"})
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()


def test_the_form_is_rate_limited_with_a_clear_429(client, rsvps):
    for _n in range(5):
        assert client.post(REQUEST, {"email": f"x{_n}@example.net"}).status_code == 200
    response = client.post(REQUEST, {"email": ADDRESS})
    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()
    assert mail.outbox == []


def test_one_address_gets_one_email_per_quarter_hour(client, rsvps):
    client.post(REQUEST, {"email": ADDRESS})
    client.post(REQUEST, {"email": ADDRESS})
    assert len(mail.outbox) == 1


def test_the_form_page_uses_one_query(client, django_assert_num_queries):
    with django_assert_num_queries(1):  # the coalition's name, in the layout
        assert client.get(REQUEST).status_code == 200


def test_an_empty_request_once_rate_limited_is_still_a_clear_429(client):
    for _n in range(5):
        client.post(REQUEST, {"email": f"y{_n}@example.net"})
    response = client.post(REQUEST, {})
    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()

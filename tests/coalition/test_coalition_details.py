"""/network/coalition/: stewards change what setup asked first, without the Django admin."""

from __future__ import annotations

import pytest

from coalition.models import AuditEntry, AuditVerb, Coalition

pytestmark = pytest.mark.django_db

DETAILS = {
    "name": "Clean Rivers Network",
    "cause": "Rivers clean enough to swim in.",
    "language": "en",
    "time_zone": "Europe/Paris",
}


@pytest.fixture
def coalition():
    return Coalition.objects.create(**DETAILS, set_up_at="2026-01-01T00:00:00Z")


def test_a_steward_sees_the_details_and_changes_them_and_the_log_says_which(
    client, steward, coalition
):
    client.force_login(steward)
    page = client.get("/network/coalition/").content.decode()
    assert 'value="Clean Rivers Network"' in page

    response = client.post(
        "/network/coalition/", {**DETAILS, "name": "Rivers Alive", "language": "fr"}
    )

    assert response.status_code == 302
    coalition.refresh_from_db()
    assert (coalition.name, coalition.language) == ("Rivers Alive", "fr")
    entry = AuditEntry.objects.get(verb=AuditVerb.COALITION_CHANGED)
    assert entry.actor == steward
    assert entry.detail["fields"] == ["language", "name"]


def test_saving_without_a_change_writes_nothing_to_the_log(client, steward, coalition):
    client.force_login(steward)

    client.post("/network/coalition/", DETAILS)

    assert not AuditEntry.objects.filter(verb=AuditVerb.COALITION_CHANGED).exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("time_zone", "Mars/Olympus", "is not a time zone"),
        ("name", "", "This field is required"),
        ("language", "tlh", "Select a valid choice"),
    ],
)
def test_bad_details_are_refused_with_a_400_and_change_nothing(
    client, steward, coalition, field, value, message
):
    client.force_login(steward)

    response = client.post("/network/coalition/", {**DETAILS, field: value, "cause": "Changed"})

    assert response.status_code == 400
    assert message in response.content.decode()
    coalition.refresh_from_db()
    assert coalition.cause == DETAILS["cause"]


@pytest.mark.parametrize("who", ["weaver", "steering_member", "outsider"])
def test_nobody_but_a_steward_opens_or_changes_them(client, request, coalition, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get("/network/coalition/").status_code == 403
    assert client.post("/network/coalition/", {**DETAILS, "name": "Taken"}).status_code == 403
    coalition.refresh_from_db()
    assert coalition.name == DETAILS["name"]


def test_anonymous_visitors_are_sent_to_log_in(client, coalition):
    response = client.post("/network/coalition/", {**DETAILS, "name": "Taken"})

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    coalition.refresh_from_db()
    assert coalition.name == DETAILS["name"]


def test_the_network_menu_leads_stewards_there(client, steward, coalition):
    client.force_login(steward)

    assert 'href="/network/coalition/"' in client.get("/network/people/").content.decode()

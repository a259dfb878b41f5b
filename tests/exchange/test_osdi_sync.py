"""What a syncing tool relies on: real email statuses, a modified_date that moves with every
change, OSDI's own token header, the modified_date filter, and JSON errors everywhere."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from members.models import Suppression, User
from tests.factories import PersonFactory, make_action

pytestmark = pytest.mark.django_db

PEOPLE = "/api/osdi/v1/people"
EVENTS = "/api/osdi/v1/events"


def _statuses(osdi_get, reader) -> dict[str, str]:
    body = osdi_get(reader, PEOPLE).json()
    return {
        person["email_addresses"][0]["address"]: person["email_addresses"][0]["status"]
        for person in body["_embedded"]["osdi:people"]
    }


def test_people_carry_their_real_email_status(osdi_get, weaver):
    PersonFactory(email="gone@example.net")
    PersonFactory(email="bounce@example.net")
    PersonFactory(email="here@example.net")
    Suppression.objects.create(email="Gone@Example.net", reason="unsubscribed")
    Suppression.objects.create(email="bounce@example.net", reason="bounced")

    statuses = _statuses(osdi_get, weaver)

    assert statuses["gone@example.net"] == "unsubscribed"
    assert statuses["bounce@example.net"] == "bouncing"
    assert statuses["here@example.net"] == "subscribed"


def test_one_person_carries_the_email_status_too(osdi_get, weaver):
    person = PersonFactory(email="gone@example.net")
    Suppression.objects.create(email="gone@example.net", reason="complained")

    body = osdi_get(weaver, f"{PEOPLE}/{person.pk}").json()

    assert body["email_addresses"][0]["status"] == "unsubscribed"


@pytest.mark.parametrize(("field", "value"), [("name", "Ines Renamed"), ("phone", "+33 1 23")])
def test_modified_date_moves_when_a_name_or_phone_changes(osdi_get, weaver, field, value):
    person = PersonFactory(email="kim@example.net", name="Kim Known")
    User.objects.filter(pk=person.pk).update(
        date_joined=timezone.now() - datetime.timedelta(days=30),
        updated_at=timezone.now() - datetime.timedelta(days=30),
    )
    person.refresh_from_db()
    before = osdi_get(weaver, f"{PEOPLE}/{person.pk}").json()["modified_date"]

    setattr(person, field, value)
    person.save(update_fields=[field])

    after = osdi_get(weaver, f"{PEOPLE}/{person.pk}").json()["modified_date"]
    assert after > before


def _a_month_old(person) -> None:
    long_ago = timezone.now() - datetime.timedelta(days=30)
    User.objects.filter(pk=person.pk).update(date_joined=long_ago, updated_at=long_ago)


def _changed_since(osdi_get, reader, moment) -> set[str]:
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    response = osdi_get(reader, PEOPLE, filter=f"modified_date gt '{stamp}'")
    assert response.status_code == 200, response.content
    return {p["email_addresses"][0]["address"] for p in response.json()["_embedded"]["osdi:people"]}


@pytest.mark.parametrize("reason", ["unsubscribed", "bounced", "complained"])
def test_an_unsubscribe_or_bounce_moves_modified_date_so_a_sync_sees_it(osdi_get, weaver, reason):
    person = PersonFactory(email="leaving@example.net")
    _a_month_old(person)
    _a_month_old(weaver)
    week_ago = timezone.now() - datetime.timedelta(days=7)
    assert _changed_since(osdi_get, weaver, week_ago) == set()

    Suppression.objects.create(email="Leaving@example.net", reason=reason)

    assert _changed_since(osdi_get, weaver, week_ago) == {"leaving@example.net"}
    document = osdi_get(weaver, f"{PEOPLE}/{person.pk}").json()
    assert document["modified_date"] > week_ago.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert document["email_addresses"][0]["status"] != "subscribed"


def test_a_new_tag_moves_modified_date_so_a_sync_sees_it(osdi_get, weaver):
    from exchange.services.tags import person_tags_add, tags_get_or_create

    person = PersonFactory(email="tagged@example.net")
    _a_month_old(person)
    _a_month_old(weaver)
    week_ago = timezone.now() - datetime.timedelta(days=7)
    before = osdi_get(weaver, f"{PEOPLE}/{person.pk}").json()["modified_date"]

    person_tags_add(person=person, tags=tags_get_or_create(names=["volunteer"]))

    assert _changed_since(osdi_get, weaver, week_ago) == {"tagged@example.net"}
    after = osdi_get(weaver, f"{PEOPLE}/{person.pk}").json()
    assert after["modified_date"] > before
    assert after["custom_fields"]["tags"] == ["volunteer"]


def test_a_record_changed_later_is_not_before_a_moment(osdi_get, weaver):
    person = PersonFactory(email="later@example.net")
    _a_month_old(person)
    _a_month_old(weaver)
    Suppression.objects.create(email="later@example.net", reason="unsubscribed")
    week_ago = (timezone.now() - datetime.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")

    response = osdi_get(weaver, PEOPLE, filter=f"modified_date lt '{week_ago}'")

    emails = {
        p["email_addresses"][0]["address"] for p in response.json()["_embedded"]["osdi:people"]
    }
    assert emails == {"weaver@example.net"}


def test_a_login_does_not_count_as_a_change_of_the_record(weaver):
    stamp = timezone.now() - datetime.timedelta(days=3)
    User.objects.filter(pk=weaver.pk).update(updated_at=stamp)
    weaver.refresh_from_db()

    weaver.last_login = timezone.now()
    weaver.save(update_fields=["last_login"])

    weaver.refresh_from_db()
    assert weaver.updated_at == stamp


def test_the_osdi_api_token_header_authenticates(client, weaver):
    from api.services.tokens import token_create

    _token, key = token_create(person=weaver, name="sync")

    response = client.get(PEOPLE, HTTP_OSDI_API_TOKEN=key)
    wrong = client.get(PEOPLE, HTTP_OSDI_API_TOKEN="not-a-key")

    assert response.status_code == 200
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "authentication_failed"


def test_people_filter_on_modified_date(osdi_get, weaver):
    old = PersonFactory(email="old@example.net")
    long_ago = timezone.now() - datetime.timedelta(days=30)
    User.objects.filter(pk__in=[old.pk, weaver.pk]).update(
        date_joined=long_ago, updated_at=long_ago
    )
    PersonFactory(email="new@example.net")
    week_ago = (timezone.now() - datetime.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def emails(expression: str) -> set[str]:
        response = osdi_get(weaver, PEOPLE, filter=expression)
        assert response.status_code == 200, response.content
        return {
            p["email_addresses"][0]["address"] for p in response.json()["_embedded"]["osdi:people"]
        }

    assert emails(f"modified_date gt '{week_ago}'") == {"new@example.net"}
    assert emails(f"modified_date lt '{week_ago}'") == {"old@example.net", "weaver@example.net"}
    assert emails(f"modified_date gt '{week_ago}' and modified_date lt '2999-01-01'") == {
        "new@example.net"
    }


def test_events_filter_on_modified_date(osdi_get, group):
    from actions.models import Action

    old = make_action(group, title="Old walk")
    Action.objects.filter(pk=old.pk).update(updated_at=timezone.now() - datetime.timedelta(days=9))
    make_action(group, title="New walk")

    response = osdi_get(None, EVENTS, filter="modified_date gt '" + str(
        (timezone.now() - datetime.timedelta(days=1)).date()
    ) + "'")  # fmt: skip

    assert response.status_code == 200
    assert [e["title"] for e in response.json()["_embedded"]["osdi:events"]] == ["New walk"]


@pytest.mark.parametrize(
    "expression",
    [
        "email eq 'a@example.net'",
        "modified_date eq '2026-01-01'",
        "modified_date gt 'yesterday'",
        "modified_date gt '9999-12-31'",
        "modified_date gt '2026-01-01' or modified_date lt '2026-02-01'",
        "modified_date gt '2026-01-01' and modified_date gt '2026-02-01'",
    ],
)
@pytest.mark.parametrize("url", [PEOPLE, EVENTS])
def test_any_other_filter_answers_400_with_a_message(osdi_get, weaver, url, expression):
    response = osdi_get(weaver, url, filter=expression)

    assert response.status_code == 400
    error = response.json()["error"]
    assert "modified_date" in error["fields"]["filter"][0]


@pytest.mark.parametrize(
    "url", ["/api/osdi/v1/nothing", "/api/osdi/v1/people/abc", "/api/osdi/v2/", "/api/osdi/"]
)
def test_unknown_osdi_addresses_answer_a_json_404(client, url):
    response = client.get(url)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_found"

"""Privacy policy versions, consent recorded at sign-up, joining and RSVP, and asked again."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coalition.models import AuditEntry, AuditVerb, PrivacyPolicy
from privacy.models import ConsentHow, ConsentRecord, PolicyNotes
from privacy.services.policies import policy_draft_create, policy_publish
from tests.factories import (
    PASSWORD,
    GroupFactory,
    make_action,
    publish_privacy_policy,
    publish_statement,
)

pytestmark = pytest.mark.django_db

VERSIONS = reverse("privacy:policy_versions")


def new_version(by=None, changes="We now keep RSVPs for a year.") -> PrivacyPolicy:
    draft = policy_draft_create(text="Version two of the policy.", changes=changes, by=by)
    return policy_publish(policy=draft, by=by)


# --- Versions ---------------------------------------------------------------


@pytest.mark.parametrize("who", ["steward", "steering_member"])
def test_stewards_and_steering_draft_and_publish_a_version(client, request, who):
    person = request.getfixturevalue(who)
    client.force_login(person)
    publish_privacy_policy()

    response = client.post(VERSIONS, {"text": "New text.", "changes": "Shorter retention."})
    assert response.status_code == 302
    draft = PrivacyPolicy.objects.get(number=2)
    assert draft.published_at is None
    assert PolicyNotes.objects.get(policy=draft).changes == "Shorter retention."

    client.post(reverse("privacy:policy_version_publish", args=[2]))
    draft.refresh_from_db()
    assert draft.published_at is not None
    entry = AuditEntry.objects.get(verb=AuditVerb.POLICY_PUBLISHED)
    assert entry.actor == person
    assert entry.subject == "privacy policy v2"


@pytest.mark.parametrize("who", ["anonymous", "outsider", "group_admin", "weaver", "coordinator"])
def test_others_cannot_draft_or_publish(client, request, who):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    policy_draft_create(text="A draft.")
    get = client.get(VERSIONS)
    post = client.post(reverse("privacy:policy_version_publish", args=[1]))

    assert get.status_code == (302 if who == "anonymous" else 403)
    assert post.status_code == (302 if who == "anonymous" else 403)
    assert PrivacyPolicy.objects.get(number=1).published_at is None
    assert b"A draft." not in get.content


def test_an_empty_draft_is_a_400_naming_the_field(client, steward):
    client.force_login(steward)
    response = client.post(VERSIONS, {"text": "   "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not PrivacyPolicy.objects.exists()


def test_publishing_twice_is_refused_with_a_message(client, steward):
    client.force_login(steward)
    publish_privacy_policy()
    response = client.post(reverse("privacy:policy_version_publish", args=[1]), follow=True)
    assert "already published" in response.content.decode()
    assert not AuditEntry.objects.filter(verb=AuditVerb.POLICY_PUBLISHED).exists()


def test_an_unknown_version_is_404(client, steward):
    client.force_login(steward)
    assert client.post(reverse("privacy:policy_version_publish", args=[99])).status_code == 404


# --- Consent recorded -------------------------------------------------------


def test_signing_up_asks_for_and_records_consent_to_the_current_policy(client):
    policy = publish_privacy_policy()
    form = {"email": "new.person@example.net", "password1": PASSWORD, "password2": PASSWORD}

    refused = client.post(reverse("account_signup"), form)
    assert refused.status_code == 200
    assert "To sign up, agree to the privacy policy." in refused.content.decode()

    client.post(reverse("account_signup"), {**form, "agree_privacy": "on"})
    record = ConsentRecord.objects.get(person__email="new.person@example.net")
    assert (record.policy, record.how) == (policy, ConsentHow.SIGNUP)


def test_without_a_policy_signing_up_asks_nothing(client):
    form = {"email": "new.person@example.net", "password1": PASSWORD, "password2": PASSWORD}
    client.post(reverse("account_signup"), form)
    assert not ConsentRecord.objects.exists()


def test_joining_records_consent(client, place):
    publish_statement()
    policy = publish_privacy_policy()
    client.post(
        reverse("members:join"),
        {
            "name": "Canal Walkers",
            "kind": "community",
            "place": place.pk,
            "contact_name": "Jo Joiner",
            "contact_email": "jo.joiner@example.net",
            "password": PASSWORD,
            "agree_statement": "on",
            "agree_principles": "on",
            "agree_privacy": "on",
        },
    )
    record = ConsentRecord.objects.get(person__email="jo.joiner@example.net")
    assert (record.policy, record.how) == (policy, ConsentHow.JOIN)


def test_an_rsvp_records_consent_tied_to_it(client, group):
    policy = publish_privacy_policy()
    action = make_action(group)
    client.post(
        reverse("actions:rsvp", args=[action.pk]),
        {"name": "Ria Rsvp", "email": "ria@example.net", "consent": "on"},
    )
    record = ConsentRecord.objects.get(participation__email="ria@example.net")
    assert (record.policy, record.how, record.person) == (policy, ConsentHow.RSVP, None)


# --- Asked again ------------------------------------------------------------


def test_a_new_version_sends_people_to_the_consent_page_and_back(client, group_member, steward):
    publish_privacy_policy()
    client.force_login(group_member)
    assert client.get("/me/groups/").status_code == 200

    new_version(by=steward)
    response = client.get("/me/groups/?x=1")
    assert response.status_code == 302
    assert response["Location"] == reverse("privacy:consent") + "?next=%2Fme%2Fgroups%2F%3Fx%3D1"

    page = client.get(response["Location"])
    text = page.content.decode()
    assert "We now keep RSVPs for a year." in text and "Version two of the policy." in text
    assert reverse("privacy:my_data") in text

    agreed = client.post(reverse("privacy:consent"), {"agree": "yes", "next": "/me/groups/?x=1"})
    assert agreed["Location"] == "/me/groups/?x=1"
    assert ConsentRecord.objects.filter(
        person=group_member, policy__number=2, how=ConsentHow.RECONSENT
    ).exists()
    assert client.get("/me/groups/").status_code == 200


def test_a_person_who_never_agreed_is_asked_too(client, make_person):
    person = make_person("late@example.net")  # before any policy: no consent on record
    client.force_login(person)
    new_version()
    assert client.get("/me/groups/").status_code == 302


@pytest.mark.parametrize(
    "path",
    ["/privacy/", "/me/data/", "/api/v1/", "/static/css/coalition.css", "/healthz"],
)
def test_the_privacy_pages_data_api_and_files_are_never_redirected(client, group_member, path):
    publish_privacy_policy()
    client.force_login(group_member)
    new_version()
    response = client.get(path)
    assert not (
        response.status_code == 302 and reverse("privacy:consent") in response.get("Location", "")
    )


def test_logging_out_and_posting_are_not_redirected(client, group_member):
    publish_privacy_policy()
    client.force_login(group_member)
    new_version()
    assert client.post(reverse("account_logout"))["Location"] != reverse("privacy:consent")


def test_anonymous_visitors_are_never_asked(client):
    publish_privacy_policy()
    new_version()
    assert client.get("/me/groups/").status_code == 302
    assert client.get("/").status_code == 200


def test_without_a_policy_nobody_is_asked(client, group_member):
    client.force_login(group_member)
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("target", ["https://evil.example.com/", "//evil.example.com/x"])
def test_agreeing_never_sends_people_off_the_site(client, group_member, target):
    publish_privacy_policy()
    client.force_login(group_member)
    new_version()
    response = client.post(reverse("privacy:consent"), {"agree": "yes", "next": target})
    assert response["Location"] == "/"


def test_posting_without_agreeing_is_a_400_with_a_message(client, group_member):
    publish_privacy_policy()
    client.force_login(group_member)
    new_version()
    response = client.post(reverse("privacy:consent"), {"junk": "²"})
    assert response.status_code == 400
    assert "Agree to the policy" in response.content.decode()
    assert not ConsentRecord.objects.filter(person=group_member, policy__number=2).exists()


def test_the_consent_page_needs_a_login(client):
    assert client.get(reverse("privacy:consent")).status_code == 302


def test_the_check_costs_no_query_on_an_ordinary_page(
    client, group_member, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    publish_privacy_policy()
    client.force_login(group_member)
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    assert not [q for q in queries.captured_queries if "privacy_" in q["sql"]]


def test_rsvps_by_a_logged_in_person_record_their_consent(client, outsider):
    group = GroupFactory()
    publish_privacy_policy()
    client.force_login(outsider)
    action = make_action(group)
    client.post(
        reverse("actions:rsvp", args=[action.pk]),
        {"name": "Otto Outsider", "email": "outsider@example.net", "consent": "on"},
    )
    assert ConsentRecord.objects.filter(person=outsider, how=ConsentHow.RSVP).exists()


@pytest.mark.parametrize("size", [1, 12])
def test_the_versions_page_uses_a_fixed_number_of_queries(
    client, steward, size, django_assert_num_queries
):
    for n in range(size):
        policy_draft_create(text=f"Draft {n}.", changes=f"Change {n}.")
    client.force_login(steward)
    with django_assert_num_queries(5):  # session, person, roles, versions+notes, coalition
        assert client.get(VERSIONS).status_code == 200


@pytest.mark.parametrize("size", [1, 12])
def test_the_consent_page_uses_a_fixed_number_of_queries(
    client, group_member, size, django_assert_num_queries
):
    for n in range(size):
        publish_privacy_policy(number=n + 1)
    client.force_login(group_member)
    new_version()
    with django_assert_num_queries(7):
        assert client.get(reverse("privacy:consent")).status_code == 200

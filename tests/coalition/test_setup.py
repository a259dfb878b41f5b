"""First run: the setup link, the /setup/ steps, and what finishing them leaves behind."""

from __future__ import annotations

import pytest

from coalition.models import (
    AuditEntry,
    AuditVerb,
    Coalition,
    NetworkRole,
    Place,
    PrivacyPolicy,
    Role,
    SetupToken,
    StatementVersion,
)
from coalition.services import setup_token_issue
from tests.conftest import CommittingClient

pytestmark = pytest.mark.django_db

PASSWORD = "a lantern over the quiet harbour"
COALITION = {
    "step": "coalition",
    "name": "Tidewater Housing Alliance",
    "cause": "Homes people can afford, in every town on the coast.",
    "language": "en",
    "time_zone": "Europe/Paris",
}
STEWARD = {
    "step": "steward",
    "name": "Ines Okafor",
    "email": "ines@tidewater.example",
    "password": PASSWORD,
}
STATEMENT = {
    "step": "statement",
    "title": "Housing is a right",
    "text": "We are tenants, unions and neighbours who act together for homes.",
    "principles": (
        "Act locally: each group acts where it lives.\nNonviolence: our actions are peaceful."
    ),
}
PLACES = {"step": "places", "outline": "Marenland\n  Coast Region\n    Port Sel (city)"}


def _open(client) -> str:
    """Follow a fresh setup link; the session now holds it."""
    token = setup_token_issue()
    response = client.get(f"/setup/?token={token}")
    assert response.status_code == 302
    assert response["Location"] == "/setup/"
    return token


def _through(client, *steps: dict) -> None:
    for data in steps:
        response = client.post("/setup/", data)
        assert response.status_code == 302, (data["step"], response.content.decode()[:2000])


def _policy_text(client) -> str:
    response = client.get("/setup/")
    return response.context["form"].initial["text"]


# --- The link -------------------------------------------------------------------


def test_setup_answers_404_without_a_token(client):
    assert client.get("/setup/").status_code == 404
    assert client.post("/setup/", COALITION).status_code == 404


def test_setup_answers_404_to_a_wrong_token(client):
    setup_token_issue()

    assert client.get("/setup/?token=not-the-token").status_code == 404


def test_a_used_token_no_longer_opens_setup(client):
    token = setup_token_issue()
    SetupToken.objects.update(used_at="2026-01-01T00:00:00Z")

    assert client.get(f"/setup/?token={token}").status_code == 404


def test_setup_answers_404_once_setup_is_done_even_with_an_unused_token(client):
    token = setup_token_issue()
    Coalition.objects.create(name="Done", cause="", set_up_at="2026-01-01T00:00:00Z")

    assert client.get(f"/setup/?token={token}").status_code == 404


def test_a_token_is_refused_once_someone_is_steward(client, steward):
    SetupToken.objects.create(token_hash=SetupToken.digest("left-over"))

    assert client.get("/setup/?token=left-over").status_code == 404


def test_only_the_tokens_hash_is_stored():
    token = setup_token_issue()

    stored = SetupToken.objects.get()
    assert stored.token_hash == SetupToken.digest(token)
    assert token not in stored.token_hash


# --- The whole flow ----------------------------------------------------------------


def test_the_whole_flow_sets_the_coalition_up_and_logs_the_steward_in(client):
    _open(client)
    _through(client, COALITION, STEWARD, STATEMENT, PLACES)
    text = _policy_text(client)
    response = client.post("/setup/", {"step": "policy", "text": text})

    assert response.status_code == 302
    assert response["Location"] == "/network/next-steps/"
    coalition = Coalition.objects.get()
    assert coalition.name == "Tidewater Housing Alliance"
    assert coalition.time_zone == "Europe/Paris"
    assert coalition.set_up_at is not None
    steward = NetworkRole.objects.get(role=Role.STEWARD).person
    assert steward.email == "ines@tidewater.example"
    assert steward.emailaddress_set.get().verified
    assert int(client.session["_auth_user_id"]) == steward.pk
    draft = StatementVersion.objects.get()
    assert draft.published_at is None
    assert [p.title for p in draft.principles.all()] == ["Act locally", "Nonviolence"]
    assert list(Place.objects.values_list("name", flat=True)) == [
        "Marenland",
        "Coast Region",
        "Port Sel",
    ]
    policy = PrivacyPolicy.objects.get()
    assert policy.published_at is not None
    assert "Tidewater Housing Alliance" in policy.text
    assert not SetupToken.objects.filter(used_at__isnull=True).exists()
    entry = AuditEntry.objects.get(verb=AuditVerb.SETUP_DONE)
    assert entry.actor == steward
    next_page = client.get("/network/next-steps/")
    assert next_page.status_code == 200
    assert "Publish the unity statement" in next_page.content.decode()


def test_setup_answers_404_after_it_is_finished_even_in_the_same_session(client):
    _open(client)
    _through(client, COALITION, STEWARD, STATEMENT, {"step": "places", "skip": "1"})
    client.post("/setup/", {"step": "policy", "text": _policy_text(client)})

    assert client.get("/setup/").status_code == 404


def test_places_may_be_skipped(client):
    _open(client)
    _through(client, COALITION, STEWARD, STATEMENT, {"step": "places", "skip": "1"})

    assert client.get("/setup/").context["step"] == "policy"
    assert not Place.objects.exists()


def test_the_privacy_policy_is_offered_in_the_coalitions_language(client):
    _open(client)
    _through(client, {**COALITION, "language": "fr"}, STEWARD, STATEMENT)
    _through(client, {"step": "places", "skip": "1"})

    text = _policy_text(client)
    assert "Tidewater Housing Alliance" in text
    assert "Vos droits" in text


def test_a_form_from_an_earlier_step_shows_the_current_step(client):
    _open(client)
    _through(client, COALITION)

    response = client.post("/setup/", COALITION)

    assert response.status_code == 302
    assert client.get("/setup/").context["step"] == "steward"


def test_a_second_setup_link_cannot_restart_a_flow_in_progress(client):
    _open(client)
    _through(client, COALITION, STEWARD)
    SetupToken.objects.create(token_hash=SetupToken.digest("second-link"))

    assert CommittingClient().get("/setup/?token=second-link").status_code == 404


# --- Each step refuses bad input with a 400, keeping what was typed -------------------


def test_an_unknown_time_zone_is_refused_and_the_typed_name_kept(client):
    _open(client)

    response = client.post("/setup/", {**COALITION, "time_zone": "Mars/Olympus"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "is not a time zone" in page
    assert 'value="Tidewater Housing Alliance"' in page
    assert not Coalition.objects.exists()


def test_an_unknown_language_is_refused(client):
    _open(client)

    response = client.post("/setup/", {**COALITION, "language": "tlh"})

    assert response.status_code == 400
    assert "tlh" in response.content.decode()


def test_a_weak_password_is_refused_and_the_name_and_email_kept(client):
    _open(client)
    _through(client, COALITION)

    response = client.post("/setup/", {**STEWARD, "password": "short"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "This password is too short" in page
    assert 'value="ines@tidewater.example"' in page
    assert 'value="Ines Okafor"' in page
    assert not NetworkRole.objects.exists()
    assert "_auth_user_id" not in client.session


def test_a_statement_without_principles_is_refused_and_its_text_kept(client):
    _open(client)
    _through(client, COALITION, STEWARD)

    response = client.post("/setup/", {**STATEMENT, "principles": ""})

    assert response.status_code == 400
    page = response.content.decode()
    assert "This field is required." in page
    assert "We are tenants, unions and neighbours" in page
    assert not StatementVersion.objects.exists()


def test_a_broken_places_list_is_refused_naming_the_line_and_kept(client):
    _open(client)
    _through(client, COALITION, STEWARD, STATEMENT)

    response = client.post("/setup/", {"step": "places", "outline": "Marenland\n  Sel (planet)"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "Line 2" in page
    assert "Sel (planet)" in page
    assert not Place.objects.exists()


def test_an_empty_policy_is_refused_and_nothing_is_marked_done(client):
    _open(client)
    _through(client, COALITION, STEWARD, STATEMENT, {"step": "places", "skip": "1"})

    response = client.post("/setup/", {"step": "policy", "text": ""})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert Coalition.objects.get().set_up_at is None
    assert SetupToken.objects.filter(used_at__isnull=True).exists()


# --- French ------------------------------------------------------------------------


def test_a_setup_step_reads_in_french(client):
    client.cookies["django_language"] = "fr"
    _open(client)

    page = client.get("/setup/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "Mettre en place votre coalition" in page
    assert "Étape 1 sur 5" in page

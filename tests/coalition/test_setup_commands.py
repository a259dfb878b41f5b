"""manage.py setup_link and manage.py coalition_init: what they print, make and refuse."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from coalition.models import (
    AuditEntry,
    AuditVerb,
    Coalition,
    NetworkRole,
    Place,
    PrivacyPolicy,
    Role,
    SetupToken,
)

pytestmark = pytest.mark.django_db

PASSWORD = "a lantern over the quiet harbour"


def run(*args, **options) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


# --- setup_link ----------------------------------------------------------------


def test_setup_link_prints_a_working_link_on_first_run(client, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"

    output = run("setup_link")

    assert "First run: open this link to set up your coalition:" in output
    link = output.rsplit(" ", 1)[1].strip()
    assert link.startswith("http://127.0.0.1:8000/setup/?token=")
    assert client.get(link.removeprefix("http://127.0.0.1:8000")).status_code == 302
    assert SetupToken.objects.count() == 1


def test_setup_link_prints_a_fresh_link_each_time_and_earlier_ones_still_work(client):
    first = run("setup_link").rsplit("token=", 1)[1].strip()
    second = run("setup_link").rsplit("token=", 1)[1].strip()

    assert first != second
    assert client.get(f"/setup/?token={first}").status_code == 302


def test_setup_link_prints_no_link_once_a_steward_exists(steward):
    output = run("setup_link")

    assert "token" not in output
    assert "set up" in output
    assert not SetupToken.objects.exists()


def test_setup_link_prints_no_link_once_setup_is_done():
    Coalition.objects.create(name="Done", cause="", set_up_at="2026-01-01T00:00:00Z")

    assert "token" not in run("setup_link")


# --- coalition_init --------------------------------------------------------------


def test_coalition_init_without_input_sets_everything_up_and_the_steward_can_log_in(
    client, monkeypatch, tmp_path
):
    monkeypatch.setenv("COALITION_ADMIN_PASSWORD", PASSWORD)
    places = tmp_path / "places.txt"
    places.write_text("Marenland\n  Coast Region\n    Port Sel (city)\n", encoding="utf-8")

    output = run(
        "coalition_init",
        "--name", "Tidewater Housing Alliance",
        "--admin-email", "Ines@Tidewater.example",
        "--cause", "Homes for all.",
        "--language", "fr",
        "--time-zone", "Europe/Paris",
        "--places-file", str(places),
        "--no-input",
    )  # fmt: skip

    assert "Tidewater Housing Alliance is set up" in output
    coalition = Coalition.objects.get()
    assert (coalition.language, coalition.time_zone) == ("fr", "Europe/Paris")
    assert coalition.set_up_at is not None
    steward = NetworkRole.objects.get(role=Role.STEWARD).person
    assert steward.email == "ines@tidewater.example"
    assert Place.objects.count() == 3
    policy = PrivacyPolicy.objects.get()
    assert policy.published_at is not None
    assert "Vos droits" in policy.text
    assert AuditEntry.objects.filter(verb=AuditVerb.SETUP_DONE, actor=steward).exists()
    login = client.post(
        "/accounts/login/", {"login": "ines@tidewater.example", "password": PASSWORD}
    )
    assert login.status_code == 302
    assert int(client.session["_auth_user_id"]) == steward.pk


def test_coalition_init_run_twice_changes_nothing_and_says_so(monkeypatch):
    monkeypatch.setenv("COALITION_ADMIN_PASSWORD", PASSWORD)
    args = ("coalition_init", "--name", "Tidewater", "--admin-email", "ines@tidewater.example")
    run(*args, "--no-input")
    before = (Coalition.objects.get().set_up_at, PrivacyPolicy.objects.count())

    output = run("coalition_init", "--name", "Other", "--admin-email", "x@example.org")

    assert "already set up" in output
    assert (Coalition.objects.get().set_up_at, PrivacyPolicy.objects.count()) == before
    assert Coalition.objects.get().name == "Tidewater"


def _rows() -> dict[str, int]:
    from django.apps import apps

    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in {"coalition", "members", "privacy", "account", "auth"}
    }


def test_coalition_init_run_again_with_the_same_options_writes_no_row_and_login_still_works(
    client, monkeypatch, tmp_path
):
    monkeypatch.setenv("COALITION_ADMIN_PASSWORD", PASSWORD)
    places = tmp_path / "places.txt"
    places.write_text("Marenland\n  Port Sel (city)\n", encoding="utf-8")
    args = (
        "coalition_init", "--name", "Tidewater", "--admin-email", "ines@tidewater.example",
        "--language", "fr", "--time-zone", "Europe/Paris", "--places-file", str(places),
        "--no-input",
    )  # fmt: skip
    run(*args)
    before = _rows()

    output = run(*args)

    assert "already set up" in output and "nothing changed" in output.lower()
    assert _rows() == before
    login = client.post(
        "/accounts/login/", {"login": "ines@tidewater.example", "password": PASSWORD}
    )
    assert login.status_code == 302


def test_coalition_init_without_input_needs_the_password_variable(monkeypatch):
    monkeypatch.delenv("COALITION_ADMIN_PASSWORD", raising=False)

    with pytest.raises(CommandError, match="COALITION_ADMIN_PASSWORD"):
        run("coalition_init", "--name", "T", "--admin-email", "a@example.org", "--no-input")
    assert not Coalition.objects.exists()


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--language", "tlh", "not a language"),
        ("--time-zone", "Mars/Olympus", "not a time zone"),
        ("--places-file", "/nowhere/places.txt", "Cannot read the places file"),
    ],
)
def test_coalition_init_refuses_bad_input_with_a_clear_message(monkeypatch, option, value, message):
    monkeypatch.setenv("COALITION_ADMIN_PASSWORD", PASSWORD)

    with pytest.raises(CommandError, match=message):
        run("coalition_init", "--name", "T", "--admin-email", "a@example.org", option, value)
    assert not Coalition.objects.exists()
    assert not NetworkRole.objects.exists()


def test_coalition_init_refuses_a_weak_password_and_makes_nothing(monkeypatch):
    monkeypatch.setenv("COALITION_ADMIN_PASSWORD", "short")

    with pytest.raises(CommandError, match="too short"):
        run("coalition_init", "--name", "T", "--admin-email", "a@example.org", "--no-input")
    assert not Coalition.objects.exists()


def test_coalition_init_refuses_a_broken_places_file_and_makes_nothing(monkeypatch, tmp_path):
    monkeypatch.setenv("COALITION_ADMIN_PASSWORD", PASSWORD)
    places = tmp_path / "places.txt"
    places.write_text("Marenland\n  Sel (planet)\n", encoding="utf-8")

    with pytest.raises(CommandError, match="Line 2"):
        run(
            "coalition_init", "--name", "T", "--admin-email", "a@example.org",
            "--places-file", str(places),
        )  # fmt: skip
    assert not Coalition.objects.exists()
    assert not Place.objects.exists()


def test_coalition_init_asks_for_the_password_when_it_may(monkeypatch):
    monkeypatch.delenv("COALITION_ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": PASSWORD)

    run("coalition_init", "--name", "T", "--admin-email", "a@example.org")

    assert NetworkRole.objects.get(role=Role.STEWARD).person.check_password(PASSWORD)

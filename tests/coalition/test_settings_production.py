"""Production settings refuse to start in each unsafe case, and pass check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k3y-" + "a1B2c3D4e5F6g7H8i9J0" * 3
SAFE = {
    "COALITION_ENV": "production",
    "SECRET_KEY": GOOD_KEY,
    "ALLOWED_HOSTS": "coalition.example.org",
    "DEBUG": "false",
}


def run_django(env_changes: dict[str, str | None], *args: str) -> subprocess.CompletedProcess:
    # Start from this process's environment minus anything a test run adds
    # (the browser tests allow async-unsafe calls, which check --deploy flags).
    env = {
        k: v for k, v in os.environ.items() if k not in SAFE and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env["SQLITE_PATH"] = ":memory:"
    for key, value in {**SAFE, **env_changes}.items():
        if value is not None:
            env[key] = value
    command = [sys.executable, "manage.py", *(args or ("check",))]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_safe_production_settings_start():
    result = run_django({})

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY is not set"),
        ({"SECRET_KEY": "too-short"}, "SECRET_KEY must be at least 50 characters"),
        ({"SECRET_KEY": "a" * 60}, "SECRET_KEY must be at least 50 characters"),
        ({"DEBUG": "true"}, "DEBUG is on"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS is empty"),
        ({"ALLOWED_HOSTS": " , "}, "ALLOWED_HOSTS is empty"),
    ],
)
def test_production_refuses_to_start_when_unsafe(changes, complaint):
    result = run_django(changes)

    assert result.returncode != 0
    assert "Refusing to start in production" in result.stderr
    assert complaint in result.stderr


def test_every_problem_is_named_at_once():
    result = run_django({"SECRET_KEY": None, "DEBUG": "1", "ALLOWED_HOSTS": None})

    assert "SECRET_KEY is not set; DEBUG is on; ALLOWED_HOSTS is empty" in result.stderr


def test_a_malformed_boolean_fails_loudly():
    result = run_django({"DEBUG": "maybe"})

    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def test_an_unknown_environment_name_fails_loudly():
    result = run_django({"COALITION_ENV": "prod"})

    assert result.returncode != 0
    assert "COALITION_ENV must be one of development, production" in result.stderr


def test_production_settings_pass_the_deployment_checklist_without_warnings():
    result = run_django({}, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


@pytest.mark.parametrize(("trust", "count"), [("true", "1"), ("false", "0")])
def test_allauths_rate_limits_trust_one_proxy_exactly_when_x_forwarded_for_is_trusted(trust, count):
    result = run_django(
        {"TRUST_X_FORWARDED_FOR": trust},
        "shell",
        "-c",
        "from django.conf import settings; print(settings.ALLAUTH_TRUSTED_PROXY_COUNT)",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == count


def test_with_one_trusted_proxy_allauth_keys_on_the_last_forwarded_hop(settings, rf):
    from allauth.account.adapter import get_adapter

    request = rf.get(
        "/accounts/login/",
        HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.9",
        REMOTE_ADDR="10.0.0.1",
    )

    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    assert get_adapter(request).get_client_ip(request) == "10.0.0.1"
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    assert get_adapter(request).get_client_ip(request) == "203.0.113.9"


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_connections_run_without_jit_or_parallel_workers():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone() == ("0",)

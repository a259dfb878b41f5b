import pytest
from django.core.exceptions import ImproperlyConfigured

from coalition.env import email_settings, env_bool, env_int, env_list, redis_neighbour_db


def test_no_email_url_writes_email_to_the_console(tmp_path):
    assert email_settings("", tmp_path)["EMAIL_BACKEND"].endswith("console.EmailBackend")


def test_smtp_url_gives_host_port_credentials_and_starttls(tmp_path):
    config = email_settings("smtp://mailer:s%40cret@mail.example.org:587?tls=1", tmp_path)

    assert config["EMAIL_BACKEND"].endswith("smtp.EmailBackend")
    assert config["EMAIL_HOST"] == "mail.example.org"
    assert config["EMAIL_PORT"] == 587
    assert config["EMAIL_HOST_USER"] == "mailer"
    assert config["EMAIL_HOST_PASSWORD"] == "s@cret"
    assert config["EMAIL_USE_TLS"] is True
    assert config["EMAIL_USE_SSL"] is False


def test_smtps_url_uses_implicit_tls_on_465(tmp_path):
    config = email_settings("smtps://mail.example.org", tmp_path)

    assert config["EMAIL_PORT"] == 465
    assert config["EMAIL_USE_SSL"] is True


def test_file_url_writes_to_that_folder(tmp_path):
    config = email_settings(f"file://{tmp_path}/outbox", tmp_path)

    assert config["EMAIL_FILE_PATH"] == f"{tmp_path}/outbox"


@pytest.mark.parametrize("url", ["smtp://", "pigeon://loft", "smtp://host:notaport"])
def test_malformed_email_urls_fail_loudly(url, tmp_path):
    with pytest.raises(ImproperlyConfigured):
        email_settings(url, tmp_path)


def test_booleans_accept_the_usual_spellings(monkeypatch):
    monkeypatch.setenv("FLAG", "Yes")
    assert env_bool("FLAG", default=False) is True
    monkeypatch.setenv("FLAG", "off")
    assert env_bool("FLAG", default=True) is False
    monkeypatch.delenv("FLAG")
    assert env_bool("FLAG", default=True) is True


def test_numbers_must_be_numbers(monkeypatch):
    monkeypatch.setenv("COUNT", "twelve")
    with pytest.raises(ImproperlyConfigured, match="COUNT must be a whole number"):
        env_int("COUNT", 1)


def test_lists_are_comma_separated_and_trimmed(monkeypatch):
    monkeypatch.setenv("HOSTS", " a.example , b.example,, ")

    assert env_list("HOSTS") == ["a.example", "b.example"]


def test_the_cache_defaults_to_the_next_redis_database():
    assert redis_neighbour_db("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/1"
    assert redis_neighbour_db("redis://:secret@cache.example.net:6380") == (
        "redis://:secret@cache.example.net:6380/1"
    )


def test_a_redis_url_with_a_strange_database_fails_loudly():
    with pytest.raises(ImproperlyConfigured, match="database number"):
        redis_neighbour_db("redis://127.0.0.1:6379/cache")

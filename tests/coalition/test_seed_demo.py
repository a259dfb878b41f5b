import pytest
from django.core.management import CommandError, call_command

from coalition.demo import DEMO_PASSWORD
from coalition.models import Coalition, NetworkRole
from members.models import User

pytestmark = pytest.mark.django_db

DEMO_EMAILS = [
    "weaver@example.org",
    "steering@example.org",
    "group-admin@example.org",
    "steward@example.org",
    "moderator@example.org",
]


def test_it_builds_the_demo_coalition_and_prints_the_three_logins(capsys):
    call_command("seed_demo")

    printed = capsys.readouterr().out
    assert Coalition.objects.get().name == "Clean Air Alliance"
    assert set(DEMO_EMAILS) <= set(User.objects.values_list("email", flat=True))
    for email in DEMO_EMAILS:
        assert f"{email}  /  {DEMO_PASSWORD}" in printed


def counts() -> dict[str, int]:
    from django.apps import apps

    return {
        model._meta.label: model.objects.count()
        for config in apps.get_app_configs()
        if config.name in {"coalition", "members", "actions", "convergence", "reporting"}
        for model in config.get_models()
    }


def test_it_is_idempotent():
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")

    assert counts() == first
    assert Coalition.objects.count() == 1
    assert first["members.Group"] >= 10


def test_only_the_three_demo_logins_can_log_in():
    call_command("seed_demo")

    usable = [u.email for u in User.objects.all() if u.has_usable_password()]
    assert sorted(usable) == sorted(DEMO_EMAILS)


def test_the_demo_roles_match_the_design():
    call_command("seed_demo")

    roles = set(NetworkRole.objects.values_list("person__email", "role"))
    assert ("weaver@example.org", "weaver") in roles
    assert ("steering@example.org", "steering") in roles
    assert ("steward@example.org", "steward") in roles
    assert ("moderator@example.org", "moderator") in roles
    assert not NetworkRole.objects.filter(person__email="group-admin@example.org").exists()


@pytest.mark.parametrize("email", DEMO_EMAILS)
def test_each_demo_login_works(client, email):
    call_command("seed_demo")

    response = client.post("/accounts/login/", {"login": email, "password": DEMO_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(User.objects.get(email=email).pk)


def test_it_never_runs_in_production(settings):
    settings.PRODUCTION = True

    with pytest.raises(CommandError, match="never runs in production"):
        call_command("seed_demo")
    assert not User.objects.exists()

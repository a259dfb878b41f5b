import pytest
from django.core.management import CommandError, call_command

from coalition.demo import DEMO_PASSWORD
from coalition.models import Coalition, NetworkRole
from members.models import User

pytestmark = pytest.mark.django_db

DEMO_EMAILS = ["weaver@example.org", "steering@example.org", "group-admin@example.org"]


def test_it_builds_the_demo_coalition_and_prints_the_three_logins(capsys):
    call_command("seed_demo")

    printed = capsys.readouterr().out
    assert Coalition.objects.get().name == "Clean Air Alliance"
    assert sorted(User.objects.values_list("email", flat=True)) == sorted(DEMO_EMAILS)
    for email in DEMO_EMAILS:
        assert f"{email}  /  {DEMO_PASSWORD}" in printed


def test_it_is_idempotent():
    call_command("seed_demo")
    call_command("seed_demo")

    assert User.objects.count() == 3
    assert Coalition.objects.count() == 1
    assert NetworkRole.objects.count() == 3


def test_the_demo_roles_match_the_design():
    call_command("seed_demo")

    roles = set(NetworkRole.objects.values_list("person__email", "role"))
    assert ("weaver@example.org", "weaver") in roles
    assert ("steering@example.org", "steering") in roles
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

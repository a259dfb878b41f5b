"""The steward's next steps: each checked off by what the network has done, in fixed queries."""

from __future__ import annotations

import pytest

from coalition.models import NetworkRole, Role
from tests.factories import make_day, publish_statement

pytestmark = pytest.mark.django_db


def _done(response) -> dict[str, bool]:
    return {state.step.key: state.done for state in response.context["steps"]}


def test_a_new_coalition_has_every_step_to_do(client, steward):
    client.force_login(steward)

    response = client.get("/network/next-steps/")

    assert response.status_code == 200
    assert _done(response) == {"statement": False, "people": False, "groups": False, "day": False}
    page = response.content.decode()
    assert 'href="/statement/versions/"' in page
    assert "/network/people/" in page
    assert "/weave/prospects/new/" in page
    assert 'href="/days/new/"' in page


def test_each_step_is_done_once_the_network_has_done_it(client, steward, weaver, group):
    from members.models import Invitation, InvitationKind

    publish_statement()
    make_day()
    Invitation.objects.create(
        kind=InvitationKind.GROUP,
        group=group,
        email="contact@riverside.example",
        token_hash="x" * 64,
        expires_at="2030-01-01T00:00:00Z",
    )
    client.force_login(steward)

    assert set(_done(client.get("/network/next-steps/")).values()) == {True}


def test_the_first_steward_holding_steering_does_not_count_as_inviting_people(client, steward):
    NetworkRole.objects.create(person=steward, role=Role.STEERING)
    client.force_login(steward)

    assert _done(client.get("/network/next-steps/"))["people"] is False


def test_the_menu_lists_next_steps_until_the_page_finds_them_all_done(
    client, steward, weaver, group
):
    from members.models import Invitation, InvitationKind

    client.force_login(steward)
    assert 'href="/network/next-steps/"' in client.get("/").content.decode()
    publish_statement()
    make_day()
    Invitation.objects.create(
        kind=InvitationKind.GROUP,
        group=group,
        email="contact@riverside.example",
        token_hash="x" * 64,
        expires_at="2030-01-01T00:00:00Z",
    )
    assert 'href="/network/next-steps/"' in client.get("/").content.decode()

    client.get("/network/next-steps/")

    assert 'href="/network/next-steps/"' not in client.get("/").content.decode()


def test_the_menu_entry_costs_a_stewards_pages_no_query(client, steward):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(steward)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/network/people/").content.decode()

    assert 'href="/network/next-steps/"' in page
    assert not [q for q in queries.captured_queries if "members_invitation" in q["sql"]]


def test_a_steward_without_two_factor_is_asked_to_add_it_and_not_once_they_have(client, steward):
    from allauth.mfa.models import Authenticator

    client.force_login(steward)
    before = client.get("/network/next-steps/").content.decode()
    Authenticator.objects.create(user=steward, type=Authenticator.Type.TOTP, data={})
    after = client.get("/network/next-steps/").content.decode()

    assert "two-factor authentication" in before and 'href="/accounts/2fa/totp/activate/"' in before
    assert "/accounts/2fa/totp/activate/" not in after


def test_only_stewards_see_the_next_steps(client, steering_member):
    client.force_login(steering_member)

    assert client.get("/network/next-steps/").status_code == 403


@pytest.mark.parametrize("days", [1, 8])
def test_the_next_steps_page_costs_the_same_queries_however_big_the_network(
    client, steward, django_assert_max_num_queries, days
):
    publish_statement()
    for number in range(days):
        make_day(title=f"Day {number}", slug=f"day-{number}")
    client.force_login(steward)
    client.get("/network/next-steps/")

    # One query per step, the session and person, and whether the steward has two-factor.
    with django_assert_max_num_queries(9):
        assert client.get("/network/next-steps/").status_code == 200


def test_the_frame_imports_no_higher_app():
    """Setup and next steps reach members, privacy and convergence only through hooks."""
    import ast
    from pathlib import Path

    higher = {"members", "actions", "convergence", "reporting", "api", "privacy", "exchange"}
    root = Path(__file__).resolve().parents[2] / "coalition"
    # The root URL map and the settings are the files that know every app by name.
    allowed = {root / "urls.py", root / "settings.py"}
    upward = []
    for source in root.rglob("*.py"):
        if source in allowed:
            continue
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            upward += [f"{source.name}: {n}" for n in names if n.split(".")[0] in higher]
    assert upward == []

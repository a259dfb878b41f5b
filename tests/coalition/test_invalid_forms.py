"""Every page that takes a POST refuses an empty or clearly bad body with a 4xx: never a 200
that looks like success, never a redirect, never a 500 (Definition of done).

Routes are walked from the root resolver (tests/test_permission_matrix.py), each
posted to as a person the table (tests/permission_table.py) lets use it. A new
route is covered automatically; a POST that legitimately has nothing to be wrong
goes in EXCLUDED with the reason.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.permission_table import EXPECTED, LOGIN, ROLES
from tests.test_permission_matrix import (  # noqa: F401  (fixtures used by name)
    _client_for,
    cast,
    routes,
    url_of,
    world,
)

pytestmark = pytest.mark.django_db

# Django's admin and allauth's pages are not ours: their own tests cover their forms.
NOT_OURS = ("admin:", "account_", "mfa_")

# POSTs with no input that could be wrong: a button, whose empty POST is the whole request.
EXCLUDED = {
    # Django's view: a missing language keeps the current one and goes back.
    "set_language",
    # Buttons: publish a version, report a day, close or stop something, revoke a token.
    "statement_version_publish",
    "privacy:policy_version_publish",
    "convergence:day_publish",
    "convergence:day_report",
    "actions:support_close",
    "reporting:schedule_deactivate",
    "api:token_revoke",
    # A button per member row: a missing role is told on the members page it came from.
    "members:group_member_update",
    # A button per group row on the weaver's list: the invitation goes to the group's contact.
    "members:group_invite",
    # A checklist: every box left empty is a valid answer (saved, back to the page).
    "convergence:event_host",
}
# Answers that say the person was not let in: the test then picked the wrong person.
REFUSED = (LOGIN, 401, 403)
# Bodies a person could send by mistake or on purpose.
BAD_BODIES = {"empty": {}, "junk": {"junk": "²", "email": "not an address", "pk": "x" * 30}}


def allowed_role(name: str) -> str:
    """A role the table lets use the route: a logged-in one when there is one."""
    expect = EXPECTED[name]
    answers = expect.post if expect.post is not None else expect.get
    for role in (*ROLES[1:], ROLES[0]):
        if answers[role] not in REFUSED:
            return role
    raise AssertionError(f"the table lets nobody use {name}")


def checked() -> list[str]:
    return sorted(
        name
        for name in EXPECTED
        if not name.startswith(NOT_OURS) and name not in EXCLUDED and name in routes()
    )


def test_the_walk_finds_the_form_pages_and_the_exclusions_are_routes():
    names = checked()

    assert {"members:profile", "reporting:win_new", "members:weave_import"} <= set(names)
    assert EXCLUDED <= set(routes())


@pytest.mark.parametrize("body", sorted(BAD_BODIES))
@pytest.mark.parametrize("name", checked())
def test_a_bad_post_is_refused_with_a_4xx(name, body, cast, world):
    cache.clear()  # rate limits are not what is tested here
    role = allowed_role(name)
    url = url_of(name, EXPECTED[name], world)

    response = _client_for(cast[role]).post(url, BAD_BODIES[body])

    assert 400 <= response.status_code < 500, (
        f"POST {url} as {role} with a {body} body: {response.status_code}"
    )
    assert response.status_code not in (401, 403), f"{role} is not let into {url}"

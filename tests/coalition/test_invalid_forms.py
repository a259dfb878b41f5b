"""Every page that takes a POST refuses an empty or clearly bad body with a 4xx: never a 200
that looks like success, never a redirect, never a 500 (Definition of done).

Routes are walked from the root resolver (tests/test_permission_matrix.py), each
posted to as a person the table (tests/permission_table.py) lets use it. A new
route is covered automatically; a POST that legitimately has nothing to be wrong
goes in EXCLUDED with the reason.
"""

from __future__ import annotations

import pytest
from django import forms
from django.core.cache import cache

from coalition.responses import form_status
from tests.permission_table import EXPECTED, LOGIN, ROLES
from tests.test_permission_matrix import _client_for, routes, url_of

# The matrix's fixtures (the cast and one of everything), used here by name.
from tests.test_permission_matrix import cast as cast
from tests.test_permission_matrix import world as world

pytestmark = pytest.mark.django_db

# Django's admin and allauth's pages are not ours: their own tests cover their forms.
NOT_OURS = ("admin:", "account_", "mfa_")

# POSTs with no input that could be wrong: a button, whose empty POST is the whole request.
EXCLUDED = {
    # Django's view: a missing language keeps the current one and goes back.
    "set_language",
    # Buttons: publish a policy, report a day, close or stop something, revoke a token.
    "privacy:policy_version_publish",
    "convergence:day_publish",
    "convergence:day_report",
    "actions:support_close",
    "reporting:schedule_deactivate",
    "api:token_revoke",
    # "Sync now" on a source's page: a button that queues a sync.
    "exchange:source_sync",
    # "Send me a test" on an outreach message: a button, nothing typed.
    "members:outreach_test",
    # Small forms posted from another page (the members page, a weave group's page): a
    # refusal goes back there as a flashed error (302), where the person sees it.
    "members:group_member_update",
    "members:group_invite",
    # A checklist: every box left empty is a valid answer (saved, back to the page).
    "convergence:event_host",
}
# Answers that say the person was not let in: the test then picked the wrong person.
REFUSED = (LOGIN, 401, 403)
# Pages with several forms say which one is posted; an empty body for them is an
# unknown form (400 too), so they are also posted one of their forms, empty.
FORM_BODIES = {
    "members:weave_person": [{"form": "step"}, {"form": "skills", "skills-skills": "x"}],
    "members:weave_ladder": [{"form": "level_new"}, {"form": "level_edit"}],
    "exchange:csv": [{"what": "groups"}],
}


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
    assert set(routes()) >= EXCLUDED


def bodies(name: str) -> list[dict]:
    return [{}, *FORM_BODIES.get(name, [])]


@pytest.mark.parametrize("name", checked())
def test_a_bad_post_is_refused_with_a_4xx(name, cast, world):
    role = allowed_role(name)
    url = url_of(name, EXPECTED[name], world)
    client = _client_for(cast[role])

    for body in bodies(name):
        cache.clear()  # rate limits are not what is tested here
        response = client.post(url, body)

        assert 400 <= response.status_code < 500, (
            f"POST {url} as {role} with {body}: {response.status_code}"
        )
        assert response.status_code not in (401, 403), f"{role} is not let into {url}"


def test_a_refused_form_is_shown_again_with_its_errors(cast, world):
    client = _client_for(cast["weaver"])

    response = client.post(url_of("reporting:win_new", EXPECTED["reporting:win_new"], world), {})

    assert response.status_code == 400
    assert response.context["form"].errors
    assert "This field is required." in response.content.decode()


class TestFormStatus:
    """coalition.responses.form_status, the one rule the pages share."""

    @staticmethod
    def _form(data):
        class NameForm(forms.Form):
            name = forms.CharField()

        return NameForm(data)

    def test_a_post_with_a_refused_form_is_400(self, rf):
        assert form_status(rf.post("/"), None, self._form({"name": ""})) == 400

    def test_a_post_with_valid_or_unbound_forms_is_200(self, rf):
        assert form_status(rf.post("/"), self._form({"name": "Ada"}), self._form(None)) == 200

    def test_a_get_bound_to_a_bad_filter_stays_200(self, rf):
        assert form_status(rf.get("/?name="), self._form({"name": ""})) == 200

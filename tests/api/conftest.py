"""The API's test cast: a signed group with actions, tokens; and the schemathesis figures."""

from __future__ import annotations

import time

import pytest

from tests.factories import make_action, publish_privacy_policy, publish_statement


@pytest.fixture
def signed_group(group):
    """``group`` (the cast's group) after signing the current statement."""
    group.signed_version = publish_statement()
    group.save(update_fields=["signed_version"])
    return group


@pytest.fixture
def policy(db):
    return publish_privacy_policy()


@pytest.fixture
def make_token(db):
    from api.services.tokens import token_create

    def make(person, name: str = "test") -> str:
        return token_create(person=person, name=name)[1]

    return make


@pytest.fixture
def bearer(make_token):
    """Headers that authenticate as ``person`` with a fresh token."""

    def headers(person) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {make_token(person)}"}

    return headers


@pytest.fixture
def actions(signed_group):
    """One action of each visibility, hosted by ``signed_group``."""
    return {
        visibility: make_action(signed_group, title=f"{visibility} walk", visibility=visibility)
        for visibility in ("public", "network", "group")
    }


# --- Schemathesis figures, per kind of account ------------------------------------


class SchemathesisTally:
    """What the schemathesis runs did for one kind of account, printed at the session's end
    so CI's output says how much was exercised, not only that nothing failed."""

    def __init__(self) -> None:
        self.operations: set[str] = set()
        self.requests = 0
        self.statuses: dict[int, int] = {}
        self.failures = 0

    def record(self, case, response) -> None:
        self.operations.add(case.operation.verbose_name)
        self.requests += 1
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1


SCHEMATHESIS: dict[str, SchemathesisTally] = {}
SCHEMATHESIS_SECONDS: list[float] = []


@pytest.fixture
def schemathesis_tally():
    """The tally of a kind of account, by its name; the test's time counts in the total."""
    started = time.monotonic()
    yield lambda kind: SCHEMATHESIS.setdefault(kind, SchemathesisTally())
    SCHEMATHESIS_SECONDS.append(time.monotonic() - started)


def pytest_terminal_summary(terminalreporter) -> None:
    if not SCHEMATHESIS:
        return
    terminalreporter.section("schemathesis over /api/v1/, per kind of account")
    for kind, tally in SCHEMATHESIS.items():
        created = tally.statuses.get(201, 0)
        errors = sum(n for status, n in tally.statuses.items() if status >= 500)
        terminalreporter.write_line(
            f"{kind}: {len(tally.operations)} operations, {tally.requests} requests "
            f"({created} created, {errors} 5xx), {tally.failures} failures"
        )
    terminalreporter.write_line(f"schemathesis tests took {sum(SCHEMATHESIS_SECONDS):.0f} s")

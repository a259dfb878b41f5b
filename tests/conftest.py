"""The cast and the real parts every test may need.

Tests that need PostgreSQL, a Redis broker with a real Celery worker, or
Chromium are marked; where those parts are missing they are skipped with the
reason, except when ``COALITION_STRICT=1`` (the CI pass), where a missing
part fails the run instead of hiding tests.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, TestCase

from coalition.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
STRICT = os.environ.get("COALITION_STRICT") == "1"


def _missing_part(item: pytest.Item) -> str | None:
    from django.db import connection

    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        return "needs PostgreSQL: set DATABASE_URL=postgres://..."
    if item.get_closest_marker("celery_worker") and not settings.REDIS_URL:
        return "needs a Redis broker and a Celery worker: set REDIS_URL=redis://..."
    if item.get_closest_marker("browser"):
        if not CHROMIUM.exists():
            return "needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            return "needs Playwright for Python (in requirements-dev.lock)"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    reason = _missing_part(item)
    if reason is None:
        return
    if STRICT:
        pytest.fail(f"COALITION_STRICT=1 but this test {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _test_settings(settings, request):
    """Fast hashing, email in Django's outbox, a clean cache (rate limits) per test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The app's own backend, delivering to the outbox: tests see each message
    # as it would leave (coalition/mail.py).
    settings.EMAIL_BACKEND = "coalition.mail.CoalitionEmailBackend"
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Pages kept by the page cache would outlive a test's rolled-back writes,
    # and sessions read from a shared cache would change query counts between
    # the SQLite and the PostgreSQL + Redis passes.
    settings.PAGE_CACHE_SECONDS = 0
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _celery_mode(request):
    """Run tasks in-process unless the test asks for the real worker.

    With REDIS_URL set the app would publish to the broker; tests that do not
    start a worker still need their tasks to run, so they run eagerly — after
    commit, as in production, because tasks are queued with delay_on_commit.
    """
    eager = request.node.get_closest_marker("celery_worker") is None
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = eager
    yield
    celery_app.conf.task_always_eager = previous


class CommittingClient(Client):
    """A test client whose requests end as real ones do: with a commit.

    Tests run inside a transaction that is rolled back, so on-commit callbacks
    (queued email, queued tasks) would never fire; each request here runs the
    callbacks it registered once it returns, as the commit would.
    """

    def request(self, **request):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**request)


@pytest.fixture
def client() -> CommittingClient:
    return CommittingClient()


# --- The cast -------------------------------------------------------------

PASSWORD = "correct horse battery staple"


@pytest.fixture
def make_person(db):
    from allauth.account.models import EmailAddress

    from members.models import User

    def make(email: str, *, roles: tuple[str, ...] = (), verified: bool = True, **fields) -> User:
        from coalition.models import NetworkRole

        user = User.objects.create_user(email=email, password=PASSWORD, **fields)
        EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
        for role in roles:
            NetworkRole.objects.create(person=user, role=role)
        from tests.factories import consent_to_current_policy

        consent_to_current_policy(user)
        return user

    return make


@pytest.fixture
def place(db):
    from tests.factories import make_place

    return make_place("Riverside")


@pytest.fixture
def group(place):
    """An aligned local group: the group the cast below is in (or not)."""
    from members.models import Stage
    from tests.factories import GroupFactory

    return GroupFactory(
        name="Riverside Tenants",
        slug="riverside-tenants",
        place=place,
        stage=Stage.ALIGNED,
        listing_consent=True,
    )


@pytest.fixture
def group_admin(make_person, group):
    from tests.factories import add_member

    person = make_person("admin@example.net", name="Ada Admin")
    add_member(group, person, "admin")
    return person


@pytest.fixture
def group_member(make_person, group):
    from tests.factories import add_member

    person = make_person("member@example.net", name="Mo Member")
    add_member(group, person, "member")
    return person


@pytest.fixture
def outsider(make_person, place):
    """A person of another group: logged in, but nothing to do with ``group``."""
    from tests.factories import GroupFactory, add_member

    person = make_person("outsider@example.net", name="Otto Outsider")
    add_member(
        GroupFactory(name="Hillside Parents", slug="hillside-parents", place=place), person, "admin"
    )
    return person


@pytest.fixture
def weaver(make_person):
    return make_person("weaver@example.net", name="Wanda Weaver", roles=("weaver",))


@pytest.fixture
def steering_member(make_person):
    return make_person("steering@example.net", name="Stella Steering", roles=("steering",))


@pytest.fixture
def steward(make_person):
    return make_person("steward@example.net", name="Stew Steward", roles=("steward",))


@pytest.fixture
def coordinator(make_person):
    return make_person("coord@example.net", name="Cora Coordinator", roles=("coordinator",))


@pytest.fixture
def moderator(make_person):
    return make_person("moderator@example.net", name="Mira Moderator", roles=("moderator",))


@pytest.fixture
def staff(make_person):
    return make_person("staff@example.net", name="Stan Staff", is_staff=True, is_superuser=True)


# --- A real Celery worker ---------------------------------------------------


def _database_url_for_test_db() -> str:
    """DATABASE_URL pointing at the test database this session created."""
    from django.db import connection

    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


@pytest.fixture(scope="session")
def mail_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("worker-mail")


@contextlib.contextmanager
def running_celery_worker(*, queue: str | None = None, env: dict[str, str] | None = None):
    """Run a real ``celery worker`` process on the Redis broker until the block ends.

    It listens on ``queue`` (a fresh name by default) so that messages left in
    Redis by another run can never reach it, talks to this session's test
    database, signs with this process's SECRET_KEY, and gets ``env`` on top.
    While it runs, tasks the tests send go to its queue. Yields the process:
    a test may SIGKILL it to play a crash; leaving the block is still safe.
    """
    queue = queue or f"test-{uuid.uuid4().hex[:12]}"
    worker_env = {
        **os.environ,
        "CELERY_QUEUE": queue,
        "PYTHONPATH": str(ROOT),
        "SECRET_KEY": settings.SECRET_KEY,
        **(env or {}),
    }
    if "DATABASE_URL" in os.environ:
        worker_env["DATABASE_URL"] = _database_url_for_test_db()
    hostname = f"{uuid.uuid4().hex[:8]}.{queue}@localhost"
    # A file, not a pipe: nobody reads the log while the worker runs, and a
    # full pipe would block it.
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "coalition", "worker",
                "--pool=solo", "--loglevel=info", "--without-heartbeat",
                "--without-gossip", "--without-mingle", "-n", hostname, "-Q", queue,
            ],
            cwd=ROOT,
            env=worker_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        previous_queue = celery_app.conf.task_default_queue
        celery_app.conf.task_default_queue = queue
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if process.poll() is not None:
                    log.seek(0)
                    raise RuntimeError("The Celery worker exited:\n" + log.read())
                if celery_app.control.ping(destination=[hostname], timeout=1.0):
                    break
            else:
                raise RuntimeError("The Celery worker did not answer a ping within 60 s.")
            yield process
        finally:
            celery_app.conf.task_default_queue = previous_queue
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, mail_dir):
    """A real worker for the whole session that writes its email to ``mail_dir``."""
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL")
    with running_celery_worker(env={"EMAIL_URL": f"file://{mail_dir}"}) as process:
        yield process

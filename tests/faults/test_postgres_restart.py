"""PostgreSQL restarted under load: clean error pages at worst, recovery alone, no half-writes.

Real parts: gunicorn (2 workers × 4 threads, persistent connections with
CONN_HEALTH_CHECKS) serving a private PostgreSQL cluster, while threads in
this process read pages, RSVP and post actions. Mid-load the cluster is
restarted with ``pg_ctl restart -m fast``, which cuts every session.
Requests in flight may fail, but only with our 500 page; a few seconds
later every request succeeds again without anyone restarting gunicorn; and
every write was all-or-nothing: each RSVP has its place counted and its one
confirmation email in the outbox, each posted action its group's move to
"producing" recorded once.
"""

from __future__ import annotations

import http.cookiejar
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

import pytest

from tests.faults.parts import ROOT, _answers, django_env, free_port, run_django

CAPACITY = 60
READERS, RSVPERS, POSTERS = 2, 3, 1
RESTART_AFTER = 1.5  # seconds of load before the restart
RECOVERY = 5.0  # seconds the app has to answer again by itself
AFTER = 3.0  # seconds of load after it has recovered, all of which must succeed
SECRET_KEY = "fault-test-" + "k" * 60

SEED = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from members.models import Group
from tests.factories import (
    GroupFactory, add_member, consent_to_current_policy, make_action, make_place,
    publish_privacy_policy, publish_statement,
)
from members.models import Stage, User

publish_privacy_policy()
version = publish_statement()
place = make_place("Restart City")
group = GroupFactory(place=place, stage=Stage.ALIGNED, signed_version=version)
admin = User.objects.create_user(email="host@example.org", password="unused-password-123")
add_member(group, admin, "admin")
consent_to_current_policy(admin)
action = make_action(group, capacity=%(capacity)d, title="Walk under load")
session = SessionStore()
session[SESSION_KEY] = str(admin.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = admin.get_session_auth_hash()
session.create()
print(json.dumps({"action": action.pk, "group": group.pk, "place": place.pk,
                  "session": session.session_key}))
"""

CHECK = """
from django.db.models import Count
from actions.models import Action, Participation, ParticipationStatus
from coalition.models import OutboxMessage
from members.models import Group, StageChange

action = Action.objects.get(pk=%(action)d)
confirmed = sorted(Participation.objects.filter(
    action=action, status=ParticipationStatus.CONFIRMED).values_list("email", flat=True))
emailed = sorted(
    address
    for kwargs in OutboxMessage.objects.filter(task="coalition.tasks.email_send")
    .values_list("kwargs", flat=True)
    for address in kwargs["to"]
)
group = Group.objects.get(pk=%(group)d)
print(json.dumps({
    "rsvp_count": action.rsvp_count,
    "capacity": action.capacity,
    "confirmed": confirmed,
    "participations": Participation.objects.filter(action=action).count(),
    "emailed": emailed,
    "posted": list(Action.objects.filter(title__startswith="Posted under load ")
                   .values_list("title", flat=True)),
    "stage": group.stage,
    "moves_to_producing": StageChange.objects.filter(group=group, to_stage="producing").count(),
}))
"""


@dataclass
class Outcome:
    kind: str
    started: float
    ended: float
    status: int  # 0: no HTTP answer at all
    body: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _opener(session: str | None = None):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    if session:
        jar.set_cookie(
            http.cookiejar.Cookie(
                0, "sessionid", session, None, False, "127.0.0.1", False, False, "/", True,
                False, None, False, None, None, {},
            )
        )  # fmt: skip
    return opener


def _call(opener, url: str, data: dict | None = None, headers: dict | None = None):
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers or {})  # noqa: S310
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        # A redirect answers with where it goes.
        return error.code, error.headers.get("Location") or error.read().decode()
    except OSError as problem:
        return 0, repr(problem)


def _token(page: str) -> str | None:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    return found.group(1) if found else None


@pytest.fixture
def gunicorn_on(private_postgres):
    """Start gunicorn on a fresh database of the private cluster; yields (base URL, seed)."""
    database = private_postgres.create_database("coalition_restart")
    env = django_env(
        DATABASE_URL=database,
        SECRET_KEY=SECRET_KEY,
        CONN_MAX_AGE="60",
        TRUST_X_FORWARDED_FOR="true",
    )
    seed = run_django(SEED % {"capacity": CAPACITY}, env)
    port = free_port()
    with tempfile.TemporaryFile(mode="w+") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "coalition.wsgi", "-b", f"127.0.0.1:{port}",
             "-w", "2", "-k", "gthread", "--threads", "4", "--timeout", "30"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 30
            while not _answers(port):
                if server.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail("gunicorn did not start:\n" + log.read())
                time.sleep(0.1)
            yield f"http://127.0.0.1:{port}", seed, env
        finally:
            server.terminate()
            server.wait(timeout=30)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_postgres_restart_under_load_fails_cleanly_recovers_alone_and_leaves_no_half_writes(
    private_postgres, gunicorn_on
):
    base, seed, env = gunicorn_on
    action_url = f"{base}/actions/{seed['action']}/"
    rsvp_url = f"{action_url}rsvp/"
    outcomes: list[Outcome] = []
    stop = threading.Event()
    lock = threading.Lock()

    def record(kind: str, started: float, status: int, body: str) -> None:
        with lock:
            outcomes.append(Outcome(kind, started, time.monotonic(), status, body))

    def reader(n: int) -> None:
        opener = _opener()
        while not stop.is_set():
            for url in (action_url, f"{base}/actions/", f"{base}/healthz"):
                started = time.monotonic()
                record("read", started, *_call(opener, url))

    def rsvper(n: int) -> None:
        opener = _opener()
        token = None
        i = 0
        while not stop.is_set():
            started = time.monotonic()
            if token is None:
                status, page = _call(opener, rsvp_url)
                record("rsvp form", started, status, page)
                token = _token(page) if status == 200 else None
                continue
            i += 1
            form = {"csrfmiddlewaretoken": token, "name": f"Visitor {n}-{i}",
                    "email": f"visitor-{n}-{i}@example.org", "consent": "on"}  # fmt: skip
            # A fresh address for each: the per-address RSVP limit is not under test.
            headers = {"X-Forwarded-For": f"10.9.{n}.{i % 250}"}
            record("rsvp", started, *_call(opener, rsvp_url, form, headers))
            time.sleep(0.05)

    def poster(n: int) -> None:
        opener = _opener(seed["session"])
        token = None
        i = 0
        day = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 7 * 86400))
        while not stop.is_set() and i < 18:  # under the 20-an-hour posting limit
            started = time.monotonic()
            if token is None:
                status, page = _call(opener, f"{base}/actions/new/")
                record("post form", started, status, page)
                token = _token(page) if status == 200 else None
                continue
            i += 1
            form = {"csrfmiddlewaretoken": token, "group": seed["group"],
                    "title": f"Posted under load {n}-{i}", "kind": "event",
                    "place": seed["place"], "starts_at": f"{day}T10:30",
                    "ends_at": f"{day}T12:30", "visibility": "public", "capacity": "10",
                    "description": "", "tactic": "", "address": "", "latitude": "",
                    "longitude": ""}  # fmt: skip
            record("post", started, *_call(opener, f"{base}/actions/new/", form))
            time.sleep(0.2)

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(READERS)]
    threads += [threading.Thread(target=rsvper, args=(n,)) for n in range(RSVPERS)]
    threads += [threading.Thread(target=poster, args=(n,)) for n in range(POSTERS)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(RESTART_AFTER)
        restart_began = time.monotonic()
        private_postgres.restart()
        restart_ended = time.monotonic()
        # Recovery by itself: nobody touches gunicorn; the next requests must succeed.
        deadline = restart_ended + RECOVERY
        recovered_at = None
        probe = _opener()
        while time.monotonic() < deadline:
            if _call(probe, action_url)[0] == 200:
                recovered_at = time.monotonic()
                break
            time.sleep(0.1)
        time.sleep(AFTER)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

    assert recovered_at is not None, f"no 200 within {RECOVERY} s of the restart"
    assert not any(thread.is_alive() for thread in threads)
    # The restart really happened under load.
    assert any(o.started < restart_ended and o.ended > restart_began for o in outcomes)
    # gunicorn itself never went away: every request got an HTTP answer.
    assert [o for o in outcomes if o.status == 0] == []
    failures = [o for o in outcomes if o.status >= 500]
    for failure in failures:
        assert failure.status in {500, 503}
        # Pages answer the error page; /healthz answers its own JSON naming the database.
        assert (
            "Something went wrong on our side" in failure.body
            or '"database": "unreachable"' in failure.body
        )
        assert "Traceback" not in failure.body
    # After recovery, everything succeeds.
    late = [o for o in outcomes if o.started >= recovered_at]
    assert late, "no load after the recovery"
    assert [(o.kind, o.status) for o in late if o.status >= 500] == []
    expected = {"read": {200}, "rsvp form": {200}, "post form": {200},
                "rsvp": {302, 400}, "post": {302}}  # fmt: skip
    unexpected = [
        (o.kind, o.status, o.body[:200])
        for o in outcomes
        if o.status < 500 and o.status not in expected[o.kind]
    ]
    assert unexpected == []
    rsvps_ok = sum(o.kind == "rsvp" and o.status == 302 for o in outcomes)
    rsvps_tried = sum(o.kind == "rsvp" for o in outcomes)
    posts_ok = sum(o.kind == "post" and o.status == 302 for o in outcomes)
    posts_tried = sum(o.kind == "post" for o in outcomes)
    assert rsvps_ok > 0 and posts_ok > 0

    state = run_django(CHECK % {"action": seed["action"], "group": seed["group"]}, env)

    # Places counted are exactly the confirmed RSVPs, never over capacity.
    assert state["rsvp_count"] == len(state["confirmed"]) == state["participations"]
    assert state["rsvp_count"] <= state["capacity"]
    # An answer may be lost after the commit, never a commit after a failed answer.
    assert rsvps_ok <= len(state["confirmed"]) <= rsvps_tried
    assert posts_ok <= len(state["posted"]) <= posts_tried
    # Each RSVP committed with its one confirmation email, and no email without its RSVP.
    assert state["emailed"] == state["confirmed"]
    # The first action moved the group to "producing", recorded once.
    assert state["stage"] == "producing"
    assert state["moves_to_producing"] == 1

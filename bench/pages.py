"""Page-speed benchmark: how fast Coalition's pages are under load, next to a floor.

One command (``make bench``, or ``python -m bench.pages --help``) prepares a
database with the demo coalition (or the scale data), starts gunicorn on a
free loopback port and measures every page a weaver, a steering member, a
group admin or the public opens (``PAGES``), each as that person. First a
single-request pass: each page's median over sequential warm requests, against
the issue's 30 ms (50 ms for the dashboard). Then load from a separate client
process: one table of requests, timeouts, p50/p95 latency, throughput, queries
per request, each page's p50 as a multiple of the "floor" (a trivial view
behind the same middleware, served by the same server in the same run), the
workers' memory after each page and the target verdict. The same figures go
to ``bench/results/pages-<timestamp>.json``. See bench/README.md.

New pages are measured by adding them to ``PAGES`` with who opens them; a
request slower than ``--timeout`` is counted as a timeout, never waited for.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import logging
import math
import multiprocessing
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections import Counter
from http.cookies import SimpleCookie
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlencode, urlsplit

from bench import parts

REPO = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO / "bench" / "results"
# The gunicorn next to the interpreter running us, i.e. the project's venv.
GUNICORN = Path(sys.executable).parent / "gunicorn"
HOST = "127.0.0.1"


class Page(NamedTuple):
    """One measured page: its name in the table, its path, and who opens it.

    ``who`` is "" for a page the public opens (requested anonymously, or as
    ``--login`` when given), else a key of ``LOGINS``: that person is logged
    in for this page whatever ``--login`` says.
    """

    name: str
    path: str
    who: str = ""
    # Statuses that are the page's right answer here.
    expect: tuple[int, ...] = (200,)


# Who opens the pages behind login: the demo logins (coalition/demo.py), which
# seed_scale keeps, and which seed_scale makes admin of a scale group too.
LOGINS = {
    "weaver": "weaver@example.org",
    "steering": "steering@example.org",  # steering committee and coordinator
    "group-admin": "group-admin@example.org",
}

# Every page a weaver, a steering member, a group admin or the public opens,
# over the demo data (``make bench``) or the scale data (``--scale-data``).
# The floor comes first: every other row is compared with it. {placeholders}
# are filled from the database when the run starts (``fill_paths``); a page
# whose object is missing (no report built yet, an API not built) is left out
# with a note, never for being slow: a slow page shows its timeouts.
PAGES: list[Page] = [
    Page("floor", "/bench/floor"),
    # The public.
    Page("home", "/"),
    # 503 "scheduler never ticked": the bench runs a worker but no beat, so that
    # scheduled jobs (the rollups at scale take minutes) never run under the load.
    Page("healthz", "/healthz", expect=(200, 503)),
    Page("statement", "/statement/"),
    Page("actions", "/actions/"),
    # A deep page of the list (clamped to the last page on small data).
    # 15,000 rows into the past actions: the position a "Next" link 750 pages in carries.
    Page("actions-deep", "/actions/?after={deep_after}"),
    Page("action", "/actions/{action}/"),
    Page("map", "/actions/map/"),
    Page("map-data", "/actions/map/data.geojson?bbox={city_bbox}"),
    Page("feed", "/actions/feed.atom"),
    Page("calendar", "/actions/calendar.ics"),
    Page("support", "/actions/support/"),
    Page("playbook", "/playbook/"),
    Page("tactic", "/playbook/{tactic}/"),
    Page("days", "/days/"),
    Page("day", "/days/{day}/"),
    Page("day-events", "/days/{day}/events.geojson?bbox={city_bbox}"),
    Page("group", "/groups/{group}/"),
    Page("impact", "/impact/"),
    Page("moderation-log", "/moderation/log/"),
    Page("api-actions", "/api/v1/actions/"),
    Page("api-groups", "/api/v1/groups/"),
    Page("api-events", "/api/v1/events/"),
    Page("api-days", "/api/v1/days/"),
    Page("osdi-events", "/api/osdi/v1/events"),
    # A weaver.
    Page("weave", "/weave/", "weaver"),
    Page("weave-groups", "/weave/groups/", "weaver"),
    Page("weave-group", "/weave/groups/{group}/", "weaver"),
    Page("weave-thin", "/weave/thin/", "weaver"),
    Page("weave-ladder", "/weave/ladder/", "weaver"),
    Page("weave-person", "/weave/people/{person}/", "weaver"),
    Page("outreach", "/weave/outreach/", "weaver"),
    Page("meetings", "/meetings/", "weaver"),
    Page("inbox", "/me/notifications/", "weaver"),
    # A steering member (also a coordinator in the demo).
    Page("dashboard", "/dashboard/", "steering"),
    Page("dashboard-place", "/dashboard/?place={city}", "steering"),
    Page("wins", "/dashboard/wins/", "steering"),
    Page("signals", "/dashboard/signals/", "steering"),
    Page("reports", "/dashboard/reports/", "steering"),
    Page("report", "/dashboard/reports/{report}/", "steering"),
    Page("schedules", "/dashboard/reports/schedules/", "steering"),
    Page("coordinate", "/days/{day}/coordinate/", "steering"),
    # A group admin.
    Page("my-groups", "/me/groups/", "group-admin"),
    Page("group-edit", "/groups/{admin_group}/edit/", "group-admin"),
    Page("group-members", "/groups/{admin_group}/members/", "group-admin"),
    Page("action-new", "/actions/new/", "group-admin"),
    Page("action-edit", "/actions/{admin_action}/edit/", "group-admin"),
    Page("rsvps", "/actions/{admin_action}/rsvps/", "group-admin"),
]
FLOOR = PAGES[0]
# The same list over the scale data; kept as a name of its own for callers.
SCALE_PAGES = PAGES
OPTIONAL_PREFIXES = ("/api/",)
# The issue's targets, checked in the tables' last columns.
TARGET_P95_MS = 50.0
TARGET_RATIO = 3.0
TARGET_RSS_MB = 150.0
# Single requests, sequential and warm: the median of each page.
TARGET_SINGLE_MS = 30.0
TARGET_SINGLE_MS_BY_NAME = {"dashboard": 50.0, "dashboard-place": 50.0}

# Repeated here rather than imported from coalition.demo, because the client
# side must not need Django set up. Public by design, demo logins only.
DEMO_PASSWORD = "coalition-demo"
LOGIN_PATH = "/accounts/login/"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')


# --------------------------------------------------------------------------
# Options and environment
# --------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    known = ", ".join(page.name for page in PAGES)
    parser = argparse.ArgumentParser(
        prog="python -m bench.pages",
        description="Load-test Coalition's pages through gunicorn and compare each to a floor.",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="database to migrate, seed and serve from "
        "(default: $DATABASE_URL, else a fresh SQLite file under /tmp)",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("REDIS_URL", ""),
        help="Redis for the shared cache (default: $REDIS_URL, else none)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--concurrency", type=int, default=8, help="client threads in flight (default 8)"
    )
    parser.add_argument(
        "--duration", type=float, default=10.0, help="seconds of load per page (default 10)"
    )
    parser.add_argument(
        "--warmup", type=float, default=1.0, help="seconds of discarded load per page (default 1)"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        help="seconds one request may take before it counts as a timeout (default 10); "
        "gunicorn kills a worker whose request runs this long plus 5 s",
    )
    parser.add_argument(
        "--single",
        type=int,
        default=20,
        help="sequential warm requests per page in the single-request pass (default 20; "
        "0 skips the pass)",
    )
    parser.add_argument(
        "--paths",
        default="",
        help=f"comma list of page names or paths, or name=path (default: all of {known}); "
        "the floor is always added",
    )
    parser.add_argument(
        "--login",
        metavar="EMAIL",
        default="",
        help="request the public pages as this demo login (password coalition-demo) "
        "instead of anonymously; pages behind login always use their own login",
    )
    parser.add_argument(
        "--scale-data",
        action="store_true",
        help="measure the pages over manage.py seed_scale's data "
        "(seeded on the first run only; needs PostgreSQL)",
    )
    parser.add_argument(
        "--seed-args",
        default="",
        help='options for seed_scale on the first run, e.g. "--scale 0.1" (default: full size)',
    )
    parser.add_argument(
        "--worker",
        action="store_true",
        help="run a Celery worker on the Redis broker during the load (needs --redis-url)",
    )
    parser.add_argument(
        "--smtp",
        action="store_true",
        help="run a local SMTP sink on loopback and send the app's email to it",
    )
    args = parser.parse_args(argv)
    if args.scale_data and database_kind(args.database_url) != "postgresql":
        parser.error("--scale-data needs --database-url postgres://…")
    if args.worker and not args.redis_url:
        parser.error("--worker needs --redis-url (or REDIS_URL)")
    if args.workers < 1 or args.concurrency < 1 or args.duration <= 0 or args.warmup < 0:
        parser.error("need --workers, --concurrency >= 1, --duration > 0, --warmup >= 0")
    if args.timeout <= 0 or args.single < 0:
        parser.error("need --timeout > 0 and --single >= 0")
    try:
        args.pages = choose_pages(args.paths)
    except ValueError as error:
        parser.error(str(error))
    return args


def choose_pages(spec: str, known: list[Page] | None = None) -> list[Page]:
    """The pages to measure, floor first, from ``--paths``."""
    known = PAGES if known is None else known
    if not spec.strip():
        return list(known)
    by_name = {page.name: page for page in known}
    chosen: list[Page] = [FLOOR]
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        if "=" in item:
            name, path = (half.strip() for half in item.split("=", 1))
            page = Page(name, path, by_name[name].who if name in by_name else "")
        elif item in by_name:
            page = by_name[item]
        elif item.startswith("/"):
            page = Page(item, item)
        else:
            raise ValueError(f"--paths: {item!r} is neither a known page nor a path")
        if not page.path.startswith("/"):
            raise ValueError(f"--paths: {page.path!r} must start with /")
        if page not in chosen:
            chosen.append(page)
    return chosen


def database_kind(url: str) -> str:
    scheme = urlsplit(url).scheme.lower() if url else "sqlite"
    if scheme.startswith("postgres") or scheme == "pgsql":
        return "postgresql"
    if scheme.startswith("sqlite"):
        return "sqlite"
    return scheme


def redact(url: str) -> str:
    """The URL without its password, for the report."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def bench_environment(args: argparse.Namespace, scratch: Path) -> tuple[dict[str, str], str]:
    """The environment shared by migrate, gunicorn and the query counter.

    Returns it with a description of the database for the report.
    """
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "COALITION_ENV": "development",
            # DEBUG on keeps every query in memory and changes error handling;
            # production behaves like DEBUG off, so measure that.
            "DEBUG": "false",
            "ALLOWED_HOSTS": HOST,
            # Many logins and requests from one address in seconds would trip
            # allauth's throttles.
            "RATE_LIMITS": "false",
            # The API's throttles would answer 429 within a second of load; per
            # second, so the history each request reads is a second of requests.
            "API_THROTTLE_ANON": "1000000/second",
            "API_THROTTLE_USER": "1000000/second",
            # Plain HTTP on loopback: no redirect to https, cookies sent back.
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            # Development settings invent a key per process; each gunicorn
            # worker would then reject the others' session cookies.
            "SECRET_KEY": secrets.token_urlsafe(50),
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    url = args.database_url
    if not url or database_kind(url) == "sqlite":
        # SQLITE_PATH rather than a sqlite:// DATABASE_URL, so the app's own
        # SQLite options (WAL, immediate transactions) are what gets measured.
        path = sqlite_path(url) if url else scratch / "bench.sqlite3"
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = str(path)
        described = f"sqlite:///{path}"
    else:
        env["DATABASE_URL"] = url
        env.pop("SQLITE_PATH", None)
        described = redact(url)
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    else:
        env.pop("REDIS_URL", None)
    return env, described


def sqlite_path(url: str) -> Path:
    # sqlite:////abs/path.db is absolute, sqlite:///rel.db relative to the repo,
    # as dj-database-url reads them.
    path = urlsplit(url).path[1:]
    if not path or path == ":memory:":
        raise SystemExit("bench: SQLite needs a file (gunicorn workers are separate processes)")
    return (REPO / path).resolve()


def ensure_postgres_database(url: str) -> None:
    """Create the database named in ``url`` if it does not exist yet."""
    import dj_database_url
    import psycopg2
    from psycopg2 import sql

    config = dj_database_url.parse(url)
    params = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
    }
    name = config["NAME"]
    # CREATE DATABASE needs a connection to another database and no transaction.
    connection = psycopg2.connect(dbname="postgres", **params)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                print(f"  created PostgreSQL database {name}")
    finally:
        connection.close()


def prepare_database(env: dict[str, str], *, scale: bool = False, seed_args: str = "") -> None:
    """Migrate, then the demo data, or with ``scale`` the scale data unless it is there.

    Seeding the scale data takes minutes, so it happens once per database;
    ``--if-missing`` makes seed_scale a no-op on later runs.
    """
    seed = ["seed_scale", "--if-missing", *seed_args.split()] if scale else ["seed_demo"]
    for command in (["migrate", "--no-input"], seed):
        done = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            sys.stderr.write(done.stdout + done.stderr)
            raise SystemExit(f"bench: manage.py {' '.join(command)} failed")
        if scale and command[0] == "seed_scale":
            # Its per-table timings, when it ran.
            sys.stdout.write(done.stdout)


def fill_paths(pages: list[Page]) -> tuple[list[Page], list[str]]:
    """The pages with their {placeholders} filled from the database (Django set up).

    Objects of the scale data are preferred where there are any, so the pages
    measured are the big ones; on the demo data the demo's own are used.
    Returns the pages and notes on what was left out: a page whose object is
    not in the database, or under an optional prefix (the API) that does not
    resolve yet.
    """
    from django.urls import Resolver404, resolve

    from actions.models import Action, Tactic
    from coalition.models import Place, PlaceKind
    from convergence.models import DayOfAction
    from members.models import Group, Membership
    from reporting.models import Report

    def first(queryset, field: str, scale: dict | None = None):
        """``field`` of the first row, from the scale data's rows when there are any."""
        if scale:
            found = queryset.filter(**scale).values_list(field, flat=True).first()
            if found is not None:
                return found
        return queryset.values_list(field, flat=True).first()

    public = Action.objects.filter(visibility="public", hidden_at__isnull=True)
    action = first(
        public.filter(amplifications__isnull=False).order_by("-id"),
        "id",
        {"description__startswith": "Invented action"},
    )
    day = first(
        DayOfAction.objects.filter(status="open").order_by("-starts_at"),
        "slug",
        {"slug__startswith": "scale-"},
    ) or first(DayOfAction.objects.order_by("-starts_at"), "slug")
    city = first(
        Place.objects.filter(kind=PlaceKind.CITY, latitude__isnull=False).order_by("id"),
        "id",
        {"name__startswith": "Scale City"},
    )
    group = first(
        Group.objects.filter(listing_consent=True, signed_version__isnull=False).order_by("id"),
        "slug",
        {"slug__startswith": "scale-"},
    )
    admin_groups = Membership.objects.filter(
        person__email=LOGINS["group-admin"], role="admin"
    ).order_by("group_id")
    admin_group_id = first(admin_groups, "group_id", {"group__slug__startswith": "scale-"})
    admin_action = first(
        Action.objects.filter(host_group_id=admin_group_id).order_by("-rsvp_count", "-id"), "id"
    )
    person = first(
        Membership.objects.filter(group__signed_version__isnull=False).order_by("id"),
        "person_id",
        {"group__slug__startswith": "scale-"},
    )
    values: dict[str, object] = {
        "action": action,
        "day": day,
        "city": city,
        "group": group,
        "admin_group": first(Group.objects.filter(pk=admin_group_id), "slug"),
        "admin_action": admin_action,
        "person": person,
        "tactic": first(Tactic.objects.order_by("id"), "slug"),
        "report": first(Report.objects.order_by("-id"), "id"),
        "city_bbox": "-5,54,-4,55",
        "deep_after": _deep_position(public),
    }
    if city is not None:
        place = Place.objects.get(pk=city)
        lat, lon = float(place.latitude), float(place.longitude)
        # About 30 km across: a city and its surroundings.
        values["city_bbox"] = f"{lon - 0.2:.2f},{lat - 0.15:.2f},{lon + 0.2:.2f},{lat + 0.15:.2f}"
    filled, notes = [], []
    for page in pages:
        wanted = re.findall(r"{(\w+)}", page.path)
        missing = [key for key in wanted if values.get(key) is None]
        if missing:
            notes.append(
                f"{page.name} {page.path}: no {', '.join(missing)} in this database, left out"
            )
            continue
        path = page.path.format(**values)
        if path.startswith(OPTIONAL_PREFIXES):
            try:
                match = resolve(urlsplit(path).path)
            except Resolver404:
                match = None
            # The API answers unknown addresses with its own 404 view.
            if match is None or not match.url_name or match.url_name == "not_found":
                notes.append(f"{page.name} {path}: not built yet, left out")
                continue
        filled.append(page._replace(path=path))
    return filled, notes


def _deep_position(public) -> str | None:
    """The signed listing position of the past action 15,000 rows in (or the last one)."""
    from django.utils import timezone

    from actions.selectors_listing import ListingKey

    past = public.filter(ends_at__lt=timezone.now()).order_by("-starts_at", "-id")
    row = past.values_list("starts_at", "id")[15_000:15_001].first() or (
        past.reverse().values_list("starts_at", "id").first()
    )
    if row is None:
        return None
    return ListingKey(past=True, starts_at=row[0], pk=row[1]).dumps()


# --------------------------------------------------------------------------
# Queries per request (in this process, through Django's test client)
# --------------------------------------------------------------------------


def login_for(page: Page, login: str) -> str:
    """The email the page is requested as ("" for anonymous)."""
    return LOGINS[page.who] if page.who else login


class PageTimeout(Exception):
    """A page took longer than ``--timeout`` in the test client."""


@contextlib.contextmanager
def deadline(seconds: float):
    """Raise PageTimeout in this (main) thread after ``seconds``."""

    def expire(signum: int, frame: object) -> None:
        raise PageTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def count_queries(
    pages: list[Page], login: str, timeout: float
) -> dict[str, dict[str, int | None]]:
    """Queries and status of one request per page, after one unmeasured request.

    The unmeasured request fills per-process caches the way the warm-up does
    for the server, so the count is the steady state the load test sees. It is
    deterministic, unlike anything timed. A page slower than ``timeout`` is
    given up (status None) rather than waited for.
    """
    import django

    # Whitenoise warns that collectstatic has not run; static files are not
    # what this measures (pytest ignores the same warning).
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    django.setup()
    from django.conf import settings
    from django.db import OperationalError, connection, connections

    # What building each page costs: a page answered from the page cache runs none.
    settings.PAGE_CACHE_SECONDS = 0
    from django.db.backends.signals import connection_created
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    def cap_statements(sender, connection, **kwargs) -> None:
        # The alarm below reaches Python only between statements; PostgreSQL
        # cancels a single statement that runs past the deadline itself.
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET statement_timeout = %s", [int(timeout * 1000)])

    connection_created.connect(cap_statements, weak=False)
    # Django logs the timeout as a server error before the client re-raises
    # it; the harness reports it in one line instead.
    logging.getLogger("django.request").addFilter(
        lambda record: not (record.exc_info and record.exc_info[0] is PageTimeout)
    )
    clients: dict[str, Client] = {}

    def client_for(email: str) -> Client:
        if email not in clients:
            # The test client's default host, "testserver", is not in ALLOWED_HOSTS.
            client = Client(HTTP_HOST=HOST)
            if email:
                response = client.post(LOGIN_PATH, {"login": email, "password": DEMO_PASSWORD})
                if response.status_code != 302:
                    raise SystemExit(
                        f"bench: logging in as {email} failed ({response.status_code})"
                    )
            clients[email] = client
        return clients[email]

    counts: dict[str, dict[str, int | None]] = {}
    try:
        for page in pages:
            client = client_for(login_for(page, login))
            try:
                with deadline(timeout):
                    client.get(page.path)
                with deadline(timeout), CaptureQueriesContext(connection) as captured:
                    response = client.get(page.path)
            except (PageTimeout, OperationalError) as error:
                if isinstance(error, OperationalError) and "statement timeout" not in str(error):
                    raise
                # The connection may be mid-query: start the next page on a fresh one.
                connections.close_all()
                counts[page.name] = {"queries": None, "status": None}
                print(f"bench: {page.name} took over {timeout:g} s in the test client")
                continue
            counts[page.name] = {
                "queries": len(captured.captured_queries),
                "status": response.status_code,
            }
    finally:
        # Do not hold a PostgreSQL connection open while the server is measured.
        connections.close_all()
    return counts


# --------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start_gunicorn(
    env: dict[str, str], port: int, workers: int, log: Path, timeout: float = 60.0
) -> subprocess.Popen:
    command = [
        str(GUNICORN),
        "coalition.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        # No access log (the default, said out loud): writing a line per
        # request would be measured too. No control socket, so nothing is
        # left in the home directory and parallel runs do not collide.
        "--no-control-socket",
        "--error-logfile",
        "-",
        "--log-level",
        "warning",
        # A worker still busy this long after the client gave up is killed
        # (and replaced), so a page that times out does not keep the next
        # page's requests waiting behind it.
        "--timeout",
        str(math.ceil(timeout)),
    ]
    with log.open("wb") as sink:
        # Own session: the harness decides when gunicorn stops, in order, even
        # when Ctrl-C reaches the whole terminal's process group.
        return subprocess.Popen(
            command,
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_until_serving(server: subprocess.Popen, port: int, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        with contextlib.suppress(OSError, http.client.HTTPException):
            connection = http.client.HTTPConnection(HOST, port, timeout=5)
            try:
                connection.request("GET", FLOOR[1])
                if connection.getresponse().status == 200:
                    return
            finally:
                connection.close()
        time.sleep(0.2)
    sys.stderr.write(log.read_text(errors="replace")[-4000:])
    raise SystemExit("bench: gunicorn did not start serving (its log is above)")


def stop_gunicorn(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    server.terminate()  # graceful: the master stops its workers
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        # Only our own process group: the master and the workers it forked.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def worker_rss_mb(master_pid: int) -> dict[int, float]:
    """Resident memory of each gunicorn worker (the master's children), in MB."""
    children: list[int] = []
    listing = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    if listing.exists():
        children = [int(pid) for pid in listing.read_text().split()]
    else:
        # Kernels without CONFIG_PROC_CHILDREN: find the children by PPid.
        for status in Path("/proc").glob("[0-9]*/status"):
            with contextlib.suppress(OSError):
                fields = dict(
                    line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
                )
                if int(fields.get("PPid", "0")) == master_pid:
                    children.append(int(status.parent.name))
    rss: dict[int, float] = {}
    for pid in children:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss[pid] = int(line.split()[1]) / 1024  # kB to MB
    return rss


# --------------------------------------------------------------------------
# The client (runs in a separate process, without Django)
# --------------------------------------------------------------------------


def log_in(port: int, email: str, timeout: float = 30.0) -> str:
    """Log in through allauth's form like a browser; the Cookie header to send."""
    jar: dict[str, str] = {}

    def remember(response: http.client.HTTPResponse) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for key, morsel in cookie.items():
                if morsel.value and morsel["max-age"] != "0":
                    jar[key] = morsel.value
                else:  # deleted, as a browser would
                    jar.pop(key, None)

    def cookie_header() -> str:
        return "; ".join(f"{key}={value}" for key, value in jar.items())

    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", LOGIN_PATH)
        response = connection.getresponse()
        page = response.read().decode("utf-8", "replace")
        remember(response)
        token = CSRF_INPUT.search(page)
        if response.status != 200 or token is None or "csrftoken" not in jar:
            raise SystemExit(f"bench: no login form at {LOGIN_PATH} ({response.status})")
        form = urlencode(
            {"login": email, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token.group(1)}
        )
        connection.request(
            "POST",
            LOGIN_PATH,
            body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": cookie_header(),
            },
        )
        response = connection.getresponse()
        response.read()
        remember(response)
        # A successful login redirects and sets a fresh session cookie; a failed
        # one re-renders the form with 200.
        if response.status != 302 or "sessionid" not in jar:
            raise SystemExit(f"bench: logging in as {email} failed ({response.status})")
        # The page after the login shows "Successfully signed in" and clears the
        # message's cookie, as a browser's next page would: a measured page must
        # not show it again on every request.
        connection.request("GET", response.headers["Location"], headers={"Cookie": cookie_header()})
        landing = connection.getresponse()
        landing.read()
        remember(landing)
    finally:
        connection.close()
    return cookie_header()


def closed_loop(
    port: int, path: str, cookie: str, threads: int, seconds: float, timeout: float = 30.0
) -> dict[str, Any]:
    """``threads`` clients, each sending its next request when the last one ends.

    Each thread keeps one connection; http.client reconnects by itself when the
    server closes it (gunicorn's sync workers close after every response), and
    that reconnect is part of the measured time, as it would be for a browser.
    A request unanswered after ``timeout`` seconds is given up and counted as
    a timeout, with ``timeout`` as its time (so p50 and p95 show it).
    """
    headers = {"Cookie": cookie} if cookie else {}
    latencies: list[list[float]] = [[] for _ in range(threads)]
    statuses: list[Counter[int]] = [Counter() for _ in range(threads)]
    failures = [0] * threads
    timeouts = [0] * threads
    finished = [0.0] * threads
    start_line = threading.Barrier(threads + 1)
    timing: dict[str, float] = {}

    def client(index: int) -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
        mine, seen = latencies[index], statuses[index]
        start_line.wait()
        deadline = timing["deadline"]
        try:
            while True:
                began = time.perf_counter()
                if began >= deadline:
                    break
                try:
                    connection.request("GET", path, headers=headers)
                    response = connection.getresponse()
                    response.read()
                except TimeoutError:
                    timeouts[index] += 1
                    mine.append(timeout)
                    connection.close()
                    continue
                except (OSError, http.client.HTTPException):
                    failures[index] += 1
                    connection.close()
                    time.sleep(0.01)  # a dead server should not spin a core
                    continue
                mine.append(time.perf_counter() - began)
                seen[response.status] += 1
        finally:
            connection.close()
            finished[index] = time.perf_counter()

    workers = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(threads)]
    for worker in workers:
        worker.start()
    timing["start"] = time.perf_counter()
    timing["deadline"] = timing["start"] + seconds
    start_line.wait()
    for worker in workers:
        worker.join()
    total_statuses: Counter[int] = Counter()
    for seen in statuses:
        total_statuses.update(seen)
    return {
        "latencies": [value for mine in latencies for value in mine],
        "statuses": dict(total_statuses),
        "failures": sum(failures),
        "timeouts": sum(timeouts),
        # Requests in flight at the deadline still count, so the elapsed time
        # runs until the last of them ends.
        "elapsed": max(finished) - timing["start"],
    }


def client_process(
    pipe: Connection,
    port: int,
    path: str,
    cookie: str,
    threads: int,
    warmup: float,
    seconds: float,
    timeout: float,
) -> None:
    """Entry point of the load process: warm the page, measure it, send the figures back."""
    # Ctrl-C is the parent's to handle; it ends this process itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if warmup > 0:
        # Enough concurrent requests that every worker has served the page.
        closed_loop(port, path, cookie, threads, warmup, timeout)
    pipe.send(closed_loop(port, path, cookie, threads, seconds, timeout))
    pipe.close()


def load_page(
    port: int, path: str, cookie: str, threads: int, warmup: float, seconds: float, timeout: float
) -> dict[str, Any]:
    # spawn: a fresh interpreter, nothing inherited from this Django-loaded one.
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=client_process,
        args=(sender, port, path, cookie, threads, warmup, seconds, timeout),
        name=f"bench-client {path}",
    )
    process.start()
    sender.close()  # so recv() sees EOF if the client dies
    try:
        return receiver.recv()
    except EOFError:
        raise SystemExit(f"bench: the load process for {path} died") from None
    finally:
        receiver.close()
        if process.is_alive():
            process.terminate()
        process.join()


def sequential(
    port: int, path: str, cookie: str, warm: int, count: int, timeout: float, fresh: bool = True
) -> dict[str, Any]:
    """One client, one request at a time: ``warm`` unmeasured requests, then ``count``.

    The single-request figure a person sees on an idle server. Gives up on the
    page at its first timeout (the rest would time out too). ``fresh`` asks for
    the page to be built (``Cache-Control: no-cache``, a browser's hard reload),
    never answered from the page cache; without it the figure is a page kept
    by coalition/page_cache.py.
    """
    headers = {"Cookie": cookie} if cookie else {}
    if fresh:
        headers["Cache-Control"] = "no-cache"
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    for index in range(warm + count):
        connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
        began = time.perf_counter()
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
        except TimeoutError:
            return {"latencies": latencies, "statuses": dict(statuses), "timeout": True}
        finally:
            connection.close()
        if index >= warm:
            latencies.append(time.perf_counter() - began)
            statuses[response.status] += 1
    return {"latencies": latencies, "statuses": dict(statuses), "timeout": False}


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------


def percentile(ordered: list[float], share: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(share / 100 * len(ordered)))
    return ordered[rank - 1]


def summarise(page: Page, raw: dict[str, Any], queries: dict[str, Any], email: str) -> dict:
    ordered = sorted(raw["latencies"])
    errors = (
        raw["failures"]
        + raw.get("timeouts", 0)
        + sum(n for code, n in raw["statuses"].items() if code not in page.expect)
    )
    return {
        "name": page.name,
        "expect": list(page.expect),
        "path": page.path,
        "login": email or None,
        "requests": len(ordered),
        "errors": errors,
        "timeouts": raw.get("timeouts", 0),
        "statuses": {str(code): n for code, n in sorted(raw["statuses"].items())},
        "p50_ms": percentile(ordered, 50) * 1000,
        "p95_ms": percentile(ordered, 95) * 1000,
        "requests_per_second": len(ordered) / raw["elapsed"] if raw["elapsed"] else 0.0,
        "queries_per_request": queries["queries"],
        "status_in_test_client": queries["status"],
        "max_worker_rss_mb_after": round(raw.get("rss_after", math.nan), 1),
        # The same page answered from the page cache (no Cache-Control: no-cache).
        "kept_median_ms": statistics.median(raw["kept"]) * 1000 if raw.get("kept") else math.nan,
    }


def summarise_single(page: Page, raw: dict[str, Any]) -> dict:
    ordered = sorted(raw["latencies"])
    target = single_target_ms(page.name)
    median = statistics.median(ordered) * 1000 if ordered else math.nan
    return {
        "name": page.name,
        "path": page.path,
        "requests": len(ordered),
        "statuses": {str(code): n for code, n in sorted(raw["statuses"].items())},
        "timeout": raw["timeout"],
        "median_ms": median,
        "min_ms": ordered[0] * 1000 if ordered else math.nan,
        "max_ms": ordered[-1] * 1000 if ordered else math.nan,
        "target_ms": target,
        "ok": not raw["timeout"] and bool(ordered) and median <= target,
        "max_worker_rss_mb_after": round(raw.get("rss_after", math.nan), 1),
        # The same page answered from the page cache (no Cache-Control: no-cache).
        "kept_median_ms": statistics.median(raw["kept"]) * 1000 if raw.get("kept") else math.nan,
    }


def single_target_ms(name: str) -> float:
    return TARGET_SINGLE_MS_BY_NAME.get(name, TARGET_SINGLE_MS)


def _render(header: tuple[str, ...], lines: list[tuple[str, ...]], left: int) -> list[str]:
    widths = [max(len(cells[i]) for cells in [header, *lines]) for i in range(len(header))]

    def render(cells: tuple[str, ...]) -> str:
        # Names left-aligned, figures right-aligned.
        return "  ".join(
            cell.ljust(width) if i < left else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        )

    rule = "  ".join("-" * width for width in widths)
    return [render(header), rule, *(render(cells) for cells in lines), rule]


def who_label(email: str | None) -> str:
    for role, address in LOGINS.items():
        if email == address:
            return role
    return email or "public"


def table(rows: list[dict], max_rss: float) -> str:
    header = (
        "page",
        "path",
        "as",
        "requests",
        "errors",
        "timeouts",
        "p50 ms",
        "p95 ms",
        "req/s",
        "queries",
        "x floor",
        "rss MB",
        "target",
    )
    lines = [
        (
            row["name"],
            row["path"],
            who_label(row["login"]),
            str(row["requests"]),
            str(row["errors"]),
            str(row["timeouts"]),
            f"{row['p50_ms']:.1f}",
            f"{row['p95_ms']:.1f}",
            f"{row['requests_per_second']:.0f}",
            "?" if row["queries_per_request"] is None else str(row["queries_per_request"]),
            f"{row['ratio_to_floor']:.2f}",
            f"{row['max_worker_rss_mb_after']:.0f}",
            "" if row["name"] == FLOOR.name else verdict(row),
        )
        for row in rows
    ]
    body = _render(header, lines, left=3)
    rss_verdict = "ok" if max_rss <= TARGET_RSS_MB else "MISS"
    body.append(
        f"max gunicorn worker RSS under load: {max_rss:.1f} MB "
        f"(target <= {TARGET_RSS_MB:g} MB: {rss_verdict}); rss MB: the largest worker "
        "after that page's load"
    )
    body.append(
        f"target: p95 <= {TARGET_P95_MS:g} ms and p50 <= {TARGET_RATIO:g} x the floor's p50, "
        "no errors"
    )
    return "\n".join(body)


def single_table(rows: list[dict], count: int) -> str:
    header = (
        "page",
        "path",
        "median ms",
        "min ms",
        "max ms",
        "kept ms",
        "rss MB",
        "target ms",
        "verdict",
    )
    lines = [
        (
            row["name"],
            row["path"],
            f"{row['median_ms']:.1f}",
            f"{row['min_ms']:.1f}",
            f"{row['max_ms']:.1f}",
            f"{row.get('kept_median_ms', math.nan):.1f}",
            f"{row['max_worker_rss_mb_after']:.0f}",
            "" if row["name"] == FLOOR.name else f"{row['target_ms']:g}",
            ""
            if row["name"] == FLOOR.name
            else "TIMEOUT"
            if row["timeout"]
            else "ok"
            if row["ok"]
            else "MISS",
        )
        for row in rows
    ]
    body = [
        f"Single requests, sequential, warm: median of {count} requests per page, "
        "one at a time, after warm-up requests, each page built (Cache-Control: no-cache); "
        "kept ms: the median of the same page answered from the page cache",
        *_render(header, lines, left=2),
        f"target: median <= {TARGET_SINGLE_MS:g} ms "
        f"(/dashboard/ and /dashboard/?place=…: <= {TARGET_SINGLE_MS_BY_NAME['dashboard']:g} ms); "
        "rss MB: the largest worker after the page (served here for the first time)",
    ]
    return "\n".join(body)


def meets_target(row: dict) -> bool:
    """The scale issue's page target: p95 within 50 ms and within 3x the floor's median."""
    return (
        not row["errors"]
        and row["p95_ms"] <= TARGET_P95_MS
        and row["ratio_to_floor"] <= TARGET_RATIO
    )


def verdict(row: dict) -> str:
    """ "ok", or "MISS" with what missed."""
    if meets_target(row):
        return "ok"
    missed = []
    if row["timeouts"]:
        missed.append("timeouts")
    elif row["errors"]:
        missed.append("errors")
    if row["p95_ms"] > TARGET_P95_MS:
        missed.append("p95")
    if row["ratio_to_floor"] > TARGET_RATIO:
        missed.append("ratio")
    return "MISS " + ",".join(missed)


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    started = dt.datetime.now(dt.UTC)
    # Everything the run creates outside bench/results/ lives here and goes.
    scratch = Path(tempfile.mkdtemp(prefix="coalition-bench-"))
    server: subprocess.Popen | None = None
    worker: subprocess.Popen | None = None
    sink: subprocess.Popen | None = None
    notes: list[str] = []
    worker_rss = math.nan
    single: dict[str, dict[str, Any]] = {}
    try:
        env, database = bench_environment(args, scratch)
        kind = database_kind(args.database_url)
        print(f"bench: database {database}")
        if kind == "postgresql":
            ensure_postgres_database(args.database_url)
        if args.smtp:
            sink, smtp_port, _received = parts.start_smtp_sink(scratch)
            env["EMAIL_URL"] = f"smtp://{HOST}:{smtp_port}"
            print(f"bench: SMTP sink on {HOST}:{smtp_port}")
        if args.worker:
            # A queue of this run's own, so nothing queued by another run reaches it.
            env["CELERY_QUEUE"] = f"bench-{os.getpid()}"
        print(
            "bench: migrate + "
            + ("seed_scale (first run only)" if args.scale_data else "seed_demo")
        )
        prepare_database(env, scale=args.scale_data, seed_args=args.seed_args)

        # The query counter runs Django here, so it needs the same environment.
        os.environ.clear()
        os.environ.update(env)
        import django

        warnings.filterwarnings("ignore", "No directory at", UserWarning)
        django.setup()
        from django.db import connections

        args.pages, notes = fill_paths(args.pages)
        connections.close_all()
        queries = count_queries(args.pages, args.login, args.timeout)

        if args.worker:
            worker = parts.start_celery_worker(
                env, concurrency=1, queue=env["CELERY_QUEUE"], log=scratch / "celery.log"
            )
            parts.wait_for_worker(env, worker)
            print("bench: Celery worker up")
        port = free_port()
        log = scratch / "gunicorn.log"
        print(f"bench: gunicorn, {args.workers} workers, on {HOST}:{port}")
        server = start_gunicorn(env, port, args.workers, log, timeout=args.timeout + 5)
        wait_until_serving(server, port, log, timeout=60)
        emails = {login_for(page, args.login) for page in args.pages}
        cookies = {email: log_in(port, email) if email else "" for email in sorted(emails)}

        if args.single:
            for page in args.pages:
                print(
                    f"bench: {page.name} {page.path}: {args.single} sequential requests", flush=True
                )
                single[page.name] = sequential(
                    port,
                    page.path,
                    cookies[login_for(page, args.login)],
                    # Enough that each worker has served the page before the measure.
                    warm=2 * args.workers,
                    count=args.single,
                    timeout=args.timeout,
                )
                if single[page.name]["timeout"]:
                    # Let gunicorn kill the worker still on it before the next page.
                    time.sleep(5)
                else:
                    kept = sequential(
                        port,
                        page.path,
                        cookies[login_for(page, args.login)],
                        warm=2 * args.workers,
                        count=args.single,
                        timeout=args.timeout,
                        fresh=False,
                    )
                    single[page.name]["kept"] = kept["latencies"]
                # The first time each page is served: what it adds to a worker.
                single[page.name]["rss_after"] = max(
                    worker_rss_mb(server.pid).values(), default=math.nan
                )

        raw: dict[str, dict[str, Any]] = {}
        for page in args.pages:
            print(
                f"bench: {page.name} {page.path}: {args.warmup:g}s warm-up, "
                f"{args.duration:g}s x {args.concurrency} clients",
                flush=True,
            )
            raw[page.name] = load_page(
                port,
                page.path,
                cookies[login_for(page, args.login)],
                args.concurrency,
                args.warmup,
                args.duration,
                args.timeout,
            )
            raw[page.name]["rss_after"] = max(worker_rss_mb(server.pid).values(), default=math.nan)
            if raw[page.name]["timeouts"]:
                time.sleep(5)
        rss = worker_rss_mb(server.pid)
        if worker is not None:
            worker_rss = parts.process_tree_rss_mb(worker.pid)
    finally:
        if server is not None:
            stop_gunicorn(server)
        parts.stop(worker)
        parts.stop(sink)
        shutil.rmtree(scratch, ignore_errors=True)

    rows = [
        summarise(page, raw[page.name], queries[page.name], login_for(page, args.login))
        for page in args.pages
    ]
    floor_p50 = rows[0]["p50_ms"]
    for row in rows:
        row["ratio_to_floor"] = row["p50_ms"] / floor_p50 if floor_p50 else math.nan
    # The largest worker seen after any page: a worker killed for a timeout
    # is replaced, so the last reading alone could miss it.
    max_rss = max(
        [*rss.values(), *(row["max_worker_rss_mb_after"] for row in rows)], default=math.nan
    )
    single_rows = [summarise_single(page, single[page.name]) for page in args.pages if single]

    print()
    print(
        f"Coalition pages: {kind}, redis {'on' if args.redis_url else 'off'}, "
        f"{args.workers} gunicorn workers, {args.concurrency} clients, "
        f"{args.duration:g}s per page, timeout {args.timeout:g}s"
        + (f", public pages as {args.login}" if args.login else "")
    )
    print(table(rows, max_rss))
    if single_rows:
        print()
        print(single_table(single_rows, args.single))
    if args.worker:
        print(f"Celery worker RSS (with its pool): {worker_rss:.1f} MB")
    for note in notes:
        print(f"note: {note}")

    report = {
        "started": started.isoformat(timespec="seconds"),
        "database": kind,
        "database_url": database,
        "redis": redact(args.redis_url) if args.redis_url else None,
        "workers": args.workers,
        "concurrency": args.concurrency,
        "duration_seconds": args.duration,
        "warmup_seconds": args.warmup,
        "timeout_seconds": args.timeout,
        "login": args.login or None,
        "pages": rows,
        "single_requests": single_rows,
        "worker_rss_mb": {str(pid): round(mb, 1) for pid, mb in sorted(rss.items())},
        "max_worker_rss_mb": round(max_rss, 1),
        "scale_data": args.scale_data,
        "celery_worker": args.worker,
        "celery_worker_rss_mb": None if math.isnan(worker_rss) else round(worker_rss, 1),
        "smtp_sink": args.smtp,
        "notes": notes,
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    target = RESULTS_DIR / f"pages-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    target.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {target.relative_to(REPO)}")

    # A page answering 200 in the test client but failing under load, or not
    # answering 200 at all, makes its row meaningless: say so and fail.
    suspect = [
        row["name"]
        for row in rows
        if row["errors"] or row["status_in_test_client"] not in row.get("expect", [200])
    ]
    if suspect:
        print(f"bench: check these pages, they did not answer 200 throughout: {', '.join(suspect)}")
        return 1
    return 0


def stop_on_terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Started in the background by a script, Python inherits an ignored
    # SIGINT; take it back, and treat SIGTERM alike, so that every way of
    # stopping the harness goes through run()'s finally and stops gunicorn.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, stop_on_terminate)
    try:
        return run(args)
    except KeyboardInterrupt:
        # run()'s finally has already stopped gunicorn by now.
        print("\nbench: interrupted, gunicorn stopped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

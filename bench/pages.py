"""Page-speed benchmark: how fast Coalition's pages are under load, next to a floor.

One command (``make bench``, or ``python -m bench.pages --help``) prepares a
database with the demo coalition, starts gunicorn on a free loopback port,
drives each page from a separate client process and prints one table:
requests, p50/p95 latency, throughput, queries per request and each page's p50
as a multiple of the "floor" (a trivial view behind the same middleware, served
by the same server in the same run), plus the largest worker's memory. The same
figures go to ``bench/results/pages-<timestamp>.json``. See bench/README.md.

New pages are measured by adding them to ``PAGES``; pages behind login need
``--login EMAIL`` (one of the demo logins).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import math
import multiprocessing
import os
import re
import secrets
import shutil
import signal
import socket
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
from typing import Any
from urllib.parse import urlencode, urlsplit

from bench import parts

REPO = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO / "bench" / "results"
# The gunicorn next to the interpreter running us, i.e. the project's venv.
GUNICORN = Path(sys.executable).parent / "gunicorn"
HOST = "127.0.0.1"

# (name, path). The floor comes first: every other row is compared with it.
PAGES: list[tuple[str, str]] = [
    ("floor", "/bench/floor"),
    ("home", "/"),
    ("healthz", "/healthz"),
    ("statement", "/statement/"),
    ("actions", "/actions/"),
    ("action", "/actions/1/"),
    ("map-data", "/actions/map/data.geojson?bbox=-5,54,-4,55"),
    ("feed", "/actions/feed.atom"),
    ("playbook", "/playbook/"),
    ("days", "/days/"),
    ("day", "/days/clean-air-day/"),
    # Behind login: measured by default only with --login weaver@example.org.
    ("weave", "/weave/"),
    ("weave-thin", "/weave/thin/"),
    ("dashboard", "/dashboard/"),
    ("impact", "/impact/"),
]
LOGIN_ONLY = {"weave", "weave-thin", "dashboard", "dashboard-place"}
FLOOR = PAGES[0]

# With --scale-data: the list, over the data of ``manage.py seed_scale``.
# {placeholders} are filled from that database when the run starts; the API's
# list endpoints are measured once they exist (a 404 drops them with a note).
SCALE_PAGES: list[tuple[str, str]] = [
    FLOOR,
    ("home", "/"),
    ("actions", "/actions/"),
    ("action", "/actions/{action}/"),
    ("map-data", "/actions/map/data.geojson?bbox={city_bbox}"),
    ("day", "/days/{day}/"),
    ("weave", "/weave/"),
    ("dashboard", "/dashboard/"),
    ("dashboard-place", "/dashboard/?place={city}"),
    ("statement", "/statement/"),
    ("api-actions", "/api/v1/actions/"),
    ("api-groups", "/api/v1/groups/"),
    ("api-events", "/api/v1/events/"),
    ("api-days", "/api/v1/days/"),
]
OPTIONAL_PREFIXES = ("/api/",)
# The targets, checked in the table's last column.
TARGET_P95_MS = 50.0
TARGET_RATIO = 3.0
TARGET_RSS_MB = 150.0

# Repeated here rather than imported from coalition.demo, because the client
# side must not need Django set up. Public by design, demo logins only.
DEMO_PASSWORD = "coalition-demo"
LOGIN_PATH = "/accounts/login/"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')


# --------------------------------------------------------------------------
# Options and environment
# --------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    known = ", ".join(f"{name}={path}" for name, path in PAGES)
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
        "--paths",
        default="",
        help=f"comma list of page names or paths, or name=path (default: all of {known}); "
        "the floor is always added",
    )
    parser.add_argument(
        "--login",
        metavar="EMAIL",
        default="",
        help="log in as this demo login (password coalition-demo) before measuring",
    )
    parser.add_argument(
        "--scale-data",
        action="store_true",
        help="measure the scale issue's pages over manage.py seed_scale's data "
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
    try:
        args.pages = choose_pages(
            args.paths,
            logged_in=bool(args.login),
            known=SCALE_PAGES if args.scale_data else PAGES,
        )
    except ValueError as error:
        parser.error(str(error))
    return args


def choose_pages(
    spec: str, *, logged_in: bool = False, known: list[tuple[str, str]] | None = None
) -> list[tuple[str, str]]:
    """The pages to measure, floor first, from ``--paths``."""
    known = PAGES if known is None else known
    if not spec.strip():
        return [page for page in known if logged_in or page[0] not in LOGIN_ONLY]
    by_name = dict(known)
    chosen: list[tuple[str, str]] = [FLOOR]
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        if "=" in item:
            name, path = (half.strip() for half in item.split("=", 1))
        elif item in by_name:
            name, path = item, by_name[item]
        elif item.startswith("/"):
            name, path = item, item
        else:
            raise ValueError(f"--paths: {item!r} is neither a known page nor a path")
        if not path.startswith("/"):
            raise ValueError(f"--paths: {path!r} must start with /")
        if (name, path) not in chosen:
            chosen.append((name, path))
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
            # The API's throttles would answer 429 within a second of load.
            "API_THROTTLE_ANON": "1000000/minute",
            "API_THROTTLE_USER": "1000000/minute",
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


def fill_scale_paths(pages: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], list[str]]:
    """The scale pages with their {placeholders} filled from the database (Django set up).

    Returns the pages and notes on what was left out. A page under an optional
    prefix (the API) that does not resolve yet is left out with a note.
    """
    from django.urls import Resolver404, resolve

    from actions.models import Action
    from coalition.models import Place, PlaceKind
    from convergence.models import DayOfAction

    action = (
        Action.objects.filter(
            description__startswith="Invented action",
            visibility="public",
            hidden_at__isnull=True,
            amplifications__isnull=False,
        )
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    day = (
        DayOfAction.objects.filter(slug__startswith="scale-")
        .order_by("-starts_at")
        .values_list("slug", flat=True)
        .first()
    )
    city = (
        Place.objects.filter(kind=PlaceKind.CITY, name__startswith="Scale City")
        .order_by("id")
        .first()
    )
    if action is None or day is None or city is None:
        raise SystemExit("bench: no scale data here (run manage.py seed_scale)")
    lat, lon = float(city.latitude), float(city.longitude)
    # About 30 km across: a city and its surroundings.
    values = {
        "action": action,
        "day": day,
        "city": city.pk,
        "city_bbox": f"{lon - 0.2:.2f},{lat - 0.15:.2f},{lon + 0.2:.2f},{lat + 0.15:.2f}",
    }
    filled, notes = [], []
    for name, path in pages:
        path = path.format(**values)
        if path.startswith(OPTIONAL_PREFIXES):
            try:
                match = resolve(urlsplit(path).path)
            except Resolver404:
                match = None
            # The API answers unknown addresses with its own 404 view.
            if match is None or not match.url_name or match.url_name == "not_found":
                notes.append(f"{name} {path}: not built yet, left out")
                continue
        filled.append((name, path))
    return filled, notes


# --------------------------------------------------------------------------
# Queries per request (in this process, through Django's test client)
# --------------------------------------------------------------------------


def count_queries(pages: list[tuple[str, str]], login: str) -> dict[str, dict[str, int]]:
    """Queries and status of one request per page, after one unmeasured request.

    The unmeasured request fills per-process caches the way the warm-up does
    for the server, so the count is the steady state the load test sees. It is
    deterministic, unlike anything timed.
    """
    import django

    # Whitenoise warns that collectstatic has not run; static files are not
    # what this measures (pytest ignores the same warning).
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    django.setup()
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    # The test client's default host, "testserver", is not in ALLOWED_HOSTS.
    client = Client(HTTP_HOST=HOST)
    if login:
        response = client.post(LOGIN_PATH, {"login": login, "password": DEMO_PASSWORD})
        if response.status_code != 302:
            raise SystemExit(f"bench: logging in as {login} failed ({response.status_code})")
    counts: dict[str, dict[str, int]] = {}
    try:
        for name, path in pages:
            client.get(path)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path)
            counts[name] = {
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


def start_gunicorn(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen:
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
        "--timeout",
        "60",
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


def log_in(port: int, email: str) -> str:
    """Log in through allauth's form like a browser; the Cookie header to send."""
    jar: dict[str, str] = {}

    def remember(response: http.client.HTTPResponse) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            jar.update({key: morsel.value for key, morsel in cookie.items()})

    def cookie_header() -> str:
        return "; ".join(f"{key}={value}" for key, value in jar.items())

    connection = http.client.HTTPConnection(HOST, port, timeout=30)
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
    finally:
        connection.close()
    # A successful login redirects and sets a fresh session cookie; a failed
    # one re-renders the form with 200.
    if response.status != 302 or "sessionid" not in jar:
        raise SystemExit(f"bench: logging in as {email} failed ({response.status})")
    return cookie_header()


def closed_loop(port: int, path: str, cookie: str, threads: int, seconds: float) -> dict[str, Any]:
    """``threads`` clients, each sending its next request when the last one ends.

    Each thread keeps one connection; http.client reconnects by itself when the
    server closes it (gunicorn's sync workers close after every response), and
    that reconnect is part of the measured time, as it would be for a browser.
    """
    headers = {"Cookie": cookie} if cookie else {}
    latencies: list[list[float]] = [[] for _ in range(threads)]
    statuses: list[Counter[int]] = [Counter() for _ in range(threads)]
    failures = [0] * threads
    finished = [0.0] * threads
    start_line = threading.Barrier(threads + 1)
    timing: dict[str, float] = {}

    def client(index: int) -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
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
        # Requests in flight at the deadline still count, so the elapsed time
        # runs until the last of them ends.
        "elapsed": max(finished) - timing["start"],
    }


def client_process(
    pipe: Connection, port: int, path: str, cookie: str, threads: int, warmup: float, seconds: float
) -> None:
    """Entry point of the load process: warm the page, measure it, send the figures back."""
    # Ctrl-C is the parent's to handle; it ends this process itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if warmup > 0:
        # Enough concurrent requests that every worker has served the page.
        closed_loop(port, path, cookie, threads, warmup)
    pipe.send(closed_loop(port, path, cookie, threads, seconds))
    pipe.close()


def load_page(
    port: int, path: str, cookie: str, threads: int, warmup: float, seconds: float
) -> dict[str, Any]:
    # spawn: a fresh interpreter, nothing inherited from this Django-loaded one.
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=client_process,
        args=(sender, port, path, cookie, threads, warmup, seconds),
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


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------


def percentile(ordered: list[float], share: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(share / 100 * len(ordered)))
    return ordered[rank - 1]


def summarise(name: str, path: str, raw: dict[str, Any], queries: dict[str, int]) -> dict:
    ordered = sorted(raw["latencies"])
    errors = raw["failures"] + sum(n for code, n in raw["statuses"].items() if code >= 400)
    return {
        "name": name,
        "path": path,
        "requests": len(ordered),
        "errors": errors,
        "statuses": {str(code): n for code, n in sorted(raw["statuses"].items())},
        "p50_ms": percentile(ordered, 50) * 1000,
        "p95_ms": percentile(ordered, 95) * 1000,
        "requests_per_second": len(ordered) / raw["elapsed"] if raw["elapsed"] else 0.0,
        "queries_per_request": queries["queries"],
        "status_in_test_client": queries["status"],
    }


def table(rows: list[dict], max_rss: float) -> str:
    header = (
        "page",
        "path",
        "requests",
        "errors",
        "p50 ms",
        "p95 ms",
        "req/s",
        "queries",
        "x floor",
        "target",
    )
    lines = [
        (
            row["name"],
            row["path"],
            str(row["requests"]),
            str(row["errors"]),
            f"{row['p50_ms']:.1f}",
            f"{row['p95_ms']:.1f}",
            f"{row['requests_per_second']:.0f}",
            str(row["queries_per_request"]),
            f"{row['ratio_to_floor']:.2f}",
            "" if row["name"] == FLOOR[0] else ("ok" if meets_target(row) else "MISS"),
        )
        for row in rows
    ]
    widths = [max(len(cells[i]) for cells in [header, *lines]) for i in range(len(header))]

    def render(cells: tuple[str, ...]) -> str:
        # Names left-aligned, figures right-aligned.
        return "  ".join(
            cell.ljust(width) if i < 2 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        )

    rule = "  ".join("-" * width for width in widths)
    body = [render(header), rule, *(render(cells) for cells in lines), rule]
    verdict = "ok" if max_rss <= TARGET_RSS_MB else "MISS"
    body.append(
        f"max gunicorn worker RSS under load: {max_rss:.1f} MB "
        f"(target <= {TARGET_RSS_MB:g} MB: {verdict})"
    )
    body.append(
        f"target: p95 <= {TARGET_P95_MS:g} ms and p50 <= {TARGET_RATIO:g} x the floor's p50"
    )
    return "\n".join(body)


def meets_target(row: dict) -> bool:
    """The scale issue's page target: p95 within 50 ms and within 3x the floor's median."""
    return row["p95_ms"] <= TARGET_P95_MS and row["ratio_to_floor"] <= TARGET_RATIO


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
        if args.scale_data:
            import django

            warnings.filterwarnings("ignore", "No directory at", UserWarning)
            django.setup()
            from django.db import connections

            args.pages, notes = fill_scale_paths(args.pages)
            connections.close_all()
        queries = count_queries(args.pages, args.login)

        if args.worker:
            worker = parts.start_celery_worker(
                env, concurrency=1, queue=env["CELERY_QUEUE"], log=scratch / "celery.log"
            )
            parts.wait_for_worker(env, worker)
            print("bench: Celery worker up")
        port = free_port()
        log = scratch / "gunicorn.log"
        print(f"bench: gunicorn, {args.workers} workers, on {HOST}:{port}")
        server = start_gunicorn(env, port, args.workers, log)
        wait_until_serving(server, port, log, timeout=60)
        cookie = log_in(port, args.login) if args.login else ""

        raw: dict[str, dict[str, Any]] = {}
        for name, path in args.pages:
            print(
                f"bench: {name} {path}: {args.warmup:g}s warm-up, "
                f"{args.duration:g}s x {args.concurrency} clients",
                flush=True,
            )
            raw[name] = load_page(port, path, cookie, args.concurrency, args.warmup, args.duration)
        rss = worker_rss_mb(server.pid)
        if worker is not None:
            worker_rss = parts.process_tree_rss_mb(worker.pid)
    finally:
        if server is not None:
            stop_gunicorn(server)
        parts.stop(worker)
        parts.stop(sink)
        shutil.rmtree(scratch, ignore_errors=True)

    rows = [summarise(name, path, raw[name], queries[name]) for name, path in args.pages]
    floor_p50 = rows[0]["p50_ms"]
    for row in rows:
        row["ratio_to_floor"] = row["p50_ms"] / floor_p50 if floor_p50 else math.nan
    max_rss = max(rss.values(), default=math.nan)

    print()
    print(
        f"Coalition pages: {kind}, redis {'on' if args.redis_url else 'off'}, "
        f"{args.workers} gunicorn workers, {args.concurrency} clients, "
        f"{args.duration:g}s per page" + (f", logged in as {args.login}" if args.login else "")
    )
    print(table(rows, max_rss))
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
        "login": args.login or None,
        "pages": rows,
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
    suspect = [row["name"] for row in rows if row["errors"] or row["status_in_test_client"] != 200]
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

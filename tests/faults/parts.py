"""Private Redis and PostgreSQL servers for the fault tests, started and stopped at will.

The machine's own Redis and PostgreSQL serve other tests and people: the fault
tests never touch them. Each part here listens on a free loopback port and
lives in a temporary directory; a part that cannot start fails the test
loudly (a fault test that silently skips proves nothing).
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class PrivateRedis:
    """``redis-server`` on a free port, no persistence; stop() and start() keep the port."""

    def __init__(self) -> None:
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            pytest.fail("The fault tests need redis-server on PATH (apt-get install redis-server).")
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while not _answers(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"The private redis-server did not start on port {self.port}.")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


class PrivatePostgres:
    """A throwaway PostgreSQL cluster owned by the ``postgres`` OS user, on a free port.

    Databases are made from a template holding the schema of this session's
    test database, so no migration runs here.
    """

    TEMPLATE = "coalition_template"

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            pytest.fail("No /usr/lib/postgresql/*/bin/initdb: cannot run a private PostgreSQL.")
        self.bin = Path(found[-1]).parent
        if shutil.which("runuser") is None:
            pytest.fail("runuser is missing: cannot start PostgreSQL as the postgres user.")
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="coalition-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _as_postgres(self, *command: str, timeout: float = 60, **kwargs):
        try:
            return subprocess.run(
                ["runuser", "-u", "postgres", "--", *command],
                check=True,
                capture_output=True,
                text=True,
                timeout=timeout,
                **kwargs,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as problem:
            output = getattr(problem, "stderr", "") or ""
            log = self.log.read_text() if self.log.exists() else ""
            pytest.fail(f"Private PostgreSQL: {' '.join(command)}: {problem}\n{output}\n{log}")

    def start(self) -> None:
        shutil.chown(self.root, "postgres", "postgres")
        self._as_postgres(
            str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
            "-E", "UTF8", "--no-locale", "--no-sync",
        )  # fmt: skip
        # fsync off: the test restarts the server cleanly, it never pulls the plug,
        # and the shared disk is spared. 250 connections for 200 concurrent RSVPs.
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=250 -c shared_buffers=32MB"
        )
        self._as_postgres(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w",
            "-t", "30", "-o", options, "start",
        )  # fmt: skip

    def restart(self) -> None:
        """``pg_ctl restart -m fast``: every session is cut, in-flight transactions roll back."""
        self._as_postgres(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w",
            "-t", "30", "-m", "fast", "restart",
        )  # fmt: skip

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(
                ["runuser", "-u", "postgres", "--", str(self.bin / "pg_ctl"), "-D", str(self.data),
                 "-w", "-m", "immediate", "stop"],
                capture_output=True,
                timeout=60,
            )  # fmt: skip
        shutil.rmtree(self.root, ignore_errors=True)

    def psql(self, sql: str, *, database: str = "postgres") -> str:
        result = self._as_postgres(
            str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
            "-d", database, "-v", "ON_ERROR_STOP=1", "-Atc", sql,
        )  # fmt: skip
        return result.stdout.strip()

    def load_template_from(self, source_url: str) -> None:
        """The schema of ``source_url`` (this session's test database) as the template."""
        self.psql(f"CREATE DATABASE {self.TEMPLATE}")
        dump = subprocess.run(
            [str(self.bin / "pg_dump"), "--schema-only", "--no-owner", "--no-privileges",
             "-d", source_url],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        if dump.returncode != 0:
            pytest.fail(f"pg_dump of {source_url} failed: {dump.stderr}")
        self._as_postgres(
            str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
            "-d", self.TEMPLATE, "-v", "ON_ERROR_STOP=1", "-q",
            input=dump.stdout, timeout=120,
        )  # fmt: skip

    def create_database(self, name: str) -> str:
        self.psql(f"CREATE DATABASE {name} TEMPLATE {self.TEMPLATE}")
        return self.url(name)


def django_env(**extra: str) -> dict[str, str]:
    """The environment of a Django process of this checkout, without this machine's Redis."""
    env = {key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "CACHE_URL"}}
    env.update(
        PYTHONPATH=str(ROOT),
        DJANGO_SETTINGS_MODULE="coalition.settings",
        DEBUG="false",
        RATE_LIMITS="false",
        EMAIL_URL="locmem://",
        LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def run_django(script: str, env: dict[str, str], *, timeout: float = 120) -> dict:
    """Run ``script`` in a fresh Django process; it prints one JSON object, returned here."""
    prelude = "import django, json\ndjango.setup()\n"
    result = subprocess.run(
        [sys.executable, "-c", prelude + script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        pytest.fail(f"Django script failed:\n{result.stdout}\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])

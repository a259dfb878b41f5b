"""`manage.py serve`, the command `make run` and `make start` end with, run as they run it.

One process tree on a fresh SQLite database with no steward and no Redis:
it prints the one-time setup link on SITE_URL (the address it serves),
starts the web server, the worker and beat, sends a reminder that is due
without anything calling a task, answers /healthz with the scheduler's last
tick, and a SIGTERM to it stops every process it started.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.coalition.test_embedded_scheduler import ROOT, SEED, _reminders
from tests.faults.parts import run_django


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(tmp_path: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "CACHE_URL", "DATABASE_URL", "TASK_QUEUE_DIR", "SITE_URL"}
    }
    env.update(
        PYTHONPATH=str(ROOT),
        DJANGO_SETTINGS_MODULE="coalition.settings",
        SQLITE_PATH=str(tmp_path / "db.sqlite3"),
        EMAIL_URL=f"file://{tmp_path / 'mail'}",
        LOG_LEVEL="WARNING",
        # Only so the test can find the processes serve started (see _started_by).
        COALITION_SERVE_TEST=str(tmp_path),
    )
    return env


def _started_by(marker: str) -> list[int]:
    """Processes still alive whose environment carries this test's marker."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdecimal() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if f"COALITION_SERVE_TEST={marker}".encode() in environ and state != "Z":
            alive.append(int(entry.name))
    return alive


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310  # loopback only
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_serve_prints_the_setup_link_runs_due_work_and_stops_everything(tmp_path):
    env = _environment(tmp_path)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT, env=env, check=True, timeout=300,
    )  # fmt: skip
    run_django(SEED, env)
    port = _free_port()
    site = f"http://127.0.0.1:{port}"
    output = (tmp_path / "serve.log").open("w")
    serve = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--state-dir", str(tmp_path / "var"),
         f"127.0.0.1:{port}"],
        cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
    )  # fmt: skip
    started = time.monotonic()
    try:
        health = None
        while time.monotonic() < started + 60:
            assert serve.poll() is None, (tmp_path / "serve.log").read_text()
            if _reminders(tmp_path / "mail"):
                try:
                    status, body = _get(f"{site}/healthz")
                    health = (status, json.loads(body))
                except OSError:
                    health = None  # runserver is still starting
                if health and health[1].get("scheduler") == "ok":
                    break
            time.sleep(0.5)
        took = time.monotonic() - started
        reminders = _reminders(tmp_path / "mail")
        setup = _get(f"{site}/setup/")[0] if health else None
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=60)
        output.close()
    printed = (tmp_path / "serve.log").read_text()

    # The one-time setup link, on the address serve listens on (SITE_URL).
    assert re.search(rf"{re.escape(site)}/setup/\?token=\S+", printed), printed
    # Scheduled work happened by itself, within a minute, in the coalition's name.
    assert len(reminders) == 1 and took < 60, printed[-3000:]
    assert f"{site}/" in reminders[0].get_payload()[0].get_payload(decode=True).decode()
    assert health[0] == 200 and health[1]["broker_kind"] == "filesystem", health
    assert (tmp_path / "var" / "queue").is_dir()
    assert health[1]["scheduler_last_tick"], health
    assert setup == 404  # /setup/ without the token
    # Stopped with it: no web server, worker, pool process or beat is left running.
    deadline = time.monotonic() + 10
    while _started_by(str(tmp_path)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _started_by(str(tmp_path)) == []
    assert serve.returncode is not None

"""The real parts a benchmark starts next to gunicorn: a Celery worker and an SMTP sink.

Each runs in its own session (process group) so the harness alone decides when
it stops, and ``stop`` ends only that group.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start_smtp_sink(scratch: Path) -> tuple[subprocess.Popen, int, Path]:
    """The sink, its port and the file it writes one line per recipient to."""
    port = free_port()
    received = scratch / "smtp-recipients.txt"
    received.touch()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.smtp_sink", "--port", str(port), "--log", str(received)],
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=(scratch / "smtp-sink.log").open("wb"),
        start_new_session=True,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("bench: the SMTP sink did not start (see smtp-sink.log)")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1):
            return process, port, received
        time.sleep(0.1)
    stop(process)
    raise SystemExit("bench: the SMTP sink did not answer within 20 s")


def start_celery_worker(
    env: dict[str, str], *, concurrency: int, queue: str, log: Path, name: str = "bench"
) -> subprocess.Popen:
    """A ``celery worker`` on the broker in ``env["REDIS_URL"]``, reading only ``queue``."""
    if not env.get("REDIS_URL"):
        raise SystemExit("bench: a Celery worker needs --redis-url (or REDIS_URL)")
    worker_env = dict(env, CELERY_QUEUE=queue)
    with log.open("wb") as sink:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "coalition",
                "worker",
                "--pool=prefork",
                f"--concurrency={concurrency}",
                "--loglevel=warning",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"{name}-{os.getpid()}@%h",
                "-Q",
                queue,
            ],
            cwd=REPO,
            env=worker_env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_for_worker(env: dict[str, str], worker: subprocess.Popen, timeout: float = 60) -> None:
    """Until the worker answers a ping on the broker."""
    from celery import Celery

    # Not the current app: tasks published later in this process must go through
    # the project's app, not this probe (closed below).
    probe = Celery(broker=env["REDIS_URL"], set_as_current=False)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if worker.poll() is not None:
                raise SystemExit("bench: the Celery worker stopped at start-up")
            if probe.control.ping(timeout=1.0):
                return
        raise SystemExit("bench: the Celery worker did not answer a ping")
    finally:
        probe.close()


def process_tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB (a worker and its pool)."""
    total = 0.0
    pids = [pid]
    listing = Path(f"/proc/{pid}/task/{pid}/children")
    if listing.exists():
        pids += [int(child) for child in listing.read_text().split()]
    for each in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
    return total


def stop(process: subprocess.Popen | None, timeout: float = 20) -> None:
    """Stop a part started here: SIGTERM to its group, then SIGKILL if it lingers."""
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()

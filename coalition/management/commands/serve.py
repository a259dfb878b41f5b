"""`make run`: the web server with its own Celery worker and beat, started and stopped together.

Without REDIS_URL the worker and beat use a broker that needs no server: a
folder (TASK_QUEUE_DIR, default var/queue, through kombu's filesystem
transport). So reminders, follow-ups, digests, rollups, scheduled reports
and the outbox flush all happen on a laptop with nothing else installed.
With REDIS_URL set the same worker and beat run on Redis.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess  # nosec B404  # starts this app's own runserver and worker
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import get_commands
from django.core.management.base import BaseCommand, CommandError

# How long the worker gets to finish its task after Ctrl-C before it is killed.
STOP_GRACE_SECONDS = 15


def embedded_env(
    *, site_url: str, base: dict[str, str] | None = None, var: Path | None = None
) -> dict[str, str]:
    """The environment of the web server, worker and beat that `make run` starts."""
    env = dict(os.environ if base is None else base)
    if not env.get("REDIS_URL"):
        var = var or Path(settings.BASE_DIR) / "var"
        env.setdefault("TASK_QUEUE_DIR", str(var / "queue"))
    env.setdefault("SITE_URL", site_url)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def worker_command(*, var: Path, loglevel: str = "INFO") -> list[str]:
    """A Celery worker with beat inside it: one process tree to start and stop."""
    return [
        sys.executable, "-m", "celery", "-A", "coalition", "worker", "--beat",
        "--schedule", str(var / "celerybeat-schedule"),
        "--concurrency", "2", "--loglevel", loglevel,
        # Nothing else to talk to: one worker on one machine.
        "--without-gossip", "--without-mingle", "--without-heartbeat",
        "--hostname", "embedded@%h",
    ]  # fmt: skip


class Command(BaseCommand):
    help = "Serve the app with an embedded Celery worker and beat (what `make run` does)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument(
            "--no-worker", action="store_true", help="Serve pages only; run no worker or beat."
        )
        parser.add_argument(
            "--state-dir",
            default=str(Path(settings.BASE_DIR) / "var"),
            help=(
                "Folder of beat's schedule file and, without REDIS_URL, of the task queue "
                "(default var/). Each database needs its own: `make start` uses var/coalition/."
            ),
        )

    def handle(self, *args, addrport: str, no_worker: bool, state_dir: str, **options) -> None:
        host, _sep, port = addrport.rpartition(":")
        if not port.isdecimal():
            raise CommandError(f"{addrport!r} is not an address and port such as 127.0.0.1:8000.")
        # Tasks queued for one database must never be run against another, and beat's
        # record of what it last ran belongs to one database too.
        var = Path(state_dir).resolve()
        var.mkdir(parents=True, exist_ok=True)
        env = embedded_env(site_url=f"http://{host or '127.0.0.1'}:{port}", var=var)
        manage = str(Path(settings.BASE_DIR) / "manage.py")
        # Every argv below is this Python and fixed arguments; addrport was checked above.
        if "setup_link" in get_commands():
            # A coalition with no steward yet: print the one-time setup link.
            setup_link = [sys.executable, manage, "setup_link"]
            subprocess.run(setup_link, env=env, check=False)  # noqa: S603  # nosec B603
        children: list[subprocess.Popen] = []
        # Each child leads a process group of its own, so stopping it also stops what it
        # started (the worker's pool and beat, runserver's reloaded server), and a signal
        # sent to this command's group reaches each child once, through _stop.
        if not no_worker:
            worker = worker_command(var=var)
            children.append(
                subprocess.Popen(worker, env=env, start_new_session=True)  # noqa: S603  # nosec B603
            )
        web = [sys.executable, manage, "runserver", addrport]
        children.append(
            subprocess.Popen(web, env=env, start_new_session=True)  # noqa: S603  # nosec B603
        )
        broker = "Redis" if env.get("REDIS_URL") else f"the folder {env.get('TASK_QUEUE_DIR')}"
        if not no_worker:
            self.stdout.write(f"Worker and scheduler running on {broker}.")
        self.stdout.write(f"Serving on {env['SITE_URL']} (Ctrl-C stops everything).")
        # A SIGTERM (a process manager, `timeout`) or a hang-up stops the children too.
        signal.signal(signal.SIGTERM, _interrupt)
        signal.signal(signal.SIGHUP, _interrupt)
        # Ctrl-C too, even where the shell started this with SIGINT ignored: the
        # children lead groups of their own, so the terminal's SIGINT reaches only us.
        signal.signal(signal.SIGINT, _interrupt)
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            _stop(children)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _stop(children: list[subprocess.Popen]) -> None:
    """SIGTERM each child's group (a warm shutdown), then SIGKILL what is left after the grace."""
    # Ctrl-C or a second signal while stopping must not leave a child running.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    for child in children:
        _signal_group(child, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for child in children:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
    for child in children:
        _signal_group(child, signal.SIGKILL)
        child.wait()


def _signal_group(child: subprocess.Popen, signum: int) -> None:
    # ProcessLookupError: the whole group has ended already.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signum)

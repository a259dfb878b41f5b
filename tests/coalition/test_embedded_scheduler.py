"""`make run`'s worker and beat, on a broker that needs no server, send a due reminder alone.

Nothing here calls a task: the test builds a SQLite database the way `make run`
does (migrate), puts in an event 12 hours ahead with one RSVP, starts the
worker with beat exactly as ``manage.py serve`` starts it (same command, same
environment, TASK_QUEUE_DIR and no REDIS_URL), and waits for the reminder to
reach the mail folder. Beat's first tick of ``notices_due`` comes at start
(coalition.celery.StartNowScheduler), so it arrives within a minute.
"""

from __future__ import annotations

import email
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from coalition.management.commands.serve import embedded_env, worker_command
from tests.faults.parts import run_django

ROOT = Path(__file__).resolve().parents[2]

SEED = """
from datetime import timedelta
from django.utils import timezone
from actions.models import Participation
from convergence.models import Event
from tests.factories import GroupFactory, make_action, make_day
group = GroupFactory(name="Quayside Tenants")
day = make_day(places=[group.place], status="live", days_ahead=-1, hours=72)
start = timezone.now() + timedelta(hours=12)
action = make_action(group, starts_at=start, ends_at=start + timedelta(hours=2), rsvp_count=1)
Event.objects.create(day=day, action=action)
Participation.objects.create(action=action, name="Rosa Quill", email="rosa@example.net")
print(json.dumps({"action": action.pk}))
"""


def _environment(tmp_path: Path) -> dict[str, str]:
    base = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "CACHE_URL", "DATABASE_URL", "TASK_QUEUE_DIR", "SITE_URL"}
    }
    base.update(
        PYTHONPATH=str(ROOT),
        DJANGO_SETTINGS_MODULE="coalition.settings",
        SQLITE_PATH=str(tmp_path / "db.sqlite3"),
        TASK_QUEUE_DIR=str(tmp_path / "queue"),
        EMAIL_URL=f"file://{tmp_path / 'mail'}",
        LOG_LEVEL="WARNING",
    )
    return embedded_env(site_url="http://127.0.0.1:8000", base=base)


def _reminders(mail_dir: Path) -> list[email.message.Message]:
    if not mail_dir.is_dir():
        return []
    found = []
    for path in mail_dir.iterdir():
        for chunk in path.read_text().split("\n" + "-" * 79 + "\n"):
            message = email.message_from_string(chunk) if chunk.strip() else None
            if message is not None and message["To"] == "rosa@example.net":
                found.append(message)
    return found


def _ticks(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT count(*) FROM coalition_schedulertick").fetchone()[0]


def test_a_due_reminder_is_sent_by_the_embedded_worker_and_beat_without_redis(tmp_path):
    env = _environment(tmp_path)
    assert env["TASK_QUEUE_DIR"] == str(tmp_path / "queue") and "REDIS_URL" not in env
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT, env=env, check=True, timeout=300,
    )  # fmt: skip
    run_django(SEED, env)

    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        worker_command(var=tmp_path, loglevel="WARNING"),
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    started = time.monotonic()
    try:
        deadline = started + 60
        while time.monotonic() < deadline and not (
            _reminders(tmp_path / "mail") and _ticks(tmp_path / "db.sqlite3")
        ):
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            time.sleep(0.5)
        took = time.monotonic() - started
        reminders = _reminders(tmp_path / "mail")
        ticks = _ticks(tmp_path / "db.sqlite3")
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.close()

    assert len(reminders) == 1, (tmp_path / "worker.log").read_text()[-3000:]
    assert took < 60
    assert "Air quality walk" in reminders[0]["Subject"]
    # The scheduler's heartbeat ran too, so /healthz would say it is alive.
    assert ticks == 1


def test_every_job_the_issue_names_is_on_beat_and_known_to_the_worker(settings):
    from coalition.celery import app

    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    # Event reminders and host follow-ups, digests, rollups, scheduled reports, the outbox.
    named = {
        "convergence.tasks.notices_due",
        "notifications.tasks.meeting_follow_ups_due",
        "notifications.tasks.digests_due",
        "reporting.tasks.rollups_refresh",
        "reporting.tasks.reports_due",
        "coalition.tasks.outbox_flush",
        "coalition.tasks.scheduler_tick",
    }
    assert named <= scheduled
    # A beat entry naming a task the worker never registered would be dropped silently.
    assert scheduled <= set(app.tasks), scheduled - set(app.tasks)

"""The Celery application: Redis broker in production, a folder under `make run`, in-process
without either (see TASK_QUEUE_DIR in settings)."""

import os

from celery import Celery
from celery.beat import PersistentScheduler
from celery.schedules import schedule

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coalition.settings")

# DjangoTask gives every task delay_on_commit()/apply_async_on_commit(), so work
# is queued only once the rows it reads are committed; OutboxAwareTask (a
# DjangoTask) also runs a message from the outbox once (coalition/outbox.py).
app = Celery("coalition", task_cls="coalition.outbox:OutboxAwareTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class StartNowScheduler(PersistentScheduler):
    """Beat's scheduler, except that an interval job it has never run runs at once.

    Celery's own waits one whole interval before the first run, so a fresh
    `make run` would send no reminder, flush no outbox and refresh no rollup
    for up to an hour. Jobs at fixed times (crontab entries) keep their times;
    a restart keeps each job's last run from the schedule file as before.
    """

    def merge_inplace(self, b) -> None:
        fresh = set(b) - set(self.schedule)
        super().merge_inplace(b)
        for name in fresh:
            entry = self.schedule[name]
            if type(entry.schedule) is schedule:
                entry.last_run_at = entry.last_run_at - entry.schedule.run_every

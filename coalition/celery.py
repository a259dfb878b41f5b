"""The Celery application: Redis broker in production, in-process without REDIS_URL."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coalition.settings")

# DjangoTask gives every task delay_on_commit()/apply_async_on_commit(), so work
# is queued only once the rows it reads are committed; OutboxAwareTask (a
# DjangoTask) also runs a message from the outbox once (coalition/outbox.py).
app = Celery("coalition", task_cls="coalition.outbox:OutboxAwareTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

"""Redis stopped while a person posts an action and others RSVP: pages succeed, no email is lost.

Real parts: PostgreSQL, a private redis-server (the broker and the cache, as
in production where they share one server) that the test stops and starts,
and a real ``celery worker``. While Redis is down the pages answer at once
and the confirmation emails wait as outbox rows; once Redis is back, the
flush hands them over, the worker sends each exactly once, and a second
hand-over of the same rows sends nothing more.
"""

from __future__ import annotations

import contextlib
import email
import time
from collections import Counter

import pytest
from django.test import override_settings

from actions.models import Action
from coalition.celery import app as celery_app
from coalition.models import OutboxMessage, OutboxStatus
from coalition.outbox import outbox_flush
from members.models import Group
from tests.conftest import running_celery_worker
from tests.factories import make_action, publish_privacy_policy, publish_statement
from tests.support import wait_for

SEPARATOR = "\n" + "-" * 79 + "\n"


@contextlib.contextmanager
def broker_and_cache_at(redis_url: str):
    """Point this process's Celery broker and the Django cache at ``redis_url``."""
    import coalition.outbox

    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = redis_url
    _drop_pools()
    caches = {
        "default": {
            "BACKEND": "coalition.cache.TolerantRedisCache",
            "LOCATION": redis_url.rsplit("/", 1)[0] + "/1",
        }
    }
    try:
        with override_settings(REDIS_URL=redis_url, CACHES=caches):
            yield
    finally:
        celery_app.conf.broker_url = previous
        _drop_pools()
        coalition.outbox._broker_down_until = 0.0


def _drop_pools() -> None:
    # The app keeps producer connections to the broker it first used.
    celery_app._pool = None
    amqp = celery_app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


def _received(mail_dir) -> Counter:
    sent: Counter = Counter()
    for path in mail_dir.iterdir():
        for chunk in path.read_text().split(SEPARATOR):
            if chunk.strip():
                message = email.message_from_string(chunk)
                sent[(message["To"], message["Subject"].split(":")[0])] += 1
    return sent


def _form(group, day: str) -> dict:
    return {
        "group": str(group.pk), "title": "Posted while Redis was down", "kind": "event",
        "place": str(group.place_id), "starts_at": f"{day}T10:30", "ends_at": f"{day}T12:30",
        "visibility": "public", "capacity": "20", "description": "", "tactic": "",
        "address": "", "latitude": "", "longitude": "",
    }  # fmt: skip


@pytest.mark.postgres
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_redis_down_while_posting_and_rsvping_the_pages_succeed_and_each_email_is_sent_once(
    client, group, group_admin, private_redis, tmp_path
):
    from tests.factories import consent_to_current_policy

    publish_privacy_policy()
    consent_to_current_policy(group_admin)
    Group.objects.filter(pk=group.pk).update(signed_version=publish_statement())
    existing = make_action(group, capacity=10, title="Walk that was there before")
    day = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 7 * 86400))

    with broker_and_cache_at(private_redis.url):
        private_redis.stop()

        client.force_login(group_admin)
        started = time.monotonic()
        posted = client.post("/actions/new/", _form(group, day))
        assert posted.status_code == 302, posted.content.decode()[:500]
        new = Action.objects.get(title="Posted while Redis was down")
        client.logout()
        for action, who in ((existing, "ada"), (new, "bo"), (new, "cy")):
            rsvp = client.post(
                f"/actions/{action.pk}/rsvp/",
                {"name": who.title(), "email": f"{who}@example.org", "consent": "on"},
            )
            assert rsvp.status_code == 302, rsvp.content.decode()[:500]
        # The broker's timeout is paid once, not once per request.
        assert time.monotonic() - started < 10
        waiting = OutboxMessage.objects.filter(task="coalition.tasks.email_send")
        assert list(waiting.values_list("status", flat=True)) == [OutboxStatus.PENDING] * 3

        private_redis.start()
        mail_dir = tmp_path / "mail"
        mail_dir.mkdir()
        env = {"REDIS_URL": private_redis.url, "EMAIL_URL": f"file://{mail_dir}"}
        with running_celery_worker(env=env):
            assert outbox_flush(older_than=0) == 3
            expected = Counter(
                {(f"{who}@example.org", "You are on the list"): 1 for who in ("ada", "bo", "cy")}
            )

            def all_sent() -> bool:
                return not waiting.exclude(status=OutboxStatus.DONE).exists()

            wait_for(all_sent, timeout=60)
            # Hand the same rows over again, as a flush racing a slow broker
            # would: the worker finds them done and sends nothing.
            for row in waiting:
                celery_app.tasks[row.task].apply_async(kwargs={**row.kwargs, "_outbox": row.pk})
            sentinel = OutboxMessage.objects.create(
                task="coalition.tasks.email_send",
                kwargs={"subject": "Sentinel", "body": "Last.", "to": ["sentinel@example.org"]},
            )
            assert outbox_flush(older_than=0) == 1

            def sentinel_sent() -> bool:
                return OutboxMessage.objects.filter(
                    pk=sentinel.pk, status=OutboxStatus.DONE
                ).exists()

            wait_for(sentinel_sent, timeout=60)

    received = _received(mail_dir)
    assert {key: n for key, n in received.items() if key[0] != "sentinel@example.org"} == expected

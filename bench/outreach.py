"""Outreach benchmark: personalised emails through Celery and Redis to a local SMTP sink.

``python -m bench.outreach --database-url postgres://…/coalition_outreach
--redis-url redis://127.0.0.1:6379/5`` prepares an audience of ``--emails``
prospect groups (each with its own contact address) in a place of their own,
starts a local SMTP sink (aiosmtpd, loopback) and ``--workers`` Celery worker
processes on the broker, then sends one outreach message to that audience
through the app's own services (``outreach_create``, ``outreach_send``: the
delivery rows, the batch task, merge fields, one SMTP connection per batch)
and waits until every delivery is done. It prints the time from the send to
the last message received, the throughput, and whether every address received
exactly one message (the exit status is 1 if not, or if a delivery failed).
See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path

from bench import parts
from bench.pages import RESULTS_DIR, database_kind, ensure_postgres_database, redact

REPO = parts.REPO
PLACE_NAME = "Outreach benchmark"
DOMAIN = "outreach.bench.example.org"  # invented addresses, delivered to the sink only
TARGET_SECONDS = 60.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.outreach", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="PostgreSQL database to use (created and migrated if needed; default $DATABASE_URL)",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("REDIS_URL", ""),
        help="Redis broker for Celery (default $REDIS_URL)",
    )
    parser.add_argument("--emails", type=int, default=10_000, help="recipients (10,000)")
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes (2)")
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="give up after this many seconds (600)"
    )
    args = parser.parse_args(argv)
    if database_kind(args.database_url) != "postgresql":
        parser.error("needs --database-url postgres://… (or DATABASE_URL)")
    if not args.redis_url:
        parser.error("needs --redis-url redis://… (or REDIS_URL)")
    if args.emails < 1 or args.workers < 1:
        parser.error("--emails and --workers must be at least 1")
    return args


def prepare_audience(count: int) -> int:
    """A place holding exactly ``count`` prospect groups with a contact address each."""
    from coalition.models import Place, PlaceKind
    from coalition.services import place_create
    from members.models import Group

    place = Place.objects.filter(name=PLACE_NAME, parent__isnull=True).first()
    if place is None:
        place = place_create(name=PLACE_NAME, kind=PlaceKind.CITY)
    have = Group.objects.filter(place=place).count()
    if have > count:
        Group.objects.filter(
            place=place,
            pk__in=Group.objects.filter(place=place).order_by("-id").values("pk")[: have - count],
        ).delete()
    elif have < count:
        Group.objects.bulk_create(
            (
                Group(
                    name=f"Outreach reader {number}",
                    slug=f"outreach-reader-{number}",
                    kind="community",
                    place=place,
                    stage="prospect",
                    contact_name=f"Reader {number}",
                    contact_email=f"reader{number}@{DOMAIN}",
                )
                for number in range(have + 1, count + 1)
            ),
            batch_size=2000,
        )
    return place.pk


def forget_earlier_runs(place: int) -> None:
    """Messages an interrupted earlier run left sending would reach the same addresses."""
    from coalition.models import OutboxMessage
    from members.models import OutreachMessage

    OutreachMessage.objects.filter(audience__place=place).delete()
    OutboxMessage.objects.filter(task="members.tasks.outreach_send_batch").delete()


def run(args: argparse.Namespace) -> int:
    started = dt.datetime.now(dt.UTC)
    scratch = Path(tempfile.mkdtemp(prefix="coalition-outreach-"))
    sink = None
    workers: list = []
    try:
        ensure_postgres_database(args.database_url)
        sink, smtp_port, received = parts.start_smtp_sink(scratch)
        env = dict(os.environ)
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "coalition.settings",
                "COALITION_ENV": "development",
                "DEBUG": "false",
                "DATABASE_URL": args.database_url,
                "REDIS_URL": args.redis_url,
                "EMAIL_URL": f"smtp://{parts.HOST}:{smtp_port}",
                # A queue of this run's own: nothing left in Redis by others reaches it.
                "CELERY_QUEUE": f"bench-outreach-{os.getpid()}",
                "SECRET_KEY": secrets.token_urlsafe(50),
                "LOG_LEVEL": "WARNING",
            }
        )
        os.environ.clear()
        os.environ.update(env)
        import django

        warnings.filterwarnings("ignore", "No directory at", UserWarning)
        django.setup()
        from django.core.management import call_command
        from django.db import connections

        from coalition.outbox import outbox_flush
        from members.models import Delivery, DeliveryStatus
        from members.services.outreach import outreach_create, outreach_send

        print(f"outreach: database {redact(args.database_url)}, migrate")
        call_command("migrate", "--no-input", verbosity=0)
        place = prepare_audience(args.emails)
        forget_earlier_runs(place)
        connections.close_all()

        print(f"outreach: {args.workers} Celery worker processes, SMTP sink on port {smtp_port}")
        for number in range(args.workers):
            workers.append(
                parts.start_celery_worker(
                    env,
                    concurrency=1,
                    queue=env["CELERY_QUEUE"],
                    log=scratch / f"celery-{number}.log",
                    name=f"outreach{number}",
                )
            )
        for worker in workers:
            parts.wait_for_worker(env, worker)

        message = outreach_create(
            subject="{{ group.name }}: clean air needs you",
            body=(
                "Dear {{ person.first_name }},\n\n{{ group.name }} is invited to join the "
                "network: {{ invitation_link }}\n\nUnsubscribe: {{ unsubscribe_link }}\n"
            ),
            audience={"place": place},
            by=None,
            sender_name="Outreach benchmark",
        )
        print(f"outreach: sending message {message.pk} to {args.emails:,} addresses")
        began = time.perf_counter()
        to_send = outreach_send(message=message, by=None)
        queued = time.perf_counter() - began
        deliveries = Delivery.objects.filter(message=message)
        deadline = began + args.timeout
        handed_again = 0
        last_flush = time.perf_counter()
        while time.perf_counter() < deadline:
            if time.perf_counter() - last_flush >= 2:
                # What beat does every OUTBOX_RETRY_SECONDS: hand over again a task
                # the broker did not take at the commit (it says so in the log).
                handed_again += outbox_flush(older_than=2)
                last_flush = time.perf_counter()
            open_rows = deliveries.filter(
                status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING]
            ).count()
            lines = sum(1 for _ in received.open())
            if not open_rows and lines >= to_send:
                break
            time.sleep(0.25)
        elapsed = time.perf_counter() - began
        statuses = Counter(deliveries.values_list("status", flat=True))
        expected = {f"reader{n}@{DOMAIN}" for n in range(1, args.emails + 1)}
        got = Counter(line.strip() for line in received.open() if line.strip())
        twice = sorted(address for address, n in got.items() if n > 1)
        missing = sorted(expected - set(got))
        strangers = sorted(set(got) - expected)
        rss = [parts.process_tree_rss_mb(worker.pid) for worker in workers]
        deliveries.delete()
        message.delete()
        connections.close_all()
    finally:
        for worker in workers:
            parts.stop(worker)
        parts.stop(sink)
        shutil.rmtree(scratch, ignore_errors=True)

    exactly_once = not twice and not missing and not strangers
    within = elapsed <= TARGET_SECONDS
    print()
    print(f"Coalition outreach: {args.workers} Celery worker processes, Redis broker, SMTP sink")
    print(f"emails asked:            {args.emails:,} ({to_send:,} to send)")
    print(f"recipients written:      {queued:.1f} s (outreach_send, in this process)")
    print(
        f"send to last received:   {elapsed:.1f} s "
        f"(target <= {TARGET_SECONDS:g} s: {'ok' if within else 'MISS'})"
    )
    print(f"throughput:              {sum(got.values()) / elapsed:.0f} emails/s")
    print(f"outbox hand-overs again: {handed_again} (tasks the broker missed at the commit)")
    print(f"delivery rows:           {dict(statuses)}")
    print(
        f"each address once:       {'yes' if exactly_once else 'NO'} "
        f"(received {sum(got.values()):,}; twice {len(twice)}, missing {len(missing)}, "
        f"unexpected {len(strangers)})"
    )
    print(f"worker RSS (with pool):  {', '.join(f'{mb:.0f} MB' for mb in rss)}")
    report = {
        "started": started.isoformat(timespec="seconds"),
        "database_url": redact(args.database_url),
        "workers": args.workers,
        "emails": args.emails,
        "to_send": to_send,
        "seconds_to_write_recipients": round(queued, 2),
        "seconds": round(elapsed, 2),
        "target_seconds": TARGET_SECONDS,
        "statuses": dict(statuses),
        "received": sum(got.values()),
        "twice": twice[:20],
        "missing": missing[:20],
        "unexpected": strangers[:20],
        "worker_rss_mb": [round(mb, 1) for mb in rss],
        "outbox_handed_again": handed_again,
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    target = RESULTS_DIR / f"outreach-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    target.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {target.relative_to(REPO)}")
    failed = statuses.get(DeliveryStatus.FAILED, 0)
    return 0 if exactly_once and not failed else 1


def _stop_on_terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # SIGTERM (a timeout, a supervisor) goes through run()'s finally like Ctrl-C,
    # so the workers and the sink this run started are stopped.
    signal.signal(signal.SIGTERM, _stop_on_terminate)
    try:
        return run(args)
    except KeyboardInterrupt:
        print("\noutreach: interrupted, workers and sink stopped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

"""Hand the broker the tasks the outbox still holds (what beat does every OUTBOX_RETRY_SECONDS)."""

from django.core.management.base import BaseCommand, CommandError

from coalition.outbox import FLUSH_BATCH, outbox_flush


class Command(BaseCommand):
    help = (
        "Hand the Celery broker the outbox's tasks that are still waiting (e.g. after Redis "
        "was down). Safe to run at any time: a task handed over twice runs once."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--older-than",
            type=float,
            default=None,
            metavar="SECONDS",
            help="Only tasks waiting at least this long (default: OUTBOX_RETRY_SECONDS; 0: all).",
        )
        parser.add_argument(
            "--batch",
            type=int,
            default=FLUSH_BATCH,
            help=f"At most this many tasks per round (default {FLUSH_BATCH}).",
        )

    def handle(self, *args, older_than: float | None, batch: int, **options) -> None:
        if older_than is not None and older_than < 0:
            raise CommandError("--older-than must be 0 or more seconds.")
        if batch < 1:
            raise CommandError("--batch must be at least 1.")
        total = 0
        while True:
            handed = outbox_flush(older_than=older_than, limit=batch)
            total += handed
            if handed < batch:
                break
        self.stdout.write(f"Handed {total} outbox task(s) to the broker.")

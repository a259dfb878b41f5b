"""Print a one-time link to /setup/ while the coalition is not set up (make run, docker entry)."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError
from django.urls import reverse

from coalition.selectors import setup_needed
from coalition.services import setup_token_issue


class Command(BaseCommand):
    help = (
        "While nobody has set the coalition up, print a fresh one-time link to the setup "
        "pages; once it is set up, say so in one line. Always exits 0."
    )

    def handle(self, *args, **options) -> None:
        try:
            needed = setup_needed()
            token = setup_token_issue() if needed else ""
        except DatabaseError as error:
            # Called by launchers: a database not migrated yet must not stop the app starting.
            self.stderr.write(f"No setup link: the database is not ready ({error}).")
            return
        if not needed:
            self.stdout.write("Coalition is set up; no setup link needed.")
            return
        link = f"{settings.SITE_URL}{reverse('setup')}?token={token}"
        self.stdout.write(
            self.style.SUCCESS(f"First run: open this link to set up your coalition: {link}")
        )

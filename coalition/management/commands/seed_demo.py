"""Build the invented demo coalition and its three demo logins (idempotent)."""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from coalition.demo import DEMO_LOGINS, DEMO_PASSWORD

# Only the project's own apps contribute demo data, in dependency order.
PROJECT_APPS = ["coalition", "members", "actions", "convergence", "reporting", "privacy"]


class Command(BaseCommand):
    help = "Create or refresh the demo coalition and the demo logins. Never in production."

    def handle(self, *args, **options) -> None:
        if settings.PRODUCTION:
            raise CommandError("seed_demo creates public demo logins; it never runs in production.")
        for label in PROJECT_APPS:
            config = apps.get_app_config(label)
            if find_spec(f"{config.name}.demo") is None:
                continue
            import_module(f"{config.name}.demo").seed()
            self.stdout.write(f"  demo data: {label}")
        # The dashboard reads monthly rollups: build them for the demo's history.
        if apps.is_installed("reporting"):
            from django.core.management import call_command

            call_command("rollups_rebuild", stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo coalition ready. Demo logins:"))
        for email, _, _ in DEMO_LOGINS:
            self.stdout.write(f"  {email}  /  {DEMO_PASSWORD}")

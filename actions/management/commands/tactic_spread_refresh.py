"""Count every tactic's public adoptions now, without waiting for the rollup job."""

from django.core.management.base import BaseCommand

from actions.services.playbook import tactic_spread_refresh


class Command(BaseCommand):
    help = "Count every tactic's public adoptions, places and months onto the tactic."

    def handle(self, *args, **options) -> None:
        counted = tactic_spread_refresh()
        self.stdout.write(f"{counted} tactics counted")

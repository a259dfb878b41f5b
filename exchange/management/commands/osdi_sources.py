"""Add OSDI sources and sync them from scripts: ``osdi_sources add URL --name NAME`` and
``osdi_sources sync [ID]``."""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError

from coalition.errors import RuleBroken


class Command(BaseCommand):
    help = "Add an OSDI source, or sync one source (or all) now."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="command", required=True)
        add = commands.add_parser("add", help="Add a source; prints its id.")
        add.add_argument("url", help="The OSDI entry point, e.g. https://actionnetwork.org/api/v2/")
        add.add_argument("--name", required=True)
        add.add_argument("--group", default="", help="The slug of the group it belongs to.")
        add.add_argument(
            "--key-env", default="",
            help="The environment variable holding the API key (never given on the command line).",
        )  # fmt: skip
        add.add_argument("--federation", action="store_true", help="Another coalition we follow.")
        add.add_argument("--network-name", default="")
        add.add_argument("--place", default="", help="The name of the place (default: the root).")
        sync = commands.add_parser("sync", help="Sync one source, or all, now.")
        sync.add_argument("id", nargs="?", type=int)
        sync.add_argument("--full", action="store_true", help="Read everything, not only changes.")

    def handle(self, *args, **options):
        if options["command"] == "add":
            return self._add(options)
        return self._sync(options)

    def _add(self, options) -> None:
        from coalition.models import Place
        from exchange.services.sources import source_create
        from members.models import Group

        group = None
        if options["group"]:
            group = Group.objects.filter(slug=options["group"]).first()
            if group is None:
                raise CommandError(f"No group with the address {options['group']!r}.")
        key = ""
        if options["key_env"]:
            key = os.environ.get(options["key_env"], "")
            if not key:
                raise CommandError(f"The variable {options['key_env']} is empty or not set.")
        places = Place.objects.order_by("path")
        place = places.filter(name=options["place"]).first() if options["place"] else places.first()
        if place is None:
            raise CommandError("No such place: create the place tree first.")
        try:
            source = source_create(
                by=None, name=options["name"], entry_point=options["url"], api_key=key,
                group=group, place=place, is_federation=options["federation"],
                network_name=options["network_name"],
            )  # fmt: skip
        except RuleBroken as problem:
            raise CommandError(problem.message) from None
        self.stdout.write(str(source.pk))

    def _sync(self, options) -> None:
        from exchange.models import Source
        from exchange.services.sources import source_sync

        sources = Source.objects.order_by("pk")
        if options["id"] is not None:
            sources = sources.filter(pk=options["id"])
            if not sources.exists():
                raise CommandError(f"No source {options['id']}.")
        failed = 0
        for source in sources:
            result = source_sync(source_id=source.pk, full=True if options["full"] else None)
            self.stdout.write(result.line(source.name))
            failed += bool(result.error)
        if failed:
            raise CommandError(f"{failed} source(s) could not be synced.")

"""Rebuild every rollup of the dashboard, from the month of the first record to today."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from reporting.rollups import rollups_rebuild


class Command(BaseCommand):
    help = (
        "Recompute the dashboard's monthly rollups from scratch (after an import, "
        "after seed_demo, or when people moved between groups)."
    )

    def handle(self, *args, **options) -> None:
        written = rollups_rebuild()
        self.stdout.write(f"Rollups rebuilt: {written} rows.")

"""Keeps ``PlaceCover`` exact: the aligned or producing groups in each place's subtree.

Group saves and deletions shift the counts of the group's place and of every
place above it, in the transaction that changes the group (``members.handlers``);
``place_cover_rebuild`` recounts everything, for moved, merged or deleted places
(their ancestry changed), a bulk load (``seed_scale``) and the migration.

Writes that bypass ``save()`` must keep a group's strength: moving prospects to
contacted (``groups_mark_contacted``) or aligned to producing (the demo) does.
"""

from __future__ import annotations

from collections import Counter

from django.db import transaction
from django.db.models import F

from coalition.models import Place
from members.models import STRONG_STAGES, Group, PlaceCover

REBUILD_BATCH = 2000  # rows per INSERT: a few thousand places, a handful of statements


def _ids_on_path(path: str) -> list[int]:
    """The place whose path this is and every place above it ("0000002a/0000002f/" → [42, 47])."""
    width = len(Place.segment(1))
    return [int(path[start : start + width - 1], 16) for start in range(0, len(path), width)]


def place_cover_shift(*, place_id: int, by: int) -> None:
    """Add ``by`` (+1 or -1) strong groups to ``place_id`` and every place above it."""
    path = Place.objects.filter(pk=place_id).values_list("path", flat=True).first()
    if not path:
        return
    ids = _ids_on_path(path)
    if by > 0:
        # A place's first strong group: its row (and its ancestors') may not exist yet.
        PlaceCover.objects.bulk_create(
            [PlaceCover(place_id=pk, strong_groups=0) for pk in ids], ignore_conflicts=True
        )
    PlaceCover.objects.filter(place_id__in=ids).update(strong_groups=F("strong_groups") + by)


def is_strong(stage: str | None) -> bool:
    return stage in STRONG_STAGES


@transaction.atomic
def place_cover_rebuild() -> int:
    """Recount every place's strong groups from scratch; returns the places covered."""
    counts: Counter[int] = Counter()
    paths = Group.objects.filter(stage__in=STRONG_STAGES).values_list("place__path", flat=True)
    for path in paths.order_by().iterator(chunk_size=REBUILD_BATCH):
        counts.update(_ids_on_path(path))
    PlaceCover.objects.all().delete()
    PlaceCover.objects.bulk_create(
        (PlaceCover(place_id=pk, strong_groups=n) for pk, n in counts.items()),
        batch_size=REBUILD_BATCH,
    )
    return len(counts)

"""Keeps ``Group.has_tie`` equal to what the tie registry (``members.ties``) says.

Every app that registers a kind of tie calls ``group_ties_refresh`` with the
groups whose ties it changed, in the same transaction: the members app for
relational meetings and group deletions (``members.handlers``), the actions app
for co-hosted actions (``actions.hooks_amplification``). A bulk load calls it
without ids (``seed_scale``), as does anything that registers a new kind.
"""

from __future__ import annotations

from collections.abc import Iterable

from members.models import Group
from members.ties import tied_groups_q


def group_ties_refresh(*, group_ids: Iterable[int | None] | None = None) -> int:
    """Recompute ``has_tie`` for ``group_ids`` (every group when None); returns rows changed.

    Two UPDATEs over the given groups only, each one indexed probe per group.
    """
    groups = Group.objects.all()
    if group_ids is not None:
        ids = {pk for pk in group_ids if pk is not None}
        if not ids:
            return 0
        groups = groups.filter(pk__in=ids)
    tied = tied_groups_q()
    changed = groups.filter(tied, has_tie=False).update(has_tie=True)
    return changed + groups.filter(has_tie=True).exclude(tied).update(has_tie=False)

"""Which groups have a tie to another group, from every app that registers a kind of tie.

A tie source is a function ``source() -> Q`` over ``members.Group`` matching
the groups that have at least one tie of its kind to *another* group. The
members app registers relational meetings between people of different groups
below; the actions app will add co-hosted actions from its
``AppConfig.ready()`` without the members app importing it::

    from members.ties import tie_source_register

    tie_source_register(lambda: Q(Exists(cohosts_with_another_group)))

Sources must build their Q from ``Exists``/``OuterRef`` (or an ``__in`` over a
subquery that never yields NULL): the "no ties" list negates the Q, and a
``NOT IN`` over a NULL would silently match nothing. Registering the same
function twice keeps one copy.

The answer is kept on ``Group.has_tie`` for pages that list groups without
ties: an app whose rows make or break a tie calls
``members.services.ties.group_ties_refresh(group_ids=…)`` in the same
transaction (the actions app does so from its amplifications' signals).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Exists, F, OuterRef, Q

from members.models import RelationalMeeting

TieSource = Callable[[], Q]

_sources: list[TieSource] = []


def tie_source_register(source: TieSource) -> TieSource:
    """Add a source of ties (usable as a decorator); idempotent."""
    if source not in _sources:
        _sources.append(source)
    return source


def tied_groups_q() -> Q:
    """Q over Group: the group has at least one tie of any registered kind."""
    combined: Q | None = None
    for source in _sources:
        combined = source() if combined is None else combined | source()
    return combined if combined is not None else Q(pk__in=[])


@tie_source_register
def meeting_ties() -> Q:
    """A relational meeting between one of the group's people and someone of another group."""
    across = RelationalMeeting.objects.filter(group_a__isnull=False, group_b__isnull=False).exclude(
        group_a=F("group_b")
    )
    return Q(Exists(across.filter(group_a=OuterRef("pk")))) | Q(
        Exists(across.filter(group_b=OuterRef("pk")))
    )

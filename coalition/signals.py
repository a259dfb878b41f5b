"""Signals the frame sends so higher apps can react without being imported here."""

from django.dispatch import Signal

statement_published = Signal()
"""Sent after a new unity statement version is published and committed.

Arguments: ``version`` (the ``StatementVersion``), ``by`` (the person who
published it, or None). Sent once per publication, from ``statement_publish``;
not sent for drafts or when a published version is edited in the admin.
"""

role_granted = Signal()
"""Sent after a network role is given to someone who did not hold it, once committed.

Arguments: ``person`` (who got it), ``role`` (a ``Role`` value), ``by`` (who
gave it, or None for a command or a setup). Sent from ``role_grant`` only when
the role is new; not sent when the admin adds a role directly.
"""

places_changed = Signal()
"""Sent after places were moved, merged or deleted, once the change is committed.

Arguments: ``change`` ("move", "merge" or "delete") and ``place_ids`` (the
places concerned: the moved place; the kept place then the absorbed ones; the
deleted place). Sent by ``place_relocate``, ``place_merge`` and ``place_delete``;
not sent for renames or new places, which change no place's position. Figures
kept per place path (the dashboard's rollups) are rebuilt on it.
"""

"""Signals the frame sends so higher apps can react without being imported here."""

from django.dispatch import Signal

statement_published = Signal()
"""Sent after a new unity statement version is published and committed.

Arguments: ``version`` (the ``StatementVersion``), ``by`` (the person who
published it, or None). Sent once per publication, from ``statement_publish``;
not sent for drafts or when a published version is edited in the admin.
"""

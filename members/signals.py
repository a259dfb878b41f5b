"""Signals of the members app, for higher apps (actions, reporting) to react to."""

from django.dispatch import Signal

group_signed = Signal()
"""Sent after a group's signature is confirmed and committed.

Arguments: ``group``, ``signature``. Sent once per confirmed signature (at
signing when the signer's email is verified, otherwise when they verify it).
Not sent for pending signatures.
"""

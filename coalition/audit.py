"""The audit log's one writer: every export, import, erasure, role change,
moderation decision and outreach send calls ``record``."""

from __future__ import annotations

from coalition.models import AuditEntry, AuditVerb


def actor_label(person) -> str:
    """How the log names a person: their name, else their account number.

    Never the email address, so the log does not become a second copy of it.
    """
    if person is None or not getattr(person, "is_authenticated", False):
        return ""
    return person.name or f"#{person.pk}"


def record(actor, verb: AuditVerb | str, subject: object = "", **detail) -> AuditEntry:
    """Write one audit entry inside the caller's transaction.

    ``actor`` is the person acting (None or anonymous for the system);
    ``subject`` is what was acted on, as words; ``detail`` holds counts and ids
    (JSON-serialisable), never personal fields.
    """
    known = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor=known,
        actor_label=actor_label(known),
        verb=AuditVerb(verb),
        subject=str(subject)[:300],
        detail=detail,
    )

"""The notification centre's part of "download my data" and "erase my data" (privacy.registry).

Messages to many written to the person's address (hosts', coordinators',
cancellations) and the kinds of email the address stopped with one click. Both
are kept by address, so a person without an account finds and erases them too.
The inbox itself (notifications, choices, digests) is in privacy/providers.py.
"""

from __future__ import annotations

from notifications.models import BroadcastDelivery, EmailOptOut
from privacy.registry import register


def _address(email: str) -> str:
    return (email or "").strip().lower()


def _messages_export_address(email: str) -> list[dict]:
    rows = (
        BroadcastDelivery.objects.filter(email=_address(email))
        .order_by("pk")
        .values(
            "broadcast__kind", "broadcast__subject", "broadcast__about_title", "name", "sent_at"
        )
    )
    return [
        {
            "kind": row["broadcast__kind"],
            "subject": row["broadcast__subject"],
            "about": row["broadcast__about_title"],
            "name": row["name"],
            "sent_at": row["sent_at"].isoformat() if row["sent_at"] else None,
        }
        for row in rows
    ]


def _messages_erase_address(email: str) -> int:
    return BroadcastDelivery.objects.filter(email=_address(email)).delete()[0]


def _opt_outs_export_address(email: str) -> list[dict]:
    return [
        {"kind": kind, "at": at.isoformat()}
        for kind, at in EmailOptOut.objects.filter(email=_address(email))
        .order_by("pk")
        .values_list("kind", "at")
    ]


def _opt_outs_erase_address(email: str) -> int:
    # With the address gone from everywhere, there is nothing left to keep it from.
    return EmailOptOut.objects.filter(email=_address(email)).delete()[0]


register(
    "messages_received",
    export=lambda person: _messages_export_address(person.email),
    erase=lambda person: _messages_erase_address(person.email),
    export_address=_messages_export_address,
    erase_address=_messages_erase_address,
    order=10,
)
register(
    "email_opt_outs",
    export=lambda person: _opt_outs_export_address(person.email),
    erase=lambda person: _opt_outs_erase_address(person.email),
    export_address=_opt_outs_export_address,
    erase_address=_opt_outs_erase_address,
    order=10,
)

"""Demo actions of every kind, amplifications, support requests, RSVPs and a tactic
adopted in three places."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone

from actions.models import (
    Action,
    ActionStatus,
    Amplification,
    Participation,
    SupportPledge,
    SupportRequest,
    Tactic,
)
from coalition.models import PrivacyPolicy
from members.models import Group, Stage

# (title, kind, host, days from today, visibility, capacity, latitude, longitude)
DEMO_ACTIONS = [
    ("Air quality walk along the docks", "event", "Dockyards Parents for Clean Air", -40,
     "public", 40, "54.5010", "-4.4020"),
    ("Letters to the port authority", "letters", "Mill Quarter Tenants Union", -25,
     "public", None, "54.5031", "-4.3981"),
    ("School gate petition", "petition", "Dockyards Parents for Clean Air", -12,
     "public", None, "54.4998", "-4.4050"),
    ("Meeting the health councillor", "lobby", "Harbourside Clinic Collective", 5,
     "network", 8, "54.5050", "-4.4102"),
    ("Clean air vigil", "direct", "St Brendan's Community Table", 9,
     "public", 60, "54.4990", "-4.3900"),
    ("Op-ed on asthma admissions", "media", "Harbourside Clinic Collective", 14,
     "public", None, None, None),
    ("Online town hall on bus lanes", "online", "Port Maren Cyclists", 21,
     "public", 200, None, None),
    ("Air quality walk in Old Town", "event", "St Brendan's Community Table", 30,
     "public", 30, "54.4970", "-4.3950"),
    ("Air quality walk by the cycle path", "event", "Port Maren Cyclists", 35,
     "public", 25, "54.5100", "-4.4200"),
    ("Air quality walk around the clinic", "event", "Harbourside Clinic Collective", 40,
     "public", 20, "54.5060", "-4.4110"),
    ("Planning our next steps", "event", "Mill Quarter Tenants Union", 3,
     "group", None, None, None),
]  # fmt: skip

WALK = "Air quality walk"


@transaction.atomic
def seed() -> None:
    people = get_user_model().objects
    admin = people.get(email="group-admin@example.org")
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    made: dict[str, Action] = {}
    for title, kind, host, days, visibility, capacity, lat, lon in DEMO_ACTIONS:
        group = Group.objects.get(name=host)
        start = now + timedelta(days=days, hours=18 - now.hour)
        action, _ = Action.objects.get_or_create(
            title=title,
            host_group=group,
            defaults={
                "kind": kind,
                "place": group.place,
                "address": f"Meet at the {group.place.name} library steps",
                "latitude": Decimal(lat) if lat else None,
                "longitude": Decimal(lon) if lon else None,
                "starts_at": start,
                "ends_at": start + timedelta(hours=2),
                "visibility": visibility,
                "capacity": capacity,
                "status": ActionStatus.DONE if days < 0 else ActionStatus.PLANNED,
                "description": f"{title}: an invented action of the demo coalition.",
                "created_by": admin if group.name == "Mill Quarter Tenants Union" else None,
            },
        )
        made[title] = action
        if group.stage == Stage.ALIGNED:
            Group.objects.filter(pk=group.pk).update(stage=Stage.PRODUCING)

    first_walk = made["Air quality walk along the docks"]
    Action.objects.filter(pk=first_walk.pk).update(
        participants=34, story="Parents measured the air at the school gates and shared it."
    )
    Action.objects.filter(pk=made["Letters to the port authority"].pk).update(letters_sent=212)
    Action.objects.filter(pk=made["School gate petition"].pk).update(signatures_gathered=1480)

    tactic, _ = Tactic.objects.get_or_create(
        slug="air-quality-walk",
        defaults={
            "title": "Air quality walk",
            "summary": "Neighbours walk a route with borrowed sensors and read the numbers aloud.",
            "why_it_worked": "Numbers from our own street are hard to dismiss.",
            "how_to": "Borrow sensors, pick a route past schools, invite the press.",
            "source_action": first_walk,
        },
    )
    # Adopted in three more places.
    Action.objects.filter(title__startswith=WALK).exclude(pk=first_walk.pk).update(tactic=tactic)

    amplifications = [
        ("Clean air vigil", "Mill Quarter Tenants Union", "endorse", None),
        ("Clean air vigil", "Dockyards Parents for Clean Air", "cohost", None),
        ("Clean air vigil", "Port Maren Cyclists", "pledge", 6),
        ("Air quality walk in Old Town", "Harbourside Clinic Collective", "share", None),
        ("School gate petition", "Mill Quarter Tenants Union", "endorse", None),
        ("Online town hall on bus lanes", "St Brendan's Community Table", "share", None),
    ]
    for title, group_name, kind, count in amplifications:
        Amplification.objects.get_or_create(
            action=made[title],
            group=Group.objects.get(name=group_name),
            kind=kind,
            defaults={"people": count},
        )

    vigil = made["Clean air vigil"]
    request, _ = SupportRequest.objects.get_or_create(
        action=vigil, kind="people", defaults={"amount": 20, "description": "Stewards on the night"}
    )
    SupportRequest.objects.get_or_create(
        action=vigil,
        kind="transport",
        defaults={"amount": 2, "description": "Vans for the banners"},
    )
    _pledge, created = SupportPledge.objects.get_or_create(
        request=request, group=Group.objects.get(name="Port Maren Cyclists"), defaults={"amount": 6}
    )
    if created:
        SupportRequest.objects.filter(pk=request.pk).update(pledged=6)

    policy = PrivacyPolicy.objects.order_by("-number").first()
    for number, name in enumerate(["Ana Ortiz", "Ben Achebe", "Chen Wu"], start=1):
        _, created = Participation.objects.get_or_create(
            action=vigil,
            email=f"rsvp{number}@example.net",
            defaults={"name": name, "privacy_policy": policy},
        )
        if created:
            Action.objects.filter(pk=vigil.pk).update(rsvp_count=models.F("rsvp_count") + 1)

    _seed_flag(made["Letters to the port authority"])


def _seed_flag(action: Action) -> None:
    """One open flag from a visitor, through the real service: the demo's moderator and
    steward find it in their notifications and in the moderation queue."""
    from django.contrib.auth.models import AnonymousUser

    from actions.models import Flag
    from actions.services.moderation import flag_create

    if not Flag.objects.filter(action=action).exists():
        flag_create(
            action=action,
            by=AnonymousUser(),
            reason="The letter names a port worker who did not agree to be named.",
            email="visitor@example.net",
        )

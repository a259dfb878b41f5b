"""Demo day of action: "Clean Air Day", open for registration, with goals, a toolkit and
two registered events (idempotent; no announcement is emailed)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from actions.models import Action, ActionStatus
from coalition.models import Place
from convergence.models import DayOfAction, DayStatus, Event, ToolkitKind
from members.models import Group

SLUG = "clean-air-day"

# (title, host, hours after the window opens, capacity, latitude, longitude, checklist done)
DEMO_EVENTS = [
    ("Clean Air Day walk through the Mill Quarter", "Mill Quarter Tenants Union", 2, 40,
     "54.5031", "-4.3981", ["venue", "invite"]),
    ("Clean Air Day bike ride to the town hall", "Port Maren Cyclists", 26, 60,
     "54.5100", "-4.4200", ["venue"]),
]  # fmt: skip

TALKING_POINTS = (
    "- Every neighbourhood deserves air that is safe to breathe.\n"
    "- Asthma admissions in Port Maren rose again last winter.\n"
    "- A clean air zone cuts traffic fumes where children walk to school.\n"
    "- We ask the city council to adopt the clean air zone this year."
)


@transaction.atomic
def seed() -> None:
    people = get_user_model().objects
    steering = people.get(email="steering@example.org")
    day = DayOfAction.objects.filter(slug=SLUG).first()
    if day is None:
        day = _create_day(steering)
    if not day.toolkit.exists():
        _seed_toolkit(day, steering)
    _seed_events(day)


def _create_day(steering) -> DayOfAction:
    from convergence.services.days import day_create

    opens = (timezone.localtime() + timedelta(days=12)).replace(
        hour=8, minute=0, second=0, microsecond=0
    )
    day = day_create(
        by=steering,
        title="Clean Air Day",
        purpose=(
            "On one weekend, every group in the network shows the council that people in "
            "every neighbourhood want clean air: walks, rides, letters and vigils, side by side."
        ),
        target="Port Maren and Alder Falls city councils",
        ask="Adopt a clean air zone around every school before next winter.",
        starts_at=opens,
        ends_at=opens + timedelta(hours=36),
        places=list(Place.objects.filter(name__in=["Port Maren", "Alder Falls"])),
        hub_groups=list(Group.objects.filter(name="Port Maren Cyclists")),
        goal_events=12,
        goal_participants=400,
    )
    # Published without the announcement: the demo sends no email.
    DayOfAction.objects.filter(pk=day.pk).update(status=DayStatus.OPEN, published_at=timezone.now())
    day.refresh_from_db()
    return day


def _seed_toolkit(day: DayOfAction, steering) -> None:
    from convergence.services.toolkit import toolkit_item_add, toolkit_item_update

    points = toolkit_item_add(
        day=day,
        kind=ToolkitKind.TALKING_POINTS,
        title="Talking points",
        text=TALKING_POINTS.rsplit("\n", 1)[0],
        by=steering,
    )
    # A second version, so the demo shows that earlier versions are kept.
    toolkit_item_update(item=points, text=TALKING_POINTS, by=steering)
    toolkit_item_add(
        day=day,
        kind=ToolkitKind.LINK,
        title="Air quality figures for Northland",
        url="https://example.org/northland-air-quality",
        text="Invented figures for the demo coalition.",
        by=steering,
    )
    toolkit_item_add(
        day=day,
        kind=ToolkitKind.GUIDE,
        title="How to run an air quality walk",
        text=(
            "1. Pick a route past a school, a busy road and a park.\n"
            "2. Borrow an air monitor from the clinic collective.\n"
            "3. Stop at each place, read the figures aloud, take a photo.\n"
            "4. End with the ask, and collect names for the letter to the council."
        ),
        by=steering,
    )


def _seed_events(day: DayOfAction) -> None:
    people = get_user_model().objects
    for title, host, hours, capacity, lat, lon, done in DEMO_EVENTS:
        group = Group.objects.filter(name=host).first()
        if group is None:
            continue
        starts = day.starts_at + timedelta(hours=hours)
        admin = group.memberships.filter(role__in=["admin", "contact"]).first()
        action, _created = Action.objects.get_or_create(
            title=title,
            host_group=group,
            defaults={
                "kind": "event",
                "place": group.place,
                "address": f"Meet at the {group.place.name} library steps",
                "latitude": Decimal(lat),
                "longitude": Decimal(lon),
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=2),
                "visibility": "public",
                "capacity": capacity,
                "status": ActionStatus.PLANNED,
                "description": f"{title}: an invented event of the demo coalition.",
                "created_by": people.filter(pk=admin.person_id).first() if admin else None,
            },
        )
        Event.objects.get_or_create(
            action=action,
            defaults={
                "day": day,
                "registered_by": action.created_by,
                "checklist": dict.fromkeys(done, True),
            },
        )

"""Demo data of the frame: the invented coalition and the demo logins' roles.

``manage.py seed_demo`` calls ``seed()`` in every app that has a ``demo``
module, lowest app first, so each app adds its own part of the demo.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from coalition.models import (
    Caucus,
    Coalition,
    NetworkRole,
    Place,
    PlaceKind,
    PrivacyPolicy,
    Role,
    StatementVersion,
    WorkingGroup,
)

DEMO_PASSWORD = "coalition-demo"  # noqa: S105  # nosec B105  # public by design, demo only

# (email, name, network roles)
DEMO_LOGINS = [
    ("weaver@example.org", "Wren Weaver", [Role.WEAVER]),
    ("steering@example.org", "Sol Steering", [Role.STEERING, Role.COORDINATOR]),
    ("group-admin@example.org", "Gale Groupadmin", []),
    ("steward@example.org", "Sasha Steward", [Role.STEWARD]),
    ("moderator@example.org", "Morgan Moderator", [Role.MODERATOR]),
]


@transaction.atomic
def seed() -> list[str]:
    Coalition.objects.update_or_create(
        pk=1,
        defaults={
            "name": "Clean Air Alliance",
            "cause": "Every neighbourhood deserves air that is safe to breathe.",
            "description": (
                "An invented coalition of tenant unions, parent groups, faith "
                "communities and clinics, used to show what Coalition does."
            ),
            "language": "en",
            "time_zone": "Europe/London",
            "set_up_at": timezone.now(),
        },
    )
    from allauth.account.models import EmailAddress

    User = get_user_model()
    for email, name, roles in DEMO_LOGINS:
        user, _ = User.objects.get_or_create(email=email, defaults={"name": name})
        if user.name != name:
            user.name = name
        if not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
        user.save()
        # Verified, so the demo logins pass mandatory email verification.
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        for role in roles:
            NetworkRole.objects.get_or_create(person=user, role=role)
    _seed_places()
    _seed_statement()
    _seed_networks()
    return [email for email, _, _ in DEMO_LOGINS]


# (name, kind, parent name) — an invented country, smallest places last.
DEMO_PLACES = [
    ("Everywhere", PlaceKind.GLOBAL, None),
    ("Northland", PlaceKind.NATION, "Everywhere"),
    ("Lakeshore Region", PlaceKind.REGION, "Northland"),
    ("Hill Country", PlaceKind.REGION, "Northland"),
    ("Port Maren", PlaceKind.CITY, "Lakeshore Region"),
    ("Alder Falls", PlaceKind.CITY, "Lakeshore Region"),
    ("Corvin", PlaceKind.CITY, "Hill Country"),
    ("Harbourside", PlaceKind.DISTRICT, "Port Maren"),
    ("Old Town", PlaceKind.DISTRICT, "Port Maren"),
    ("Mill Quarter", PlaceKind.NEIGHBOURHOOD, "Harbourside"),
    ("Dockyards", PlaceKind.NEIGHBOURHOOD, "Harbourside"),
]


# Centres, and for the larger places an area (south, west, north, east), so the
# demo's maps frame a filtered place and "within N km" has somewhere to measure from.
DEMO_LOCATIONS = {
    "Lakeshore Region": ("54.55", "-4.30", ("54.30", "-4.70", "54.80", "-3.90")),
    "Hill Country": ("54.35", "-3.90", ("54.10", "-4.20", "54.60", "-3.60")),
    "Port Maren": ("54.5020", "-4.4030", ("54.4900", "-4.4300", "54.5150", "-4.3800")),
    "Alder Falls": ("54.6200", "-4.2500", None),
    "Corvin": ("54.3500", "-3.9000", None),
    "Harbourside": ("54.5030", "-4.4040", None),
    "Old Town": ("54.4975", "-4.3940", None),
    "Mill Quarter": ("54.5031", "-4.3981", None),
    "Dockyards": ("54.5005", "-4.4030", None),
}


def _seed_places() -> None:
    from coalition.services import place_create, place_locate

    made: dict[str, Place] = {}
    for name, kind, parent_name in DEMO_PLACES:
        parent = made.get(parent_name) if parent_name else None
        existing = Place.objects.filter(name=name, parent=parent).first()
        made[name] = existing or place_create(name=name, kind=kind, parent=parent)
        if name in DEMO_LOCATIONS and made[name].latitude is None:
            lat, lon, box = DEMO_LOCATIONS[name]
            south, west, north, east = (Decimal(v) for v in box) if box else (None,) * 4
            place_locate(
                place=made[name], latitude=Decimal(lat), longitude=Decimal(lon),
                min_latitude=south, min_longitude=west, max_latitude=north, max_longitude=east,
            )  # fmt: skip


def _seed_statement() -> None:
    from coalition.services import statement_draft_create, statement_publish

    if not StatementVersion.objects.exists():
        version = statement_draft_create(
            title="Clean air is a common good",
            text=(
                "We are tenants, parents, workers, believers and neighbours. We unite so "
                "that every neighbourhood breathes air that is safe, whoever lives there."
            ),
            principles=[
                ("Act where we live", "Each group acts in its own place, in its own way."),
                ("Support each other", "We amplify and support each other's actions."),
                ("Nonviolence", "Our actions are peaceful and open."),
            ],
        )
        statement_publish(version=version)
    PrivacyPolicy.objects.get_or_create(
        number=1,
        defaults={
            "text": (
                "We keep the names and contact details of groups and their contact people "
                "to run the network. Public pages show only groups that agreed to be listed."
            ),
            "published_at": timezone.now(),
        },
    )


def _seed_networks() -> None:
    for name, slug, lever in [
        ("Policy and law", "policy", "Change the rules on air quality"),
        ("Public health", "health", "Make pollution a health issue"),
        ("Neighbourhood action", "neighbourhoods", "Organise street by street"),
    ]:
        WorkingGroup.objects.get_or_create(slug=slug, defaults={"name": name, "lever": lever})
    for name, slug in [("Youth", "youth"), ("Faith", "faith"), ("Rural", "rural")]:
        Caucus.objects.get_or_create(slug=slug, defaults={"name": name})

"""Demo groups at every scale: prospects, signed groups, members and the demo group admin."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from coalition.models import Caucus, Place, StatementVersion, WorkingGroup
from members.models import Group, Membership, MembershipRole, Signature, Stage

# (name, kind, place, stage, working group slugs, caucus slugs)
DEMO_GROUPS = [
    ("Mill Quarter Tenants Union", "union", "Mill Quarter", Stage.ALIGNED, ["neighbourhoods"], []),
    ("Dockyards Parents for Clean Air", "community", "Dockyards", Stage.PRODUCING, ["health"], []),
    ("Harbourside Clinic Collective", "ngo", "Harbourside", Stage.ALIGNED, ["health"], []),
    ("St Brendan's Community Table", "faith", "Old Town", Stage.PRODUCING, [], ["faith"]),
    ("Port Maren Cyclists", "informal", "Port Maren", Stage.ALIGNED, ["neighbourhoods"], ["youth"]),
    ("Alder Falls Farmers Cooperative", "business", "Alder Falls", Stage.CONTACTED, [], ["rural"]),
    ("Corvin Youth Climate Circle", "informal", "Corvin", Stage.PROSPECT, [], ["youth"]),
    ("Lakeshore Nurses Union", "union", "Lakeshore Region", Stage.CONTACTED, ["health"], []),
    ("Northland Air Trust", "funder", "Northland", Stage.PROSPECT, ["policy"], []),
    ("Hill Country Walkers", "community", "Hill Country", Stage.LAPSED, [], ["rural"]),
]


@transaction.atomic
def seed() -> None:
    from members.services.groups import group_create

    version = (
        StatementVersion.objects.filter(published_at__isnull=False).order_by("-number").first()
    )
    for name, kind, place_name, stage, wg_slugs, caucus_slugs in DEMO_GROUPS:
        group = Group.objects.filter(name=name).first()
        if group is None:
            group = group_create(
                name=name,
                kind=kind,
                place=Place.objects.get(name=place_name),
                description=f"{name} is an invented group in the demo coalition.",
                listing_consent=stage in {Stage.ALIGNED, Stage.PRODUCING},
                contact_email=f"contact@{group_slug(name)}.example.org",
                reason="Demo data",
            )
            group.working_groups.set(WorkingGroup.objects.filter(slug__in=wg_slugs))
            group.caucuses.set(Caucus.objects.filter(slug__in=caucus_slugs))
        if stage in {Stage.ALIGNED, Stage.PRODUCING} and version is not None:
            Signature.objects.get_or_create(
                group=group,
                version=version,
                defaults={"listing_consent": True, "confirmed_at": version.published_at},
            )
            group.signed_version = version
        if group.stage != stage:
            group.stage = stage
        group.save()

    admin = get_user_model().objects.get(email="group-admin@example.org")
    home = Group.objects.get(name="Mill Quarter Tenants Union")
    Membership.objects.get_or_create(
        group=home, person=admin, defaults={"role": MembershipRole.ADMIN}
    )

    from members.demo_relationships import seed as seed_relationships

    seed_relationships()
    _seed_outreach_and_invitations()


def _seed_outreach_and_invitations() -> None:
    """A draft outreach message to prospects and an open invitation, for the weaver."""
    import hashlib
    from datetime import timedelta

    from django.utils import timezone

    from members.models import Invitation, InvitationKind, OutreachMessage
    from members.services.outreach import outreach_create

    weaver = get_user_model().objects.get(email="weaver@example.org")
    if not OutreachMessage.objects.filter(created_by=weaver).exists():
        outreach_create(
            subject="{{ group.name }}: join the Clean Air Alliance",
            body=(
                "Hello {{ person.first_name }},\n\n"
                "Groups across Northland are acting together for clean air. We would love "
                "{{ group.name }} to join us: read our statement and sign here:\n"
                "{{ invitation_link }}\n\nWren, for the Clean Air Alliance"
            ),
            audience={"stages": [Stage.PROSPECT, Stage.CONTACTED]},
            by=weaver,
            sender_name="Clean Air Alliance",
        )
    prospect = Group.objects.get(name="Corvin Youth Climate Circle")
    if not Invitation.objects.filter(group=prospect).exists():
        # The token of a demo invitation is never shown: only its hash is kept.
        Invitation.objects.create(
            kind=InvitationKind.GROUP,
            group=prospect,
            email="contact@corvin-youth-climate-circle.example.org",
            token_hash=hashlib.sha256(f"demo-{prospect.pk}".encode()).hexdigest(),
            created_by=weaver,
            expires_at=timezone.now() + timedelta(days=14),
        )


def group_slug(name: str) -> str:
    from django.utils.text import slugify

    return slugify(name)[:40]

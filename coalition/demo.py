"""Demo data of the frame: the invented coalition and the demo logins' roles.

``manage.py seed_demo`` calls ``seed()`` in every app that has a ``demo``
module, lowest app first, so each app adds its own part of the demo.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from coalition.models import Coalition, NetworkRole, Role

DEMO_PASSWORD = "coalition-demo"  # noqa: S105 - public by design, demo only

# (email, name, network roles)
DEMO_LOGINS = [
    ("weaver@example.org", "Wren Weaver", [Role.WEAVER]),
    ("steering@example.org", "Sol Steering", [Role.STEERING, Role.COORDINATOR]),
    ("group-admin@example.org", "Gale Groupadmin", []),
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
    return [email for email, _, _ in DEMO_LOGINS]

"""factory_boy factories for the network's records; personal data here is invented."""

from __future__ import annotations

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from coalition.models import Place, PlaceKind, PrivacyPolicy, StatementVersion
from coalition.services import place_create, statement_draft_create, statement_publish
from members.models import Group, GroupKind, Membership, MembershipRole, Stage, User

PASSWORD = "correct horse battery staple"


class PersonFactory(factory.django.DjangoModelFactory):
    """A person with a verified email address and the test password."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.net")
    name = factory.Sequence(lambda n: f"Person {n} Testperson")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if not create:
            return
        self.save()
        EmailAddress.objects.create(
            user=self, email=self.email, primary=True, verified=extracted is not False
        )
        consent_to_current_policy(self)


def consent_to_current_policy(person: User) -> None:
    """Test people have agreed to the current privacy policy, as people who signed up
    have; tests of re-consent publish a newer version after making them."""
    from privacy.models import ConsentHow, ConsentRecord

    policy = PrivacyPolicy.objects.filter(published_at__isnull=False).order_by("-number").first()
    if policy is not None:
        ConsentRecord.objects.create(person=person, policy=policy, how=ConsentHow.SIGNUP)


def make_place(name: str = "Riverside", kind: int = PlaceKind.CITY, parent: Place | None = None):
    return place_create(name=name, kind=kind, parent=parent)


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group

    name = factory.Sequence(lambda n: f"Test Group {n}")
    slug = factory.Sequence(lambda n: f"test-group-{n}")
    kind = GroupKind.COMMUNITY
    place = factory.LazyFunction(lambda: Place.objects.first() or make_place())
    stage = Stage.PROSPECT


def add_member(group: Group, person: User, role: str = MembershipRole.MEMBER) -> Membership:
    return Membership.objects.create(group=group, person=person, role=role)


def publish_statement(
    title: str = "Clean air for all", principles: int = 2, by: User | None = None
) -> StatementVersion:
    version = statement_draft_create(
        title=title,
        text="We stand together for air that is safe to breathe.",
        principles=[(f"Principle {n}", f"What principle {n} means.") for n in range(principles)],
    )
    return statement_publish(version=version, by=by)


def publish_privacy_policy(number: int = 1) -> PrivacyPolicy:
    """A published policy everyone already in the test has agreed to (see
    ``consent_to_current_policy``); publish through ``privacy.services.policies`` to
    have people asked again."""
    from privacy.models import ConsentHow, ConsentRecord

    policy = PrivacyPolicy.objects.create(
        number=number, text="What we gather, why, and who sees it.", published_at=timezone.now()
    )
    ConsentRecord.objects.bulk_create(
        ConsentRecord(person=person, policy=policy, how=ConsentHow.SIGNUP)
        for person in User.objects.all()
    )
    return policy


def make_action(group: Group, *, by: User | None = None, days_ahead: int = 7, **fields):
    """An action hosted by ``group`` (created directly: no rules, no rate limit)."""
    from datetime import timedelta

    from actions.models import Action

    start = timezone.now() + timedelta(days=days_ahead)
    values = {
        "title": "Air quality walk",
        "kind": "event",
        "place": group.place,
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "visibility": "public",
        "created_by": by,
    }
    values.update(fields)
    return Action.objects.create(host_group=group, **values)


def make_day(*, places=(), status: str = "open", days_ahead: int = 14, hours: int = 48, **fields):
    """A day of action covering ``places`` (created directly, no announcement)."""
    from datetime import timedelta

    from convergence.models import DayOfAction

    start = timezone.now() + timedelta(days=days_ahead)
    values = {
        "title": "Clean Air Day",
        "slug": "clean-air-day",
        "purpose": "Show the council that every neighbourhood wants clean air.",
        "target": "The city council",
        "ask": "Adopt the clean air zone.",
        "starts_at": start,
        "ends_at": start + timedelta(hours=hours),
        "status": status,
    }
    values.update(fields)
    day = DayOfAction.objects.create(**values)
    day.places.set(places)
    return day

"""Publishing a day of action: draft to open once, announced once to exactly the signed
groups in its places."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from coalition.errors import RuleBroken
from coalition.models import PlaceKind
from convergence.models import DayStatus
from convergence.selectors import day_covers_q
from convergence.services.days import day_publish
from members.models import Delivery, Group, OutreachMessage, Stage
from tests.factories import GroupFactory, PersonFactory, add_member, make_day, make_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    """Lakeshore region > Port Maren city > Harbourside district; Alder Falls; far-off Corvin."""
    region = make_place("Lakeshore", kind=PlaceKind.REGION)
    city = make_place("Port Maren", parent=region)
    return {
        "region": region,
        "city": city,
        "district": make_place("Harbourside", kind=PlaceKind.DISTRICT, parent=city),
        "alder": make_place("Alder Falls", parent=region),
        "corvin": make_place("Corvin"),
    }


def _group(name: str, place, stage: str, *, speaker: bool = True) -> Group:
    group = GroupFactory(name=name, place=place, stage=stage)
    if speaker:
        person = PersonFactory(email=f"{group.slug}@example.net", name=f"{name} Admin")
        add_member(group, person, "admin")
    return group


@pytest.fixture
def groups(tree):
    return {
        "city": _group("City Tenants", tree["city"], Stage.ALIGNED),
        "district": _group("Harbour Parents", tree["district"], Stage.PRODUCING),
        "alder": _group("Alder Cyclists", tree["alder"], Stage.ALIGNED),
        "prospect": _group("City Prospect", tree["city"], Stage.PROSPECT),
        "contacted": _group("City Contacted", tree["city"], Stage.CONTACTED),
        "lapsed": _group("City Lapsed", tree["city"], Stage.LAPSED),
        "far": _group("Corvin Youth", tree["corvin"], Stage.ALIGNED),
        "above": _group("Lakeshore Nurses", tree["region"], Stage.ALIGNED),
    }


def _recipients() -> set[str]:
    return {address for message in mail.outbox for address in message.to}


def test_publishing_opens_the_day_and_announces_it_to_the_signed_groups_in_its_places(
    coordinator, tree, groups, django_capture_on_commit_callbacks
):
    day = make_day(places=[tree["city"], tree["alder"]], status=DayStatus.DRAFT)

    with django_capture_on_commit_callbacks(execute=True):
        message = day_publish(day=day, by=coordinator)

    day.refresh_from_db()
    assert day.status == DayStatus.OPEN
    assert day.published_at is not None
    expected = {f"{groups[key].slug}@example.net" for key in ("city", "district", "alder")}
    assert _recipients() == expected
    assert len(mail.outbox) == 3
    # The same groups as the day's own rule for "in its places".
    covered = Group.objects.filter(
        day_covers_q(day, "place"), stage__in=[Stage.ALIGNED, Stage.PRODUCING]
    )
    assert {f"{group.slug}@example.net" for group in covered} == expected
    assert message.audience["places"] == sorted([tree["city"].pk, tree["alder"].pk])


def test_the_announcement_says_what_when_the_ask_and_where_to_register(
    coordinator, tree, groups, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://coalition.example.org"
    day = make_day(places=[tree["alder"]], status=DayStatus.DRAFT, ask="Adopt the zone now.")

    with django_capture_on_commit_callbacks(execute=True):
        day_publish(day=day, by=coordinator)

    [email] = mail.outbox
    assert "Clean Air Day" in email.subject
    assert str(timezone.localtime(day.starts_at).year) in email.subject
    assert "Adopt the zone now." in email.body
    assert "The city council" in email.body
    assert "Hello Alder" in email.body  # the merge field for the first name
    assert "Alder Cyclists can register a local event" in email.body
    assert f"https://coalition.example.org{reverse('convergence:day', args=[day.slug])}" in (
        email.body
    )
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_double_publish_publishes_and_announces_once(
    coordinator, tree, groups, django_capture_on_commit_callbacks
):
    day = make_day(places=[tree["city"]], status=DayStatus.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        day_publish(day=day, by=coordinator)

    with (
        pytest.raises(RuleBroken, match="already published"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        day_publish(day=day, by=coordinator)

    assert OutreachMessage.objects.count() == 1
    assert len(mail.outbox) == 2  # the city group and the district group, once each


def test_a_double_click_on_the_page_announces_once(client, coordinator, tree, groups):
    day = make_day(places=[tree["city"]], status=DayStatus.DRAFT)
    client.force_login(coordinator)
    url = reverse("convergence:day_publish", args=[day.slug])

    first = client.post(url)
    second = client.post(url, follow=True)

    assert first.status_code == 302
    assert "already published" in second.content.decode()
    assert Delivery.objects.count() == 2
    assert len(mail.outbox) == 2


def test_a_stale_copy_of_the_day_cannot_publish_twice(
    coordinator, tree, groups, django_capture_on_commit_callbacks
):
    day = make_day(places=[tree["city"]], status=DayStatus.DRAFT)
    stale = type(day).objects.get(pk=day.pk)
    day_publish(day=day, by=coordinator)

    with pytest.raises(RuleBroken):
        day_publish(day=stale, by=coordinator)
    assert OutreachMessage.objects.count() == 1


def test_a_day_with_no_signed_group_in_its_places_is_published_without_email(
    coordinator, tree, django_capture_on_commit_callbacks
):
    _group("Corvin Youth", tree["corvin"], Stage.ALIGNED)
    day = make_day(places=[tree["alder"]], status=DayStatus.DRAFT)

    with django_capture_on_commit_callbacks(execute=True):
        assert day_publish(day=day, by=coordinator) is None

    day.refresh_from_db()
    assert day.status == DayStatus.OPEN
    assert mail.outbox == []


def test_a_day_whose_window_is_over_is_not_published(coordinator, tree, groups):
    day = make_day(places=[tree["city"]], status=DayStatus.DRAFT, days_ahead=-5, hours=24)

    with pytest.raises(RuleBroken, match="window of this day of action is over"):
        day_publish(day=day, by=coordinator)

    day.refresh_from_db()
    assert day.status == DayStatus.DRAFT


def test_merge_fields_typed_into_a_day_are_not_merge_fields(
    coordinator, tree, groups, django_capture_on_commit_callbacks
):
    day = make_day(
        places=[tree["alder"]],
        status=DayStatus.DRAFT,
        ask="Write {{ secret }} and {{ group.name }}",
    )

    with django_capture_on_commit_callbacks(execute=True):
        day_publish(day=day, by=coordinator)

    [email] = mail.outbox
    assert "Write { { secret } } and { { group.name } }" in email.body


@pytest.mark.parametrize("person", ["weaver", "group_admin", "outsider"])
def test_only_coordinators_and_steering_publish(request, person, tree):
    day = make_day(places=[tree["city"]], status=DayStatus.DRAFT)

    with pytest.raises(RuleBroken):
        day_publish(day=day, by=request.getfixturevalue(person))
    day.refresh_from_db()
    assert day.status == DayStatus.DRAFT


def test_an_open_day_is_not_published_again(coordinator, tree):
    day = make_day(places=[tree["city"]], status=DayStatus.OPEN)

    with pytest.raises(RuleBroken):
        day_publish(day=day, by=coordinator)


def test_publishing_leaves_the_window_as_it_was(coordinator, tree, groups):
    start = timezone.now() + timedelta(days=3)
    day = make_day(places=[tree["city"]], status=DayStatus.DRAFT, starts_at=start)

    day_publish(day=day, by=coordinator)

    day.refresh_from_db()
    assert day.starts_at == start

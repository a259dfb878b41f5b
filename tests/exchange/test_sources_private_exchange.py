"""Following another coalition's OSDI face: without a key only its public events come over;
with a key it issued (a personal API token of one of its members) its network events do
too, kept visible to our network only. Both sides are this app, on the live server."""

from __future__ import annotations

import pytest
from django.utils import timezone

from actions.models import Action
from api.services.tokens import token_create
from exchange.services.sources import source_create, source_sync
from members.models import Signature
from tests.factories import make_action, publish_privacy_policy, publish_statement

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def their_events(group, group_admin):
    version, policy = publish_statement(), publish_privacy_policy()
    Signature.objects.create(
        group=group, version=version, signed_by=group_admin, confirmed_at=timezone.now(),
        listing_consent=True, privacy_policy=policy,
    )  # fmt: skip
    group.signed_version = version
    group.save(update_fields=["signed_version"])
    make_action(group, title="Open picnic by the river")
    make_action(group, title="Members' strategy night", visibility="network")


def _follow(live_server, place, *, key: str = ""):
    source = source_create(
        by=None, name="Tidewater", entry_point=f"{live_server.url}/api/osdi/v1/", api_key=key,
        place=place, is_federation=True, network_name="Tidewater Network",
    )  # fmt: skip
    result = source_sync(source_id=source.pk)
    assert result.error == ""
    return dict(
        Action.objects.filter(origin_system=source.origin_system).values_list("title", "visibility")
    )


def test_without_a_key_only_public_events_are_followed(live_server, settings, place, their_events):
    settings.SOURCES_ALLOW_PRIVATE_NETWORKS = True

    assert _follow(live_server, place) == {"Open picnic by the river": "public"}


def test_a_key_the_other_side_issued_brings_its_network_events_kept_private_here(
    live_server, settings, place, group_admin, their_events
):
    settings.SOURCES_ALLOW_PRIVATE_NETWORKS = True
    _token, key = token_create(person=group_admin, name="Followed by Lakeside")

    assert _follow(live_server, place, key=key) == {
        "Open picnic by the river": "public",
        "Members' strategy night": "network",
    }


def test_events_registered_for_a_day_carry_its_address_as_a_tag_a_follower_rule_uses(
    live_server, settings, place, group, their_events
):
    from convergence.models import Event
    from tests.factories import make_day

    settings.SOURCES_ALLOW_PRIVATE_NETWORKS = True
    day = make_day(places=[place], slug="clean-air-day")
    picnic = Action.objects.get(title="Open picnic by the river")
    Action.objects.filter(pk=picnic.pk).update(
        starts_at=day.starts_at + timezone.timedelta(hours=1),
        ends_at=day.starts_at + timezone.timedelta(hours=2),
    )
    Event.objects.create(day=day, action=picnic)
    source = source_create(
        by=None, name="Tidewater", entry_point=f"{live_server.url}/api/osdi/v1/", place=place,
        is_federation=True, attach_day=day, attach_tag="clean-air-day",
    )  # fmt: skip

    assert source_sync(source_id=source.pk).error == ""

    copy = Action.objects.get(origin_system=source.origin_system, title=picnic.title)
    assert copy.day_event.day == day

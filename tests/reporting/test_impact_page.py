"""The public impact page: open to all, built only from public records, fixed queries."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from members.models import Stage
from reporting.models import Win
from reporting.rollups import rollups_rebuild, rollups_refresh
from tests.factories import GroupFactory, make_action, make_day, publish_statement

pytestmark = pytest.mark.django_db

URL = "/impact/"


def test_the_address_is_stable():
    assert reverse("reporting:impact") == URL


@pytest.mark.parametrize(
    "who", [None, "outsider", "group_member", "group_admin", "weaver", "steering_member"]
)
def test_everyone_can_read_the_impact_page(client, request, who):
    if who:
        client.force_login(request.getfixturevalue(who))

    assert client.get(URL).status_code == 200


def test_posting_to_the_page_is_not_allowed(client):
    assert client.post(URL, {"junk": "²"}).status_code == 405


@pytest.fixture
def network(group, place):
    """Public and private records side by side."""
    version = publish_statement()
    group.signed_version = version
    group.save()
    GroupFactory(
        name="Unlisted Signers", place=place, signed_version=version, listing_consent=False
    )
    GroupFactory(name="Listed Prospect", place=place, stage=Stage.PROSPECT, listing_consent=True)
    past = {"days_ahead": -10, "status": "done", "latitude": Decimal("54.5"),
            "longitude": Decimal("-4.4")}  # fmt: skip
    make_action(group, title="Public march held", participants=40, **past)
    make_action(group, title="Network-only briefing", visibility="network", participants=500,
                **past)  # fmt: skip
    make_action(group, title="Group-only planning", visibility="group", participants=700,
                **past)  # fmt: skip
    make_action(group, title="Hidden rally", participants=900, hidden_at=timezone.now(), **past)
    make_action(group, title="Planned public walk", days_ahead=5, participants=3000)
    today = timezone.localdate()
    Win.objects.create(
        title="Public shore power win", won_on=today, place=place, level="full",
        evidence_url="https://example.org/evidence", is_public=True,
    )  # fmt: skip
    Win.objects.create(
        title="Private deal with a councillor", won_on=today, place=place, level="partial",
        is_public=False,
    )  # fmt: skip
    make_day(
        places=[place], status="reported", days_ahead=-30, slug="held-day", title="Held Day",
        total_events=12, total_participants=345,
    )  # fmt: skip
    make_day(places=[place], status="draft", slug="draft-day", title="Secret Draft Day")
    return group


@pytest.mark.parametrize("rolled", [False, True])
@pytest.mark.parametrize("who", [None, "weaver", "steering_member", "group_admin"])
def test_only_public_records_show_and_count(client, network, request, who, rolled):
    if rolled:  # the counts come from the rollups once the job has run
        rollups_rebuild()
    if who:
        client.force_login(request.getfixturevalue(who))

    response = client.get(URL)
    impact = response.context["impact"]
    text = response.content.decode()

    assert [w.title for w in impact.wins] == ["Public shore power win"]
    assert impact.listed_groups == 1
    assert impact.actions_held == 1
    assert impact.participants == 40
    assert [d.title for d in impact.days] == ["Held Day"]
    assert [a.title for a in impact.mapped_actions] == ["Public march held"]
    assert "Public shore power win" in text and "https://example.org/evidence" in text
    assert "345" in text
    for secret in [
        "Private deal", "Network-only briefing", "Group-only planning", "Hidden rally",
        "Secret Draft Day", "Unlisted Signers", "admin@example.net", "Ada Admin",
    ]:  # fmt: skip
        assert secret not in text


def test_the_map_asks_for_public_markers_of_the_whole_world(client, network):
    text = client.get(URL).content.decode()

    assert f'data-geojson-url="{reverse("actions:map_data")}"' in text
    assert 'data-bbox="-180,-90,180,90"' in text
    assert "js/impact-map.js" in text
    assert "style=" not in text


def _fill(group, place, size: int) -> None:
    past = datetime.timedelta(days=3)
    for n in range(size):
        make_action(
            group, title=f"Walk {n}", days_ahead=-3, status="done", participants=n,
            latitude=Decimal("54.5"), longitude=Decimal("-4.4"),
        )  # fmt: skip
        Win.objects.create(
            title=f"Win {n}", won_on=timezone.localdate() - past, place=place, level="full"
        )
        make_day(places=[place], status="closed", days_ahead=-40 - n, slug=f"day-{n}")


@pytest.mark.parametrize("size", [3, 25])
@pytest.mark.parametrize("rolled", [False, True])
def test_the_page_takes_the_same_number_of_queries_whatever_the_size(
    client, group, place, django_assert_num_queries, size, rolled
):
    _fill(group, place, size)
    if rolled:
        rollups_rebuild()
    client.get(URL)

    # the coalition, wins, listed groups, the rollups' token, then the actions
    # held counted (before any rollup) or cached from the rollups, days, mapped actions
    with django_assert_num_queries(7 if not rolled else 6):
        response = client.get(URL)
    assert response.status_code == 200
    assert response.context["impact"].actions_held == size


def test_the_counts_follow_the_rollups_not_each_request(client, group, place):
    _fill(group, place, 2)
    rollups_rebuild()
    assert client.get(URL).context["impact"].actions_held == 2

    make_action(group, title="Late report", days_ahead=-2, status="done", participants=9)
    before = client.get(URL).context["impact"]
    rollups_refresh()  # what the job does every 10 minutes and after each change
    after = client.get(URL).context["impact"]

    assert (before.actions_held, after.actions_held) == (2, 3)
    assert after.participants == 0 + 1 + 9


def test_rollups_built_before_the_public_counts_get_them_on_the_next_scheduled_run(
    client, group, place
):
    from reporting.models import Rollup, RollupTotal
    from reporting.tasks import rollups_refresh as scheduled_refresh

    _fill(group, place, 2)
    make_action(group, title="Long ago", days_ahead=-400, status="done", participants=5)
    rollups_rebuild()
    # A database whose rollups were built before these metrics existed.
    Rollup.objects.filter(metric__in=["public_held", "public_people"]).delete()
    RollupTotal.objects.filter(metric__in=["public_held", "public_people"]).delete()

    scheduled_refresh()

    impact = client.get(URL).context["impact"]
    assert (impact.actions_held, impact.participants) == (3, 0 + 1 + 5)

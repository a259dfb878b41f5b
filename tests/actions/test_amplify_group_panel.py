"""A group's page shows amplification given and received; co-hosting is a tie; the timeline."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actions.hooks_amplification import amplification_group_panel
from actions.models import Action, Amplification, Visibility
from actions.selectors import actions_visible_q
from actions.selectors_amplification import (
    amplification_entries,
    group_amplification_panel,
    hosted_action_entries,
)
from actions.services.amplification import amplification_add
from coalition.permissions import memberships_of, roles_of
from members.models import Group, Stage
from members.ties import tied_groups_q
from members.timeline import timeline_for
from tests.factories import GroupFactory, make_action, publish_statement

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed(group):
    """The cast's group as a listed signatory, so anonymous visitors see its page."""
    group.signed_version = publish_statement()
    group.save()
    return group


def group_page(group) -> str:
    return reverse("members:group", kwargs={"slug": group.slug})


def counts(rows, column: int) -> dict[str, int]:
    return {row[0]: row[column] for row in rows}


def test_the_group_page_shows_amplification_given_and_received(
    client, listed, group_admin, host, host_admin
):
    theirs = make_action(host, title="Harbour clean-up")
    amplification_add(action=theirs, group=listed, kind="endorse", by=group_admin)
    amplification_add(action=theirs, group=listed, kind="cohost", by=group_admin)
    ours = make_action(listed, title="Riverside air walk")
    amplification_add(action=ours, group=host, kind="pledge", by=host_admin, people=6)

    response = client.get(group_page(listed))
    page = response.content.decode()

    assert response.status_code == 200
    assert "Amplification given and received by Riverside Tenants" in page
    assert "Harbour clean-up" in page  # amplified, and co-hosted
    assert "Riverside air walk" in page  # amplified by others
    assert "Co-hosted actions" in page
    panel = group_amplification_panel(response.wsgi_request.user, listed)
    assert counts(panel.rows, 2) == {"endorse": 1, "cohost": 1, "share": 0, "pledge": 0}
    assert counts(panel.rows, 3) == {"endorse": 0, "cohost": 0, "share": 0, "pledge": 1}


def test_a_cohost_shows_on_both_groups_pages(client, listed, group_admin, host, host_admin):
    host.signed_version = listed.signed_version
    host.listing_consent = True
    host.save()
    march = make_action(host, title="Harbour march")
    amplification_add(action=march, group=listed, kind="cohost", by=group_admin)

    for page_of in (listed, host):
        assert "Harbour march" in client.get(group_page(page_of)).content.decode()


def test_a_network_only_action_never_appears_to_anonymous_visitors(
    client, listed, group_admin, host, weaver
):
    secret = make_action(host, title="Network strategy day", visibility=Visibility.NETWORK)
    amplification_add(action=secret, group=listed, kind="cohost", by=group_admin)
    amplification_add(action=secret, group=listed, kind="endorse", by=group_admin)

    anonymous = client.get(group_page(listed)).content.decode()
    assert "Network strategy day" not in anonymous
    assert "has not amplified another group's action yet" in anonymous

    client.force_login(weaver)
    assert "Network strategy day" in client.get(group_page(listed)).content.decode()


def test_a_hidden_action_disappears_from_the_panel(client, listed, group_admin, host):
    flagged = make_action(host, title="Flagged thing")
    amplification_add(action=flagged, group=listed, kind="endorse", by=group_admin)
    flagged.hidden_at = timezone.now()
    flagged.save()

    page = client.get(group_page(listed)).content.decode()

    assert "Flagged thing" not in page


def test_another_groups_group_only_action_stays_out_even_for_members(
    client, listed, group_admin, host, host_admin
):
    """The host's members see their own group-only action on the co-host's page; others do not."""
    inner = make_action(host, title="Members evening", visibility=Visibility.GROUP)
    Amplification.objects.create(action=inner, group=listed, kind="endorse")

    client.force_login(group_admin)
    assert "Members evening" not in client.get(group_page(listed)).content.decode()
    client.force_login(host_admin)
    assert "Members evening" in client.get(group_page(listed)).content.decode()


def test_unlisted_groups_are_not_named_to_anonymous_visitors(client, listed, host, make_person):
    ours = make_action(listed, title="Riverside air walk")
    quiet = GroupFactory(name="Quiet Circle", stage=Stage.ALIGNED)
    Amplification.objects.create(action=ours, group=quiet, kind="endorse")

    page = client.get(group_page(listed)).content.decode()

    assert "Quiet Circle" not in page
    assert "another group" in page


def _amplifications(listed, size: int):
    hosts = GroupFactory.create_batch(size, stage=Stage.ALIGNED)
    ours = make_action(listed, title="Riverside air walk")
    rows = []
    for other in hosts:
        theirs = make_action(other, title=f"Action of {other.name}")
        rows.append(Amplification(action=theirs, group=listed, kind="endorse"))
        rows.append(Amplification(action=theirs, group=listed, kind="cohost"))
        rows.append(Amplification(action=ours, group=other, kind="pledge", people=2))
    Amplification.objects.bulk_create(rows)


@pytest.mark.parametrize("size", [3, 40])
@pytest.mark.parametrize("who", [None, "weaver", "group_admin"])
def test_the_panel_uses_a_fixed_number_of_queries(
    listed, django_assert_num_queries, request, size, who
):
    _amplifications(listed, size)
    viewer = request.getfixturevalue(who) if who else AnonymousUser()
    http = RequestFactory().get("/")
    http.user = viewer
    # Memberships and roles are read once per request, before the panels.
    memberships_of(viewer)
    roles_of(viewer)

    with django_assert_num_queries(5):
        html = amplification_group_panel(http, listed)

    assert "Amplification given and received" in html


def _group_page_queries(client, listed) -> int:
    with CaptureQueriesContext(connection) as captured:
        client.get(group_page(listed))
    return len(captured)


def test_the_group_page_queries_are_the_same_at_3_and_40_amplifications(client, listed):
    sizes = []
    for added in (3, 37):  # 3, then 40 of each
        _amplifications(listed, added)
        client.get(group_page(listed))  # warm the caches
        sizes.append(_group_page_queries(client, listed))
    assert sizes[0] == sizes[1]


# --- Ties and the weaver's timeline ----------------------------------------------


def test_cohosting_is_a_tie_between_the_two_groups(listed, group_admin, host):
    march = make_action(host, title="Harbour march")
    loner = GroupFactory(name="Lonely Allotments", stage=Stage.ALIGNED)

    assert not Group.objects.filter(tied_groups_q(), pk__in=[listed.pk, host.pk]).exists()

    amplification_add(action=march, group=listed, kind="cohost", by=group_admin)

    tied = set(Group.objects.filter(tied_groups_q()).values_list("pk", flat=True))
    assert {listed.pk, host.pk} <= tied
    assert loner.pk not in tied


def test_endorsing_alone_is_not_a_tie(listed, group_admin, host):
    march = make_action(host, title="Harbour march")
    amplification_add(action=march, group=listed, kind="endorse", by=group_admin)

    assert not Group.objects.filter(tied_groups_q(), pk__in=[listed.pk, host.pk]).exists()


def test_the_weave_thin_page_no_longer_lists_cohosts_as_untied(client, weaver, listed, host):
    march = make_action(host, title="Harbour march")
    client.force_login(weaver)
    thin = reverse("members:weave_thin")

    before = [group.name for group in client.get(thin).context["untied_page"].object_list]
    assert {"Riverside Tenants", "Harbour Union"} <= set(before)

    Amplification.objects.create(action=march, group=listed, kind="cohost")

    after = [group.name for group in client.get(thin).context["untied_page"].object_list]
    assert "Riverside Tenants" not in after
    assert "Harbour Union" not in after


def test_the_weavers_timeline_shows_amplification_and_hosted_actions(
    listed, group_admin, host, host_admin
):
    theirs = make_action(host, title="Harbour march")
    amplification_add(action=theirs, group=listed, kind="endorse", by=group_admin)
    ours = make_action(listed, title="Riverside air walk", by=group_admin)
    amplification_add(action=ours, group=host, kind="pledge", by=host_admin, people=3)
    make_action(listed, title="Members only", visibility=Visibility.GROUP)

    entries, _cut = timeline_for(listed)
    summaries = [entry.summary for entry in entries]

    assert "Endorse “Harbour march” by Harbour Union" in summaries
    assert "Harbour Union: pledge people “Riverside air walk”" in summaries
    assert any(summary.startswith("Posted “Riverside air walk”") for summary in summaries)
    # Weavers are not in the group: its group-only actions stay out.
    assert not any("Members only" in summary for summary in summaries)
    given = next(entry for entry in entries if entry.summary.startswith("Endorse"))
    assert given.url == reverse("actions:detail", kwargs={"pk": theirs.pk})


@pytest.mark.parametrize("size", [3, 40])
def test_the_timeline_sources_use_a_fixed_number_of_queries(
    listed, django_assert_num_queries, size
):
    _amplifications(listed, size)

    # Given and received read apart, each from its own index.
    with django_assert_num_queries(2):
        amplified = amplification_entries(listed, limit=200)
    with django_assert_num_queries(1):
        hosted = hosted_action_entries(listed, limit=200)

    assert len(amplified) == 3 * size
    assert len(hosted) == 1


def test_the_visibility_rule_on_a_joined_action_picks_what_the_subquery_picked(
    listed, group_member, outsider, weaver, steward, host
):
    """The panel reads ``actions_visible_q(viewer, "action__")``: still the one rule."""
    for visibility in Visibility.values:
        for hidden_at in (None, timezone.now()):
            for hosting, other in ((listed, host), (host, listed)):
                action = make_action(hosting, visibility=visibility, hidden_at=hidden_at)
                Amplification.objects.create(action=action, group=other, kind="endorse")
    shown_to = []
    for viewer in (AnonymousUser(), group_member, outsider, weaver, steward):
        visible = Action.objects.filter(actions_visible_q(viewer)).values("pk")
        through_subquery = Amplification.objects.filter(action__in=visible)
        joined = Amplification.objects.filter(actions_visible_q(viewer, "action__"))
        shown = set(joined.values_list("pk", flat=True))
        assert shown == set(through_subquery.values_list("pk", flat=True))
        shown_to.append(frozenset(shown))
    # The cast sees different sets, so the comparison above compares something.
    assert len(set(shown_to)) >= 3


def test_the_latest_lines_are_the_newest_visible_ones_newest_first(listed, host):
    ours = make_action(listed, title="Riverside air walk")
    given, received = [], []
    for number in range(7):
        hidden_at = timezone.now() if number == 6 else None
        theirs = make_action(host, title=f"Harbour walk {number}", hidden_at=hidden_at)
        given.append(Amplification.objects.create(action=theirs, group=listed, kind="endorse"))
        received.append(
            Amplification.objects.create(action=ours, group=GroupFactory(), kind="share")
        )
    # The hidden action's amplification is the newest given, and stays out.
    newest_given = [row.pk for row in reversed(given[:6])][:5]
    newest_received = [row.pk for row in reversed(received)][:5]

    panel = group_amplification_panel(AnonymousUser(), listed, latest=5)

    assert [row.pk for row in panel.latest_given] == newest_given
    assert [line.amplification.pk for line in panel.latest_received] == newest_received

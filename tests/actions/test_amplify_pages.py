"""Amplify buttons: the plain form flow, the JSON flow, who may press them, and the action page."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from actions.hooks_amplification import amplify_context, support_context
from actions.models import Action, Amplification, SupportPledge, Visibility
from actions.services.amplification import amplification_add
from actions.services.support import support_request_create
from coalition.permissions import memberships_of, roles_of
from members.models import Stage
from tests.factories import GroupFactory, make_action

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


def amplify_url(action) -> str:
    return reverse("actions:amplify", kwargs={"pk": action.pk})


def undo_url(action) -> str:
    return reverse("actions:amplify_undo", kwargs={"pk": action.pk})


def page_url(action) -> str:
    return reverse("actions:detail", kwargs={"pk": action.pk})


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- Without JavaScript ----------------------------------------------------------


def test_endorsing_redirects_back_to_the_action_with_a_message(client, action, group, group_admin):
    client.force_login(group_admin)

    response = client.post(amplify_url(action), {"group": group.pk, "kind": "endorse"})

    assert response.status_code == 302
    assert response["Location"] == page_url(action) + "#amplify"
    assert said(response) == ["Riverside Tenants endorses this action."]
    assert Amplification.objects.filter(action=action, group=group, kind="endorse").exists()


def test_pledging_people_without_javascript(client, action, group, group_admin):
    client.force_login(group_admin)

    response = client.post(amplify_url(action), {"group": group.pk, "kind": "pledge", "people": 2})

    assert response.status_code == 302
    assert said(response) == ["Riverside Tenants pledges 2 people."]
    assert Amplification.objects.get(kind="pledge").people == 2


def test_a_pledge_of_no_people_comes_back_with_the_reason(client, action, group, group_admin):
    client.force_login(group_admin)

    response = client.post(amplify_url(action), {"group": group.pk, "kind": "pledge", "people": ""})

    assert response.status_code == 302
    assert said(response) == ["Say how many people your group pledges."]
    assert not Amplification.objects.exists()


def test_undoing_without_javascript(client, action, group, group_admin):
    amplification_add(action=action, group=group, kind="cohost", by=group_admin)
    client.force_login(group_admin)

    response = client.post(undo_url(action), {"group": group.pk, "kind": "cohost"})

    assert response.status_code == 302
    assert said(response) == ["Riverside Tenants no longer co-hosts this action."]
    assert not Amplification.objects.exists()


def test_the_host_is_refused_for_its_own_action_with_a_message(client, action, host, host_admin):
    client.force_login(host_admin)

    response = client.post(amplify_url(action), {"group": host.pk, "kind": "endorse"})

    assert response.status_code == 302
    assert said(response) == ["You cannot amplify your own group's action."]
    assert not Amplification.objects.exists()


# --- Inline, with JavaScript ---------------------------------------------------


def test_the_json_answer_toggles_the_button_and_gives_the_counts(
    client, action, group, group_admin
):
    client.force_login(group_admin)

    response = client.post(
        amplify_url(action), {"group": group.pk, "kind": "pledge", "people": 3}, **JSON
    )

    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["active"] is True
    assert body["kind"] == "pledge"
    assert body["people"] == 3
    assert body["counts"] == {"endorse": 0, "cohost": 0, "share": 0, "pledge": 1}
    assert body["people_pledged"] == 3
    # No flash message left for the next page: the answer carried it.
    assert said(response) == []

    undone = client.post(undo_url(action), {"group": group.pk, "kind": "pledge"}, **JSON).json()
    assert undone["active"] is False
    assert undone["counts"]["pledge"] == 0
    assert undone["people_pledged"] == 0


def test_a_double_click_stays_one_endorsement(client, action, group, group_admin):
    client.force_login(group_admin)

    for _ in range(2):
        response = client.post(amplify_url(action), {"group": group.pk, "kind": "endorse"}, **JSON)
        assert response.json()["counts"]["endorse"] == 1


def test_a_rule_broken_in_json_is_a_400_with_the_message(client, action, host, host_admin):
    client.force_login(host_admin)

    response = client.post(amplify_url(action), {"group": host.pk, "kind": "endorse"}, **JSON)

    assert response.status_code == 400
    assert response.json() == {
        "ok": False,
        "message": "You cannot amplify your own group's action.",
        "field": None,
    }


def test_a_browser_accept_header_gets_the_redirect(client, action, group, group_admin):
    client.force_login(group_admin)

    response = client.post(
        amplify_url(action),
        {"group": group.pk, "kind": "share"},
        HTTP_ACCEPT="text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8",
    )

    assert response.status_code == 302


# --- Who may press the buttons -----------------------------------------------------


@pytest.mark.parametrize("url_name", ["actions:amplify", "actions:amplify_undo"])
def test_anonymous_people_are_sent_to_log_in(client, action, group, url_name):
    response = client.post(
        reverse(url_name, kwargs={"pk": action.pk}), {"group": group.pk, "kind": "endorse"}
    )

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not Amplification.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "group_member", "weaver", "steering_member"])
@pytest.mark.parametrize("url_name", ["actions:amplify", "actions:amplify_undo"])
def test_people_who_cannot_act_for_the_group_get_403(client, action, group, request, who, url_name):
    client.force_login(request.getfixturevalue(who))

    response = client.post(
        reverse(url_name, kwargs={"pk": action.pk}), {"group": group.pk, "kind": "endorse"}
    )

    assert response.status_code == 403
    assert not Amplification.objects.exists()


def test_an_admin_of_any_other_group_may_amplify(client, action, outsider):
    client.force_login(outsider)
    own_group = outsider.memberships.get().group

    response = client.post(amplify_url(action), {"group": own_group.pk, "kind": "endorse"})

    assert response.status_code == 302
    assert Amplification.objects.filter(group=own_group).exists()


def test_a_network_only_action_is_404_for_those_outside_the_network(
    client, host, make_person, group
):
    secret = make_action(host, visibility=Visibility.NETWORK)
    client.force_login(make_person("lonely@example.net"))

    response = client.post(amplify_url(secret), {"group": group.pk, "kind": "endorse"})

    assert response.status_code == 404


def test_a_group_only_action_of_another_group_is_404(client, host, group, group_admin):
    secret = make_action(host, visibility=Visibility.GROUP)
    client.force_login(group_admin)

    response = client.post(amplify_url(secret), {"group": group.pk, "kind": "endorse"})

    assert response.status_code == 404
    assert not Amplification.objects.exists()


def test_a_group_that_does_not_exist_is_403(client, action, group_admin):
    client.force_login(group_admin)

    response = client.post(amplify_url(action), {"group": 987654, "kind": "endorse"})

    assert response.status_code == 403


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"group": "abc", "kind": "endorse"},
        {"group": "1", "kind": "retweet"},
        {"group": "99999999999999999999", "kind": "endorse"},
        {"group": "1", "kind": "pledge", "people": "lots"},
    ],
)
def test_malformed_requests_are_400(client, action, group_admin, data):
    client.force_login(group_admin)

    assert client.post(amplify_url(action), data).status_code == 400
    assert client.post(amplify_url(action), data, **JSON).status_code == 400


def test_amplify_only_takes_posts(client, action, group_admin):
    client.force_login(group_admin)

    assert client.get(amplify_url(action)).status_code == 405


# --- RSVP access for co-hosts ----------------------------------------------------


def rsvp_access_url(action) -> str:
    return reverse("actions:cohost_rsvp_access", kwargs={"pk": action.pk})


def test_the_host_admin_shows_the_rsvps_to_a_cohost(client, action, group, group_admin, host_admin):
    amplification_add(action=action, group=group, kind="cohost", by=group_admin)
    client.force_login(host_admin)

    response = client.post(rsvp_access_url(action), {"group": group.pk, "sees_rsvps": "on"})

    assert response.status_code == 302
    assert Amplification.objects.get(kind="cohost").sees_rsvps is True
    client.post(rsvp_access_url(action), {"group": group.pk})
    assert Amplification.objects.get(kind="cohost").sees_rsvps is False


def test_rsvp_access_for_anonymous_people_sends_them_to_log_in(client, action, group):
    response = client.post(rsvp_access_url(action), {"group": group.pk, "sees_rsvps": "on"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(
    "who", ["group_admin", "group_member", "outsider", "weaver", "steering_member"]
)
def test_only_the_host_decides_who_sees_the_rsvps(client, action, group, group_admin, request, who):
    amplification_add(action=action, group=group, kind="cohost", by=group_admin)
    client.force_login(request.getfixturevalue(who))

    response = client.post(rsvp_access_url(action), {"group": group.pk, "sees_rsvps": "on"})

    assert response.status_code == 403
    assert Amplification.objects.get(kind="cohost").sees_rsvps is False


def test_rsvp_access_for_a_group_that_is_not_a_cohost_is_refused(client, action, group, host_admin):
    client.force_login(host_admin)

    response = client.post(rsvp_access_url(action), {"group": group.pk, "sees_rsvps": "on"})

    assert response.status_code == 302
    assert said(response) == ["Riverside Tenants does not co-host this action."]


# --- On the action page ---------------------------------------------------------


def test_the_page_offers_the_buttons_to_an_admin_of_another_group(
    client, action, group, group_admin
):
    amplification_add(action=action, group=group, kind="endorse", by=group_admin)
    client.force_login(group_admin)

    page = client.get(page_url(action)).content.decode()

    assert 'id="amplify"' in page
    assert "Undo the endorsement" in page
    assert ">Co-host</button>" in page
    assert ">Pledge people</button>" in page
    # Shown before they agree to co-host: they will not see the RSVPs by default.
    assert "by default your group will not see the names and emails" in page
    assert 'src="/static/js/amplify.js"' in page
    assert "<script>" not in page


def test_the_page_shows_counts_and_share_text_to_anonymous_visitors_without_buttons(
    client, action, group, group_admin, settings
):
    settings.SITE_URL = "https://coalition.example.org"
    amplification_add(action=action, group=group, kind="pledge", by=group_admin, people=4)

    response = client.get(page_url(action))
    page = response.content.decode()
    panel = response.context["amplify"]

    assert {kind: n for kind, _label, n in panel.counts}["pledge"] == 1
    assert panel.people_pledged == 4
    assert panel.groups == []
    assert "data-amplify-form" not in page
    assert "Clean air march" in panel.share_text
    assert action.place.name in panel.share_text
    assert f"https://coalition.example.org/actions/{action.pk}/" in panel.share_text
    assert "readonly" in page


def test_the_host_admin_sees_who_may_see_the_rsvps(client, action, group, group_admin, host_admin):
    amplification_add(action=action, group=group, kind="cohost", by=group_admin)
    client.force_login(host_admin)

    page = client.get(page_url(action)).content.decode()

    assert "Riverside Tenants does not see the RSVPs." in page
    assert "Show them to Riverside Tenants" in page


def test_a_cancelled_action_offers_no_buttons(client, action, group_admin):
    action.status = "cancelled"
    action.save()
    client.force_login(group_admin)

    page = client.get(page_url(action)).content.decode()

    assert "data-amplify-form" not in page
    assert "cannot be amplified any more" in page


def test_a_hidden_action_is_404_to_amplifiers(client, action, group, group_admin):
    action.hidden_at = timezone.now()
    action.save()
    client.force_login(group_admin)

    response = client.post(amplify_url(action), {"group": group.pk, "kind": "endorse"})

    assert response.status_code == 404


@pytest.mark.parametrize("size", [3, 40])
@pytest.mark.parametrize("who, queries", [(None, 4), ("group_admin", 6), ("host_admin", 4)])
def test_what_amplify_and_support_add_to_the_action_page_uses_fixed_queries(
    host, host_admin, request, django_assert_num_queries, size, who, queries
):
    action = make_action(host, by=host_admin)
    asks = [
        support_request_create(action=action, by=host_admin, kind="people", amount=10_000),
        support_request_create(action=action, by=host_admin, kind="money", amount=10_000),
    ]
    for other in GroupFactory.create_batch(size, stage=Stage.ALIGNED):
        Amplification.objects.create(action=action, group=other, kind="cohost")
        Amplification.objects.create(action=action, group=other, kind="pledge", people=2)
        for ask in asks:
            SupportPledge.objects.create(request=ask, group=other, amount=1)
    viewer = request.getfixturevalue(who) if who else AnonymousUser()
    if who:
        # The page reads memberships and roles once, before the contributors run.
        memberships_of(viewer)
        roles_of(viewer)
    http = RequestFactory().get("/")
    http.user = viewer
    loaded = Action.objects.select_related("host_group", "place", "tactic").get(pk=action.pk)

    # Counts, co-hosts, the support requests and their pledges; for someone who
    # acts for another group, those groups and what they already did.
    with django_assert_num_queries(queries):
        amplify = amplify_context(http, loaded)["amplify"]
        support = support_context(http, loaded)["support"]

    assert len(amplify.cohosts) == size
    assert [len(line.pledges) for line in support.requests] == [size, size]

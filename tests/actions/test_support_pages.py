"""Support pages: asking, closing, pledging and taking back, the open requests list, progress."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actions.models import Amplification, SupportPledge, SupportRequest, Visibility
from actions.services.support import support_pledge_add, support_request_create
from coalition.models import PlaceKind
from members.models import Stage
from tests.factories import GroupFactory, make_action, make_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def drivers(action, host_admin):
    return support_request_create(
        action=action, by=host_admin, kind="transport", amount=5, description="Drivers with cars"
    )


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def new_url(action) -> str:
    return reverse("actions:support_new", kwargs={"pk": action.pk})


def pledge_url(request) -> str:
    return reverse("actions:support_pledge", kwargs={"request_id": request.pk})


def page_url(action) -> str:
    return reverse("actions:detail", kwargs={"pk": action.pk})


LOGIN = reverse("account_login")
LIST = reverse("actions:support_list")


# --- Asking for support ---------------------------------------------------------


def test_the_host_asks_for_support_from_the_form(client, action, host_admin):
    client.force_login(host_admin)
    assert client.get(new_url(action)).status_code == 200

    response = client.post(
        new_url(action), {"kind": "people", "amount": "12", "description": "Stewards"}
    )

    assert response.status_code == 302
    assert response["Location"] == page_url(action) + "#support"
    assert said(response) == ["Your request for support is open to the network."]
    assert SupportRequest.objects.get().amount == 12


@pytest.mark.parametrize(
    "data, field",
    [
        ({"kind": "people", "amount": "0"}, "amount"),
        ({"kind": "people", "amount": "many"}, "amount"),
        ({"kind": "people", "amount": "99999999999999"}, "amount"),
        ({"kind": "love", "amount": "3"}, "kind"),
        ({"kind": "people", "amount": "3", "description": "x" * 301}, "description"),
    ],
)
def test_bad_requests_for_support_come_back_with_errors(client, action, host_admin, data, field):
    client.force_login(host_admin)

    response = client.post(new_url(action), data)

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not SupportRequest.objects.exists()


def test_asking_for_support_sends_anonymous_people_to_log_in(client, action):
    for response in (client.get(new_url(action)), client.post(new_url(action), {})):
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)


@pytest.mark.parametrize(
    "who", ["outsider", "group_member", "group_admin", "weaver", "steering_member"]
)
def test_only_the_host_asks_for_support(client, action, request, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get(new_url(action)).status_code == 403
    assert client.post(new_url(action), {"kind": "people", "amount": "3"}).status_code == 403


def test_the_host_closes_a_request(client, drivers, host_admin, group_admin):
    close = reverse("actions:support_close", kwargs={"request_id": drivers.pk})
    client.force_login(group_admin)
    assert client.post(close).status_code == 403

    client.force_login(host_admin)
    response = client.post(close)

    assert response.status_code == 302
    assert SupportRequest.objects.get().is_open is False


def test_closing_sends_anonymous_people_to_log_in(client, drivers):
    response = client.post(reverse("actions:support_close", kwargs={"request_id": drivers.pk}))

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


# --- Pledging --------------------------------------------------------------------


def test_an_admin_of_another_group_pledges(client, drivers, group, group_admin):
    client.force_login(group_admin)
    assert client.get(pledge_url(drivers)).status_code == 200

    response = client.post(pledge_url(drivers), {"group": group.pk, "amount": "2", "note": "Vans"})

    assert response.status_code == 302
    assert said(response) == ["Riverside Tenants pledged 2. Thank you!"]
    assert SupportRequest.objects.get().pledged == 2


def test_pledging_sends_anonymous_people_to_log_in(client, drivers, group):
    for response in (
        client.get(pledge_url(drivers)),
        client.post(pledge_url(drivers), {"group": group.pk, "amount": "1"}),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)


@pytest.mark.parametrize("who", ["group_member", "weaver", "steering_member"])
def test_people_who_act_for_no_other_group_cannot_pledge(client, drivers, group, request, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get(pledge_url(drivers)).status_code == 403
    assert client.post(pledge_url(drivers), {"group": group.pk, "amount": "1"}).status_code == 403
    assert not SupportPledge.objects.exists()


def test_an_outsider_cannot_pledge_in_another_groups_name(client, drivers, group, outsider):
    client.force_login(outsider)

    response = client.post(pledge_url(drivers), {"group": group.pk, "amount": "1"})

    assert response.status_code == 403


def test_the_host_is_refused_for_its_own_request(client, drivers, host, host_admin):
    client.force_login(host_admin)

    response = client.post(pledge_url(drivers), {"group": host.pk, "amount": "1"})

    assert response.status_code == 400
    assert "Your group hosts this action" in response.content.decode()
    assert not SupportPledge.objects.exists()


def test_a_pledge_to_a_closed_request_is_refused_clearly(client, drivers, group, group_admin):
    drivers.is_open = False
    drivers.save()
    client.force_login(group_admin)

    response = client.post(pledge_url(drivers), {"group": group.pk, "amount": "1"})

    assert response.status_code == 400
    assert "This request is closed" in response.content.decode()
    assert not SupportPledge.objects.exists()


def test_pledging_again_changes_the_pledge_and_says_so(
    client, host, host_admin, group, group_admin
):
    asked = support_request_create(
        action=make_action(host, by=host_admin), by=host_admin, kind="people", amount=10
    )
    client.force_login(group_admin)
    client.post(pledge_url(asked), {"group": group.pk, "amount": "4"}, follow=True)

    response = client.post(pledge_url(asked), {"group": group.pk, "amount": "50"})

    assert response.status_code == 302
    assert said(response) == ["You changed your pledge from 4 to 50."]
    assert SupportPledge.objects.get().amount == 50
    assert SupportRequest.objects.get().pledged == 50


def test_a_pledge_beyond_the_ask_is_accepted_and_shown_as_such(
    client, host, host_admin, group, group_admin
):
    asked = support_request_create(
        action=make_action(host, by=host_admin), by=host_admin, kind="people", amount=10
    )
    client.force_login(group_admin)

    response = client.post(pledge_url(asked), {"group": group.pk, "amount": "50"})

    assert said(response) == ["Riverside Tenants pledged 50. Thank you!"]
    page = client.get(page_url(asked.action)).content.decode()
    assert "50 pledged for 10 asked" in page
    assert "50 of 10" not in page


def test_the_list_shows_what_was_pledged_for_what_was_asked(client, drivers, group, group_admin):
    support_pledge_add(support_request=drivers, group=group, by=group_admin, amount=2)

    assert "2 pledged for 5 asked" in client.get(LIST).content.decode()


def test_the_list_rows_escape_what_hosts_typed(client, action, host_admin):
    action.title = "<b>Walk</b> & talk"
    action.save()
    support_request_create(
        action=action, by=host_admin, kind="people", amount=3, description="<i>marshals</i>"
    )

    page = client.get(LIST).content.decode()

    assert "People: &lt;i&gt;marshals&lt;/i&gt;" in page
    assert "&lt;b&gt;Walk&lt;/b&gt; &amp; talk" in page
    assert f'href="/actions/{action.pk}/#support"' in page
    assert "<i>marshals</i>" not in page


@pytest.mark.parametrize("over", ["ended", "cancelled"])
def test_an_action_that_is_over_cannot_ask_for_support(client, host, host_admin, over):
    if over == "ended":
        done = make_action(host, by=host_admin, days_ahead=-2)
        expected = "This action is over: it can no longer ask the network for support."
    else:
        done = make_action(host, by=host_admin, status="cancelled")
        expected = "This action was cancelled: it can no longer ask the network for support."
    client.force_login(host_admin)

    response = client.post(new_url(done), {"kind": "people", "amount": "3"})

    assert response.status_code == 400
    assert expected in response.content.decode()
    assert not SupportRequest.objects.exists()
    assert "Ask the network for support" not in client.get(page_url(done)).content.decode()


@pytest.mark.parametrize("amount", ["0", "-4", "lots", ""])
def test_a_bad_amount_comes_back_with_an_error(client, drivers, group, group_admin, amount):
    client.force_login(group_admin)

    response = client.post(pledge_url(drivers), {"group": group.pk, "amount": amount})

    assert response.status_code == 400
    assert "amount" in response.context["form"].errors
    assert not SupportPledge.objects.exists()


@pytest.mark.parametrize("group_value", ["", "abc", "99999999999999999999"])
def test_a_malformed_group_is_400(client, drivers, group_admin, group_value):
    client.force_login(group_admin)

    response = client.post(pledge_url(drivers), {"group": group_value, "amount": "1"})

    assert response.status_code == 400


def test_a_request_on_an_action_you_cannot_see_is_404(client, host, host_admin, group_admin):
    secret = make_action(host, visibility=Visibility.GROUP)
    asked = support_request_create(action=secret, by=host_admin, kind="money", amount=50)
    client.force_login(group_admin)

    assert client.get(pledge_url(asked)).status_code == 404
    assert client.post(pledge_url(asked), {"group": 1, "amount": "1"}).status_code == 404


def test_taking_a_pledge_back(client, drivers, group, group_admin, group_member):
    support_pledge_add(support_request=drivers, group=group, by=group_admin, amount=5)
    undo = reverse("actions:support_pledge_undo", kwargs={"request_id": drivers.pk})

    client.force_login(group_member)
    assert client.post(undo, {"group": group.pk}).status_code == 403

    client.force_login(group_admin)
    response = client.post(undo, {"group": group.pk})

    assert response.status_code == 302
    assert said(response) == ["Riverside Tenants took back its pledge."]
    assert SupportRequest.objects.get().is_open is True
    assert client.post(undo, {"group": "x"}).status_code == 400


# --- On the action page ---------------------------------------------------------


def test_the_action_page_shows_progress_with_text(client, drivers, group, group_admin):
    support_pledge_add(support_request=drivers, group=group, by=group_admin, amount=8)

    page = client.get(page_url(drivers.action)).content.decode()

    assert 'max="5" value="5"' in page  # never past the maximum
    assert "8 pledged for 5 asked" in page
    assert "Met on" in page


NOTE = "Call Otto on 0612 345 678"


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        (None, False),
        ("outsider", False),
        ("group_member", False),
        ("weaver", False),
        ("steering_member", False),
        ("group_admin", True),
        ("host_admin", True),
    ],
)
def test_a_pledge_note_is_shown_only_to_the_host_and_the_pledging_group(
    client, drivers, group, group_admin, request, who, sees
):
    support_pledge_add(support_request=drivers, group=group, by=group_admin, amount=2, note=NOTE)
    if who:
        client.force_login(request.getfixturevalue(who))

    response = client.get(page_url(drivers.action))

    assert response.status_code == 200
    assert (NOTE in response.content.decode()) is sees


def test_the_action_page_offers_pledge_forms_to_other_groups_and_the_ask_form_to_the_host(
    client, drivers, group_admin, host_admin
):
    client.force_login(group_admin)
    page = client.get(page_url(drivers.action)).content.decode()
    assert "Riverside Tenants pledges" in page
    assert "Ask the network for support" not in page

    client.force_login(host_admin)
    page = client.get(page_url(drivers.action)).content.decode()
    assert "Ask the network for support" in page
    assert "Close this request" in page
    assert "Harbour Union pledges" not in page


def _busy_action(host, host_admin, size: int):
    """An action with ``size`` amplifying groups, each pledging to two requests."""
    action = make_action(host, by=host_admin, title=f"Busy action {size}")
    asks = [
        support_request_create(action=action, by=host_admin, kind="people", amount=10_000),
        support_request_create(action=action, by=host_admin, kind="money", amount=10_000),
    ]
    for other in GroupFactory.create_batch(size, stage=Stage.ALIGNED):
        Amplification.objects.create(action=action, group=other, kind="endorse")
        Amplification.objects.create(action=action, group=other, kind="pledge", people=2)
        for ask in asks:
            SupportPledge.objects.create(request=ask, group=other, amount=1)
    return action


@pytest.mark.parametrize("who", [None, "group_admin", "host_admin"])
def test_the_action_page_query_count_is_fixed(client, host, host_admin, request, who):
    if who:
        client.force_login(request.getfixturevalue(who))
    counts = []
    for size in (3, 40):
        action = _busy_action(host, host_admin, size)
        client.get(page_url(action))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page_url(action)).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


# --- The open requests list ------------------------------------------------------


def test_anonymous_visitors_see_only_requests_on_public_actions(client, host, host_admin):
    public = make_action(host, title="Public march")
    network = make_action(host, title="Network meeting", visibility=Visibility.NETWORK)
    support_request_create(action=public, by=host_admin, kind="people", amount=3)
    support_request_create(action=network, by=host_admin, kind="people", amount=3)

    page = client.get(LIST).content.decode()

    assert "Public march" in page
    assert "Network meeting" not in page


def test_people_in_the_network_see_network_requests_but_not_closed_or_past_ones(
    client, host, host_admin, group_member
):
    network = make_action(host, title="Network meeting", visibility=Visibility.NETWORK)
    support_request_create(action=network, by=host_admin, kind="people", amount=3)
    over = make_action(host, title="Last month", days_ahead=-30)
    # Asked while it was still to come (the service refuses it now).
    SupportRequest.objects.create(action=over, kind="people", amount=3)
    closed = make_action(host, title="All set")
    asked = support_request_create(action=closed, by=host_admin, kind="people", amount=3)
    SupportRequest.objects.filter(pk=asked.pk).update(is_open=False)
    hidden = make_action(host, title="Hidden one")
    support_request_create(action=hidden, by=host_admin, kind="people", amount=3)
    hidden.hidden_at = timezone.now()
    hidden.save()
    client.force_login(group_member)

    titles = [item.action.title for item in client.get(LIST).context["page"].object_list]

    assert titles == ["Network meeting"]


def test_the_list_filters_by_place_subtree_and_kind(client, host_admin):
    region = make_place("Lowlands", PlaceKind.REGION)
    city = make_place("Portville", PlaceKind.CITY, region)
    docks = make_place("Docks", PlaceKind.NEIGHBOURHOOD, city)
    hilltown = make_place("Hilltown", PlaceKind.CITY, region)
    host = host_admin.memberships.get().group
    at_docks = make_action(host, title="Docks rally", place=docks)
    at_hill = make_action(host, title="Hill rally", place=hilltown)
    support_request_create(action=at_docks, by=host_admin, kind="people", amount=3)
    support_request_create(action=at_docks, by=host_admin, kind="money", amount=300)
    support_request_create(action=at_hill, by=host_admin, kind="people", amount=3)

    def shown(**query):
        page = client.get(LIST, query).context["page"]
        return sorted(f"{item.action.title}/{item.kind}" for item in page.object_list)

    assert shown(place=city.pk) == ["Docks rally/money", "Docks rally/people"]
    assert shown(place=city.pk, kind="people") == ["Docks rally/people"]
    assert shown(place=region.pk, kind="people") == ["Docks rally/people", "Hill rally/people"]


@pytest.mark.parametrize("query", [{"place": "abc"}, {"kind": "love"}, {"page": "zzz"}])
def test_bad_filters_still_show_the_page(client, query):
    assert client.get(LIST, query).status_code == 200


@pytest.mark.parametrize("who", [None, "outsider", "group_member", "weaver", "steering_member"])
def test_everyone_may_read_the_list(client, request, who):
    if who:
        client.force_login(request.getfixturevalue(who))

    assert client.get(LIST).status_code == 200


@pytest.mark.parametrize("size", [3, 40])
@pytest.mark.parametrize("who, queries", [(None, 6), ("group_admin", 10)])
def test_the_list_uses_a_fixed_number_of_queries(
    client, host, host_admin, request, django_assert_num_queries, size, who, queries
):
    if who:
        client.force_login(request.getfixturevalue(who))
    for number in range(size):
        action = make_action(host, title=f"Action {number}")
        support_request_create(action=action, by=host_admin, kind="people", amount=3)
    # The coalition's name, the place choices, the page (its rows carry the total)
    # and its actions, their places and hosts; logged in, the session, the person,
    # their memberships and roles on top.
    with django_assert_num_queries(queries):
        response = client.get(LIST, {"kind": "people"})

    assert len(response.context["page"].object_list) == size
    assert response.context["page"].paginator.count == size

"""RSVP pages: the form, cancelling from the emailed link, the hosts' list and its CSV."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core import mail
from django.utils import timezone

from actions.models import Amplification, Participation, ParticipationStatus
from actions.services.participation import cancel_token, participation_create
from tests.factories import GroupFactory, add_member, make_action, publish_privacy_policy

pytestmark = pytest.mark.django_db

CAST = ["anonymous", "outsider", "group_member", "group_admin", "weaver", "steering_member"]


@pytest.fixture(autouse=True)
def policy():
    return publish_privacy_policy()


@pytest.fixture
def cast(request, steward):
    def person(name: str):
        return None if name == "anonymous" else request.getfixturevalue(name)

    return person


def login(client, person) -> None:
    if person is not None:
        client.force_login(person)


def form(n: int = 0, **extra) -> dict:
    values = {"name": f"Visitor {n}", "email": f"visitor{n}@example.org", "consent": "on"}
    values.update(extra)
    return values


def rsvp_url(action) -> str:
    return f"/actions/{action.pk}/rsvp/"


def add_rsvps(action, count: int) -> None:
    Participation.objects.bulk_create(
        Participation(action=action, name=f"Guest {n}", email=f"guest{n}@example.org")
        for n in range(count)
    )
    action.rsvp_count = count
    action.save(update_fields=["rsvp_count"])


# --- Saying you are coming -----------------------------------------------------


def test_a_visitor_rsvps_and_lands_on_the_action_page_with_a_confirmation(client, group):
    action = make_action(group, capacity=3)

    response = client.post(rsvp_url(action), form(1))

    assert response.status_code == 302
    assert response["Location"] == f"/actions/{action.pk}/"
    action.refresh_from_db()
    assert action.rsvp_count == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["visitor1@example.org"]


def test_a_title_with_a_line_break_still_sends_the_confirmation_with_a_clean_subject(client, group):
    action = make_action(group, title="Walk\rBcc: x@evil.example\nnow")

    response = client.post(rsvp_url(action), form(1))

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "You are on the list: Walk Bcc: x@evil.example now"
    assert mail.outbox[0].to == ["visitor1@example.org"]


def test_the_form_page_shows_places_left_and_links_the_privacy_policy(client, group):
    action = make_action(group, capacity=3)
    add_rsvps(action, 1)

    page = client.get(rsvp_url(action)).content.decode()

    assert "2 places left" in page
    assert 'href="/privacy/"' in page
    assert 'name="consent"' in page


def test_a_logged_in_person_finds_their_name_and_address_filled_in(client, group, outsider):
    client.force_login(outsider)

    page = client.get(rsvp_url(make_action(group))).content.decode()

    assert 'value="outsider@example.net"' in page
    assert 'value="Otto Outsider"' in page


@pytest.mark.parametrize("who", [*CAST, "steward"])
def test_everyone_may_rsvp_to_a_public_action(client, group, cast, who):
    login(client, cast(who))

    response = client.post(rsvp_url(make_action(group)), form())

    assert response.status_code == 302


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 404),
        ("outsider", 302),
        ("group_member", 302),
        ("group_admin", 302),
        ("weaver", 302),
        ("steering_member", 302),
        ("steward", 302),
    ],
)
def test_a_network_action_takes_rsvps_only_from_the_network(client, group, cast, who, status):
    login(client, cast(who))

    assert client.post(rsvp_url(make_action(group, visibility="network")), form()).status_code == (
        status
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 404),
        ("outsider", 404),
        ("group_member", 302),
        ("group_admin", 302),
        ("weaver", 404),
        ("steering_member", 404),
        ("steward", 302),
    ],
)
def test_a_group_action_takes_rsvps_only_from_those_who_see_it(client, group, cast, who, status):
    login(client, cast(who))

    assert client.post(rsvp_url(make_action(group, visibility="group")), form()).status_code == (
        status
    )


def test_missing_consent_is_a_form_error_and_nothing_is_recorded(client, group):
    action = make_action(group)

    response = client.post(rsvp_url(action), form(consent=""))

    assert response.status_code == 400
    assert "agree to the privacy policy" in response.content.decode()
    assert not Participation.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"email": "not-an-address"}, "Enter a valid email address"),
        ({"name": "x" * 151}, "at most 150 characters"),
        ({"name": ""}, "This field is required"),
        ({"email": "a@" + "b" * 300 + ".org"}, "at most 254 characters"),
    ],
)
def test_bad_names_and_addresses_are_form_errors(client, group, values, message):
    response = client.post(rsvp_url(make_action(group)), form(**values))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Participation.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"status": "cancelled"}, "This action has been cancelled."),
        ({"days_ahead": -3}, "This action is over."),
        ({"capacity": 0}, "This action is full."),
    ],
)
def test_cancelled_past_and_full_actions_refuse_with_a_reason(client, group, fields, message):
    action = make_action(group, **fields)

    response = client.post(rsvp_url(action), form())

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Participation.objects.exists()


def test_a_full_action_shows_no_form_but_says_it_is_full(client, group):
    action = make_action(group, capacity=1)
    add_rsvps(action, 1)

    page = client.get(rsvp_url(action)).content.decode()

    assert "This action is full." in page
    assert 'name="consent"' not in page


def test_a_hidden_action_is_not_found_by_the_public_and_refused_to_its_hosts(
    client, group, group_member
):
    action = make_action(group, hidden_at=timezone.now(), hidden_reason="Spam")

    assert client.post(rsvp_url(action), form()).status_code == 404
    client.force_login(group_member)
    response = client.post(rsvp_url(action), form())
    assert response.status_code == 400
    assert "hidden" in response.content.decode()


def test_the_same_address_twice_looks_like_a_new_rsvp_and_its_owner_is_emailed(client, group):
    action = make_action(group)
    first = client.post(rsvp_url(action), form(1))
    mail.outbox.clear()

    response = client.post(rsvp_url(action), form(2, email="VISITOR1@example.org"))

    assert response.status_code == first.status_code == 302
    assert response["Location"] == first["Location"]
    assert "already" not in client.get(response["Location"]).content.decode()
    assert Participation.objects.count() == 1
    assert [message.to for message in mail.outbox] == [["visitor1@example.org"]]
    note = mail.outbox[0]
    assert "already on the list" in note.subject
    assert "/actions/rsvp/cancel/" in note.body


def test_the_same_address_on_a_full_action_is_told_it_is_full_like_anyone(client, group):
    action = make_action(group, capacity=1)
    client.post(rsvp_url(action), form(1))

    again = client.post(rsvp_url(action), form(1))
    other = client.post(rsvp_url(action), form(2))

    assert again.status_code == other.status_code == 400
    assert "This action is full" in again.content.decode()
    assert "This action is full" in other.content.decode()


def test_an_unknown_action_is_404(client):
    assert client.post("/actions/999999/rsvp/", form()).status_code == 404


def test_rsvps_are_limited_per_address_with_a_clear_429(client, group):
    action = make_action(group)
    for n in range(10):
        assert client.post(rsvp_url(action), form(n)).status_code == 302

    response = client.post(rsvp_url(action), form(99))

    assert response.status_code == 429
    assert "Too many RSVPs from your connection" in response.content.decode()
    assert Participation.objects.count() == 10


def test_behind_a_trusted_proxy_the_limit_is_per_forwarded_address(client, group, settings):
    settings.TRUST_X_FORWARDED_FOR = True
    action = make_action(group)
    for n in range(10):
        client.post(rsvp_url(action), form(n), HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.1")

    same = client.post(rsvp_url(action), form(50), HTTP_X_FORWARDED_FOR="10.0.0.1, 198.51.100.1")
    other = client.post(rsvp_url(action), form(51), HTTP_X_FORWARDED_FOR="198.51.100.2")

    assert same.status_code == 429  # only the last hop counts: the rest is the client's word
    assert other.status_code == 302


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(client, group):
    action = make_action(group)
    for n in range(10):
        client.post(rsvp_url(action), form(n), HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")

    response = client.post(rsvp_url(action), form(50), HTTP_X_FORWARDED_FOR="198.51.100.99")

    assert response.status_code == 429


def test_the_limit_is_per_address(client, group):
    action = make_action(group)
    for n in range(10):
        client.post(rsvp_url(action), form(n))

    response = client.post(rsvp_url(action), form(50), REMOTE_ADDR="192.0.2.7")

    assert response.status_code == 302


# --- Cancelling -----------------------------------------------------------------


def _confirmed(action, n: int = 1):
    return participation_create(
        action=action, name=f"Visitor {n}", email=f"visitor{n}@example.org", consent=True
    )


def test_the_emailed_link_asks_first_and_cancels_on_post(client, group, settings):
    settings.SITE_URL = "https://coalition.example.org"
    action = make_action(group, capacity=2)
    client.post(rsvp_url(action), form(1))
    link = re.search(
        r"https://coalition\.example\.org(/actions/rsvp/cancel/\S+/)", mail.outbox[0].body
    )
    path = link.group(1)

    asked = client.get(path)
    assert asked.status_code == 200
    assert "Cancel my RSVP" in asked.content.decode()
    action.refresh_from_db()
    assert action.rsvp_count == 1

    done = client.post(path)
    assert done.status_code == 200
    assert "Your RSVP is cancelled" in done.content.decode()
    action.refresh_from_db()
    assert action.rsvp_count == 0
    assert Participation.objects.get().status == ParticipationStatus.CANCELLED


def test_cancelling_twice_frees_one_place_and_says_it_is_done(client, group):
    action = make_action(group, capacity=5)
    participation = _confirmed(action, 1)
    _confirmed(action, 2)
    path = f"/actions/rsvp/cancel/{cancel_token(participation)}/"

    client.post(path)
    again = client.post(path)

    assert again.status_code == 200
    action.refresh_from_db()
    assert action.rsvp_count == 1
    assert "already cancelled" in client.get(path).content.decode()


@pytest.mark.parametrize("token", ["nonsense", "MQ:1abcde:forged", "x" * 300])
def test_a_bad_cancel_token_is_a_400_page(client, group, token):
    _confirmed(make_action(group))

    for method in (client.get, client.post):
        response = method(f"/actions/rsvp/cancel/{token}/")
        assert response.status_code == 400
        assert "not valid" in response.content.decode()
    assert Participation.objects.get().status == ParticipationStatus.CONFIRMED


# --- Who is coming: the hosts' list ------------------------------------------------


def list_url(action) -> str:
    return f"/actions/{action.pk}/rsvps/"


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("outsider", 403),
        ("group_member", 403),
        ("group_admin", 200),
        ("weaver", 403),
        ("steering_member", 403),
        ("steward", 403),
    ],
)
def test_only_the_hosts_see_who_is_coming(client, group, cast, who, status):
    action = make_action(group)
    _confirmed(action)
    login(client, cast(who))

    response = client.get(list_url(action))

    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith("/accounts/login/")
    if status == 200:
        assert "visitor1@example.org" in response.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("outsider", 404), ("weaver", 404), ("group_admin", 200)],
)
def test_the_list_of_an_action_one_cannot_see_is_not_found(client, group, cast, who, status):
    login(client, cast(who))

    assert client.get(list_url(make_action(group, visibility="group"))).status_code == status


def test_the_member_who_posted_the_action_sees_the_list(client, group, group_member):
    action = make_action(group, by=group_member)
    client.force_login(group_member)

    assert client.get(list_url(action)).status_code == 200


def test_the_poster_who_left_the_group_loses_the_list_and_the_edit_page(
    client, group, group_member
):
    action = make_action(group, by=group_member)
    _confirmed(action)
    group_member.memberships.all().delete()
    client.force_login(group_member)

    assert client.get(list_url(action)).status_code == 403
    assert client.get(list_url(action) + "?format=csv").status_code == 403
    assert client.get(f"/actions/{action.pk}/edit/").status_code == 403
    assert "visitor1@example.org" not in client.get(f"/actions/{action.pk}/").content.decode()


@pytest.mark.parametrize(("sees", "status"), [(True, 200), (False, 403)])
def test_a_cohost_sees_the_list_only_if_the_host_chose_so(client, group, outsider, sees, status):
    action = make_action(group)
    cohost = outsider.memberships.get().group
    Amplification.objects.create(action=action, group=cohost, kind="cohost", sees_rsvps=sees)
    client.force_login(outsider)

    assert client.get(list_url(action)).status_code == status


def test_a_plain_member_of_a_cohost_does_not_see_the_list(client, group, make_person):
    action = make_action(group)
    cohost = GroupFactory(name="Cohosts", slug="cohosts")
    Amplification.objects.create(action=action, group=cohost, kind="cohost", sees_rsvps=True)
    member = make_person("plain@example.net")
    add_member(cohost, member, "member")
    client.force_login(member)

    assert client.get(list_url(action)).status_code == 403


def test_the_csv_has_every_confirmed_person_and_defuses_formulas(client, group, group_admin):
    action = make_action(group)
    participation_create(action=action, name="=HYPERLINK(1)", email="a@example.org", consent=True)
    participation_create(action=action, name="Bea", email="b@example.org", consent=True)
    gone = participation_create(action=action, name="Gone", email="c@example.org", consent=True)
    gone.status = ParticipationStatus.CANCELLED
    gone.save()
    client.force_login(group_admin)

    response = client.get(list_url(action), {"format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["name", "email", "RSVPed at"]
    assert [row[:2] for row in rows[1:]] == [
        ["'=HYPERLINK(1)", "a@example.org"],
        ["Bea", "b@example.org"],
    ]


def test_the_csv_has_the_same_permissions_as_the_page(client, group, group_member):
    client.force_login(group_member)

    assert client.get(list_url(make_action(group)), {"format": "csv"}).status_code == 403


def test_an_unknown_format_is_a_400(client, group, group_admin):
    client.force_login(group_admin)

    assert client.get(list_url(make_action(group)), {"format": "xlsx"}).status_code == 400


@pytest.mark.parametrize("size", [3, 40])
def test_the_list_and_csv_use_a_fixed_number_of_queries(
    client, group, group_admin, size, django_assert_num_queries
):
    action = make_action(group)
    add_rsvps(action, size)
    client.force_login(group_admin)
    client.get(list_url(action))

    # session, person, memberships, roles (visibility); action; count, coalition, page
    with django_assert_num_queries(8):
        response = client.get(list_url(action))
    assert len(response.context["page"].object_list) == size
    # session, person, memberships, roles; action; rows
    with django_assert_num_queries(6):
        client.get(list_url(action), {"format": "csv"})


@pytest.mark.parametrize("size", [3, 40])
def test_the_form_page_uses_a_fixed_number_of_queries(
    client, group, size, django_assert_num_queries
):
    action = make_action(group, capacity=100)
    add_rsvps(action, size)

    # the action, the coalition (anonymous: no session, no memberships)
    with django_assert_num_queries(2):
        client.get(rsvp_url(action))


# --- The RSVP box on the action page ------------------------------------------------


def test_the_action_page_shows_counts_and_the_form_but_never_names(client, group):
    action = make_action(group, capacity=10)
    _confirmed(action, 1)

    page = client.get(f"/actions/{action.pk}/").content.decode()

    assert "1 person is coming." in page
    assert "9 places left." in page
    assert f'action="/actions/{action.pk}/rsvp/"' in page
    assert "Visitor 1" not in page
    assert "visitor1@example.org" not in page
    assert "See who is coming" not in page


def test_the_hosts_find_the_list_from_the_action_page(client, group, group_admin):
    action = make_action(group)
    client.force_login(group_admin)

    page = client.get(f"/actions/{action.pk}/").content.decode()

    assert f'href="/actions/{action.pk}/rsvps/"' in page


def test_the_action_page_of_a_past_action_offers_no_form(client, group):
    page = client.get(f"/actions/{make_action(group, days_ahead=-3).pk}/").content.decode()

    assert "This action is over." in page
    assert 'name="consent"' not in page


@pytest.mark.parametrize("size", [3, 40])
def test_the_rsvp_box_uses_a_fixed_number_of_queries(
    group, group_admin, outsider, size, django_assert_num_queries
):
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from actions.views.participation import rsvp_detail_context

    action = make_action(group, capacity=100)
    add_rsvps(action, size)
    for other in range(size):
        Amplification.objects.create(
            action=action, group=GroupFactory(), kind="cohost", sees_rsvps=other % 2 == 0
        )

    def request_as(user):
        request = RequestFactory().get(f"/actions/{action.pk}/")
        request.user = user
        rsvp_detail_context(request, action)  # memberships and roles, read once per request
        return request

    anonymous, host, other = (request_as(u) for u in (AnonymousUser(), group_admin, outsider))
    with django_assert_num_queries(0):
        assert rsvp_detail_context(anonymous, action)["rsvp"]["count"] == size
    with django_assert_num_queries(0):
        assert rsvp_detail_context(host, action)["rsvp"]["list_url"]
    with django_assert_num_queries(1):  # is one of their groups a co-host allowed to see?
        assert not rsvp_detail_context(other, action)["rsvp"]["list_url"]

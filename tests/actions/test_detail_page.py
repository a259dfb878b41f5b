"""/actions/<id>/: everything public about an action, 404 for those who may not see it."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actions import detail_context
from actions.models import Action, Amplification, ModerationDecision, Tactic
from tests.factories import GroupFactory, make_action, publish_statement

pytestmark = pytest.mark.django_db

CAST = ["outsider", "group_member", "group_admin", "weaver", "steering_member"]


def _url(action) -> str:
    return reverse("actions:detail", kwargs={"pk": action.pk})


@pytest.fixture
def steward(make_person):
    return make_person("steward@example.net", name="Sam Steward", roles=("steward",))


@pytest.fixture
def no_contributors(monkeypatch):
    """The page alone, whatever other parts registered."""
    monkeypatch.setattr(detail_context, "_contributors", [])


def test_the_action_page_has_its_address(group):
    action = make_action(group)

    assert _url(action) == f"/actions/{action.pk}/"


# --- Who sees it ------------------------------------------------------------

MATRIX = {
    # visibility / hidden: anonymous, outsider, member, admin, weaver, steering, steward
    "public": [200, 200, 200, 200, 200, 200, 200],
    "network": [404, 200, 200, 200, 200, 200, 200],
    "group": [404, 404, 200, 200, 404, 404, 200],
    # A hidden public action stands as a placeholder (410) for those it is not shown to.
    "hidden": [410, 410, 200, 200, 410, 410, 200],
}
PEOPLE = [None, *CAST, "steward"]


@pytest.mark.parametrize("case", list(MATRIX))
@pytest.mark.parametrize("index", range(len(PEOPLE)), ids=[p or "anonymous" for p in PEOPLE])
def test_who_sees_the_action_page(client, request, group, case, index):
    if case == "hidden":
        action = make_action(group, hidden_at=timezone.now(), hidden_reason="Spam")
    else:
        action = make_action(group, visibility=case)
    person = PEOPLE[index]
    if person:
        client.force_login(request.getfixturevalue(person))

    response = client.get(_url(action))

    assert response.status_code == MATRIX[case][index]
    if response.status_code == 404:
        assert "Air quality walk" not in response.content.decode()


def test_an_action_that_does_not_exist_is_404(client):
    assert client.get("/actions/999999/").status_code == 404


# --- What it shows ----------------------------------------------------------


def test_the_page_shows_host_cohosts_place_time_capacity_and_map_link(client, settings, group):
    settings.TIME_ZONE = "Europe/Paris"
    tactic = Tactic.objects.create(title="Clean air walk", slug="clean-air-walk", summary="Walk.")
    action = make_action(
        group,
        title="Clean air picnic",
        description="Bring a blanket.\nWe bring the monitors.",
        address="Riverside Park, by the bandstand",
        latitude="48.856600",
        longitude="2.352200",
        capacity=40,
        tactic=tactic,
    )
    Action.objects.filter(pk=action.pk).update(rsvp_count=15)
    cohost = GroupFactory(
        name="Hillside Cyclists", listing_consent=True, signed_version=publish_statement()
    )
    Amplification.objects.create(action=action, group=cohost, kind="cohost")
    Amplification.objects.create(action=action, group=GroupFactory(name="Endorser"), kind="endorse")

    body = client.get(_url(action)).content.decode()

    assert "Clean air picnic" in body
    assert reverse("members:group", kwargs={"slug": "riverside-tenants"}) in body
    assert "Hillside Cyclists" in body
    assert "Endorser" not in body.split("<dl")[1].split("</dl>")[0]
    assert "Riverside Park, by the bandstand" in body
    assert "Europe/Paris" in body
    assert "25 places left of 40" in body
    assert "Clean air walk" in body
    assert "Bring a blanket.<br>We bring the monitors." in body
    map_link = f"?focus={action.pk}&amp;bbox=2.332200,48.846600,2.372200,48.866600"
    assert reverse("actions:map") + map_link in body
    assert reverse("actions:ical", kwargs={"pk": action.pk}) in body


@pytest.mark.parametrize(("who", "named"), [(None, False)] + [(who, True) for who in CAST])
def test_an_unlisted_cohost_is_another_group_outside_the_network(
    client, request, group, who, named
):
    action = make_action(group)
    hidden = GroupFactory(name="Unlisted Migrant Support", slug="unlisted-ms")
    Amplification.objects.create(action=action, group=hidden, kind="cohost")
    if who:
        client.force_login(request.getfixturevalue(who))

    facts = client.get(_url(action)).content.decode().split("<dl")[1].split("</dl>")[0]

    assert ("Unlisted Migrant Support" in facts) is named
    assert ("unlisted-ms" in facts) is named
    assert ("another group" in facts) is not named


def test_outcomes_show_once_it_is_done(client, group):
    action = make_action(
        group, days_ahead=-3, status="done", participants=35, letters_sent=120, story="It worked."
    )

    body = client.get(_url(action)).content.decode()

    assert "What came of it" in body
    assert "35" in body and "120" in body and "It worked." in body


def test_the_edit_link_is_for_those_who_may_edit(client, group, group_admin, group_member):
    action = make_action(group)
    edit = reverse("actions:edit", kwargs={"pk": action.pk})

    client.force_login(group_member)
    assert edit not in client.get(_url(action)).content.decode()
    client.force_login(group_admin)
    assert edit in client.get(_url(action)).content.decode()


def test_no_personal_field_of_the_poster_is_shown(client, group, group_member):
    group_member.phone = "+33 6 00 00 00 00"
    group_member.save()
    action = make_action(group, by=group_member)

    body = client.get(_url(action)).content.decode()

    assert "member@example.net" not in body
    assert "+33 6 00 00 00 00" not in body


def test_opengraph_and_twitter_tags_are_absolute_and_escaped(client, settings, group):
    settings.SITE_URL = "https://coalition.example.org"
    action = make_action(group, title='Walk "for" <air>', description="A long walk. " * 40)

    body = client.get(_url(action)).content.decode()
    head = body.split("</head>")[0]

    def meta(attribute: str, name: str) -> str:
        match = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)">', head)
        assert match, name
        return match.group(1)

    assert meta("property", "og:title") == "Walk &quot;for&quot; &lt;air&gt;"
    assert meta("property", "og:url") == f"https://coalition.example.org/actions/{action.pk}/"
    assert meta("property", "og:type") == "website"
    assert len(meta("property", "og:description")) <= 200
    assert meta("name", "twitter:card") == "summary"
    assert meta("name", "twitter:title")


def test_the_share_description_falls_back_to_kind_host_and_place(client, group):
    action = make_action(group, description="")

    body = client.get(_url(action)).content.decode()

    assert (
        'og:description" content="Public event or meeting by Riverside Tenants in Riverside"'
        in body
    )


def test_the_boxes_of_other_parts_are_included_in_order_rsvp_first(client, group):
    action = make_action(group, description="A long walk along the river.")
    response = client.get(_url(action))

    names = [t.name for t in response.templates]
    boxes = [
        "actions/detail/_rsvp.html",
        "actions/detail/_amplify.html",
        "actions/detail/_support.html",
        "actions/detail/_moderation.html",
    ]
    assert [name for name in names if name in boxes] == boxes
    # On a phone the RSVP form is on the first screen: right after when and where.
    page = response.content.decode()
    assert page.index('class="action-facts"') < page.index('name="email"')
    assert page.index('name="email"') < page.index('id="about-title"')


# --- Hidden actions ---------------------------------------------------------


def test_the_host_group_sees_why_its_action_was_hidden(client, group, group_member, steward):
    action = make_action(group, hidden_at=timezone.now(), hidden_reason="old reason")
    ModerationDecision.objects.create(action=action, hidden=True, reason="First look", by=steward)
    ModerationDecision.objects.create(
        action=action, hidden=True, reason="Personal data of a neighbour", by=steward
    )
    client.force_login(group_member)

    body = client.get(_url(action)).content.decode()

    assert "This action is hidden" in body
    assert "Personal data of a neighbour" in body
    assert "First look" not in body
    assert "Sam Steward" not in body


def test_a_visible_action_has_no_banner(client, group, group_member):
    action = make_action(group)
    client.force_login(group_member)

    assert "This action is hidden" not in client.get(_url(action)).content.decode()


# --- Other parts' context ---------------------------------------------------


def test_registered_context_reaches_the_page(client, group, no_contributors):
    action = make_action(group)

    def box(request, action):
        return {"support": {"title": f"Help {action.title}"}}

    detail_context.detail_context_register(box)
    detail_context.detail_context_register(box)  # once only

    response = client.get(_url(action))

    assert response.context["support"] == {"title": "Help Air quality walk"}
    assert detail_context._contributors == [box]


def test_a_context_key_used_twice_is_refused(rf, group, no_contributors):
    action = make_action(group)
    detail_context.detail_context_register(lambda request, action: {"rsvp": 1})
    detail_context.detail_context_register(lambda request, action: {"rsvp": 2})

    with pytest.raises(ImproperlyConfigured):
        detail_context.detail_context(rf.get("/"), action)
    with pytest.raises(ImproperlyConfigured):
        detail_context.detail_context(rf.get("/"), action, reserved={"rsvp"})


# --- Fixed queries ----------------------------------------------------------


def _amplify(action, count: int) -> None:
    kinds = ["endorse", "cohost", "share", "pledge"]
    done = Amplification.objects.filter(action=action).count()
    for number in range(done, done + count):
        Amplification.objects.create(
            action=action, group=GroupFactory(), kind=kinds[number % 4], people=2
        )


@pytest.mark.parametrize("person", [None, "group_admin", "steward"])
def test_the_page_alone_costs_fixed_queries_for_3_or_40_amplifications(
    client, request, group, person, no_contributors, django_assert_num_queries
):
    action = make_action(group, hidden_at=timezone.now() if person == "steward" else None)
    if person:
        client.force_login(request.getfixturevalue(person))
    # The action and its co-hosts (and the decision when hidden), and the
    # coalition's name; a logged-in person adds session, user, memberships, roles.
    expected = {None: 3, "group_admin": 7, "steward": 8}[person]

    _amplify(action, 3)
    with django_assert_num_queries(expected):
        assert client.get(_url(action)).status_code == 200
    _amplify(action, 37)
    with django_assert_num_queries(expected):
        assert client.get(_url(action)).status_code == 200


@pytest.mark.parametrize("person", [None, "outsider", "group_admin", "steward"])
def test_the_whole_page_with_every_box_costs_the_same_for_3_or_40_amplifications(
    client, request, group, person
):
    action = make_action(group, capacity=100)
    if person:
        client.force_login(request.getfixturevalue(person))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_url(action)).status_code == 200
        return len(queries)

    _amplify(action, 3)
    small = count()
    _amplify(action, 37)

    assert count() == small

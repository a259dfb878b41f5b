"""Writing a done action up as a tactic: who may, when, and what a bad write-up gets."""

from __future__ import annotations

import pytest
from django.utils import timezone

from actions.models import Tactic
from actions.services.playbook import tactic_create
from coalition.errors import RuleBroken
from tests.factories import make_action

pytestmark = pytest.mark.django_db


@pytest.fixture
def done(group):
    return make_action(
        group, days_ahead=-10, status="done", title="School gate air walk", story="We walked."
    )


def write_up(action, by, **extra):
    values = {"title": "School gate air walk", "summary": "Parents walked the route at 8am."}
    values.update(extra)
    return tactic_create(action=action, by=by, **values)


# --- The service ----------------------------------------------------------------


def test_a_host_writes_up_a_done_action(done, group_admin):
    tactic = write_up(
        done, group_admin, why_it_worked="Parents came.", how_to="Meet at 7:45.", resources="x"
    )

    assert tactic.slug == "school-gate-air-walk"
    assert tactic.source_action == done
    assert tactic.written_by == group_admin
    assert tactic.how_to == "Meet at 7:45."


def test_the_same_title_twice_gets_the_next_free_address(group, group_admin):
    first = make_action(group, days_ahead=-10, status="done")
    second = make_action(group, days_ahead=-9, status="done")

    assert write_up(first, group_admin).slug == "school-gate-air-walk"
    assert write_up(second, group_admin).slug == "school-gate-air-walk-2"


def test_a_title_with_no_latin_letters_still_gets_an_address(done, group_admin):
    assert write_up(done, group_admin, title="Марш").slug == "tactic"


def test_an_action_is_written_up_only_once(done, group_admin):
    write_up(done, group_admin)

    with pytest.raises(RuleBroken, match="already written up"):
        write_up(done, group_admin, title="Again")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"status": "planned"}, "has happened"),
        ({"status": "cancelled"}, "has happened"),
        ({"hidden_at": timezone.now()}, "hidden"),
    ],
)
def test_only_a_done_shown_action_can_be_written_up(group, group_admin, fields, message):
    action = make_action(group, days_ahead=-10, **{"status": "done", **fields})

    with pytest.raises(RuleBroken, match=message):
        write_up(action, group_admin)
    assert not Tactic.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "group_member", "weaver", "steering_member"])
def test_only_the_hosts_write_it_up(request, done, who):
    with pytest.raises(RuleBroken, match="hosts"):
        write_up(done, request.getfixturevalue(who))


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "   "}, "title"),
        ({"summary": ""}, "summary"),
        ({"title": "x" * 161}, "title"),
        ({"how_to": "x" * 10_001}, "how_to"),
    ],
)
def test_empty_or_enormous_text_is_refused_on_its_field(done, group_admin, fields, field):
    with pytest.raises(RuleBroken) as refused:
        write_up(done, group_admin, **fields)

    assert refused.value.field == field


# --- The page ---------------------------------------------------------------------


def url(action) -> str:
    return f"/actions/{action.pk}/write-up/"


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
def test_only_the_hosts_open_the_write_up_page(request, client, done, steward, who, status):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))

    response = client.get(url(done))

    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("who", ["outsider", "weaver"])
def test_the_write_up_page_of_an_action_one_cannot_see_is_not_found(request, client, group, who):
    action = make_action(group, days_ahead=-10, status="done", visibility="group")
    client.force_login(request.getfixturevalue(who))

    assert client.get(url(action)).status_code == 404


def test_the_member_who_posted_it_may_write_it_up(client, group, group_member):
    action = make_action(group, by=group_member, days_ahead=-10, status="done")
    client.force_login(group_member)

    assert client.get(url(action)).status_code == 200


def test_the_form_starts_from_the_action_and_saving_leads_to_the_tactic(client, done, group_admin):
    client.force_login(group_admin)
    page = client.get(url(done)).content.decode()
    assert 'value="School gate air walk"' in page
    assert "We walked." in page

    response = client.post(
        url(done),
        {"title": "School gate walk", "summary": "Walked.", "why_it_worked": "", "how_to": ""},
    )

    assert response.status_code == 302
    assert response["Location"] == "/playbook/school-gate-walk/"
    assert Tactic.objects.get().source_action == done


def test_a_planned_action_explains_why_it_cannot_be_written_up_yet(client, group, group_admin):
    action = make_action(group)
    client.force_login(group_admin)

    page = client.get(url(action))
    posted = client.post(url(action), {"title": "T", "summary": "S"})

    assert page.status_code == 200
    assert "record its outcomes first" in page.content.decode()
    assert 'name="summary"' not in page.content.decode()
    assert posted.status_code == 400
    assert not Tactic.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "T", "summary": ""}, "This field is required"),
        ({"title": "x" * 161, "summary": "S"}, "at most 160 characters"),
        ({"title": "T", "summary": "x" * 4001}, "at most 4000 characters"),
    ],
)
def test_a_bad_write_up_is_shown_again_with_errors(client, done, group_admin, data, message):
    client.force_login(group_admin)

    response = client.post(url(done), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Tactic.objects.exists()


def test_writing_up_twice_is_a_form_error(client, done, group_admin):
    client.force_login(group_admin)
    client.post(url(done), {"title": "T", "summary": "S"})

    response = client.post(url(done), {"title": "T2", "summary": "S"})

    assert response.status_code == 400
    assert "already written up" in response.content.decode()
    assert Tactic.objects.count() == 1

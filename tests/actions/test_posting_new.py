"""/actions/new/: any member of a signed group posts an action; bad input is answered clearly."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.models import Action, Tactic
from members.models import Group, Stage
from tests.factories import add_member, publish_statement

pytestmark = pytest.mark.django_db

URL = "/actions/new/"


@pytest.fixture
def signed(group):
    """``group`` has signed the current statement: its members may post."""
    version = publish_statement()
    Group.objects.filter(pk=group.pk).update(signed_version=version)
    group.refresh_from_db()
    return group


def _local(days: int, hour: int) -> str:
    day = timezone.localdate() + timedelta(days=days)
    return f"{day.isoformat()}T{hour:02d}:30"


def _form(host, **changes) -> dict:
    data = {
        "group": str(host.pk),
        "title": "Clean air picnic",
        "description": "Bring a blanket; we bring the air monitors.",
        "kind": "event",
        "tactic": "",
        "place": str(host.place_id),
        "address": "Riverside Park, by the bandstand",
        "latitude": "48.8566",
        "longitude": "2.3522",
        "starts_at": _local(7, 10),
        "ends_at": _local(7, 12),
        "visibility": "public",
        "capacity": "40",
    }
    data.update(changes)
    return data


def test_posting_has_its_stable_address():
    assert reverse("actions:new") == URL


def test_anonymous_people_are_sent_to_log_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("person", ["group_member", "group_admin"])
def test_members_of_a_signed_group_get_the_form(client, request, signed, person):
    client.force_login(request.getfixturevalue(person))

    response = client.get(URL)

    assert response.status_code == 200
    assert 'name="title"' in response.content.decode()
    assert 'type="datetime-local"' in response.content.decode()


@pytest.mark.parametrize("person", ["outsider", "weaver", "steering_member"])
def test_people_with_no_group_that_may_post_are_told_why(client, request, signed, person):
    client.force_login(request.getfixturevalue(person))

    response = client.get(URL)

    assert response.status_code == 200
    assert 'name="title"' not in response.content.decode()
    assert client.post(URL, _form(signed)).status_code == 403
    assert not Action.objects.exists()


def test_a_member_of_a_group_that_has_not_signed_is_told_to_sign(client, group, group_member):
    client.force_login(group_member)

    response = client.get(URL)

    assert "must sign the current unity statement" in response.content.decode()
    assert "Riverside Tenants" in response.content.decode()


def test_a_member_posts_an_action_in_local_time(client, settings, signed, group_member):
    settings.TIME_ZONE = "Europe/Paris"
    client.force_login(group_member)

    response = client.post(URL, _form(signed))

    action = Action.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("actions:detail", kwargs={"pk": action.pk})
    assert action.host_group == signed
    assert action.created_by == group_member
    assert str(action.latitude) == "48.856600"
    paris = ZoneInfo("Europe/Paris")
    day = timezone.localdate(timezone=paris) + timedelta(days=7)
    assert action.starts_at == datetime(day.year, day.month, day.day, 10, 30, tzinfo=paris)
    assert action.capacity == 40
    signed.refresh_from_db()
    assert signed.stage == Stage.PRODUCING


def test_coordinates_with_many_decimals_are_kept_to_six_places(client, signed, group_member):
    client.force_login(group_member)

    client.post(URL, _form(signed, latitude="48.85661400012", longitude="-2.3522219"))

    action = Action.objects.get()
    assert (str(action.latitude), str(action.longitude)) == ("48.856614", "-2.352222")


def test_a_tactic_in_the_address_is_chosen_and_posting_adopts_it(client, signed, group_member):
    tactic = Tactic.objects.create(title="Clean air walk", slug="clean-air-walk", summary="Walk.")
    client.force_login(group_member)

    page = client.get(URL, {"tactic": "clean-air-walk"})
    client.post(URL, _form(signed, tactic=str(tactic.pk)))

    assert f'<option value="{tactic.pk}" selected>' in page.content.decode()
    assert list(tactic.adoptions.all()) == [Action.objects.get()]


def test_an_unknown_tactic_in_the_address_selects_nothing(client, signed, group_member):
    client.force_login(group_member)

    response = client.get(URL, {"tactic": "from-nowhere" * 20})

    assert response.status_code == 200
    assert not response.context["form"].initial.get("tactic")


def test_control_characters_are_dropped_and_the_feed_still_answers(client, signed, group_member):
    client.force_login(group_member)

    response = client.post(
        URL,
        _form(
            signed,
            title="Walk\x0bday\x01",
            description="Line one\r\nLine\ttwo\x1b",
            address="Riverside\x07 Park",
        ),
    )

    action = Action.objects.get()
    assert response.status_code == 302
    assert (action.title, action.description, action.address) == (
        "Walkday", "Line one\nLine\ttwo", "Riverside Park",
    )  # fmt: skip
    assert client.get("/actions/feed.atom").status_code == 200


def test_a_title_of_control_characters_only_is_required(client, signed, group_member):
    client.force_login(group_member)

    response = client.post(URL, _form(signed, title="\x01\x02"))

    assert response.status_code == 400
    assert "required" in " ".join(response.context["form"].errors["title"])
    assert not Action.objects.exists()


def test_the_service_drops_control_characters_too(signed, group_member):
    from actions.services.posting import action_create, action_update

    start = timezone.now() + timedelta(days=3)
    action = action_create(
        group=signed, by=group_member, title="Walk\x0bday", kind="event", place=signed.place,
        starts_at=start, ends_at=start + timedelta(hours=1), description="a\x0cb",
        address="c\x1fd",
    )  # fmt: skip
    assert (action.title, action.description, action.address) == ("Walkday", "ab", "cd")

    action_update(action=action, by=group_member, title="Ride\rBcc: x", description="e\x08f")

    action.refresh_from_db()
    assert (action.title, action.description) == ("RideBcc: x", "ef")


def _errors(response) -> dict:
    return response.context["form"].errors


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"ends_at": _local(7, 9)}, "ends_at", "cannot end before it starts"),
        ({"latitude": "123", "longitude": "2"}, "latitude", "not on Earth"),
        ({"latitude": "48", "longitude": "-200"}, "latitude", "not on Earth"),
        ({"latitude": "48.8", "longitude": ""}, "latitude", "both latitude and longitude"),
        ({"latitude": "NaN", "longitude": "2"}, "latitude", "number"),
        ({"latitude": "1e400", "longitude": "2"}, "latitude", ""),
        ({"latitude": "9" * 500, "longitude": "2"}, "latitude", "number"),
        ({"title": "x" * 161}, "title", "at most 160"),
        ({"title": "   "}, "title", "required"),
        ({"description": "x" * 10_001}, "description", "at most 10000"),
        ({"address": "x" * 301}, "address", "at most 300"),
        ({"tactic": "999999"}, "tactic", "not in the playbook"),
        ({"tactic": "a tactic from nowhere"}, "tactic", "not in the playbook"),
        ({"place": "999999"}, "place", "Choose a place"),
        ({"kind": "picnic"}, "kind", "valid choice"),
        ({"visibility": "everyone"}, "visibility", "valid choice"),
        ({"starts_at": "tomorrow-ish"}, "starts_at", "valid date"),
        ({"capacity": "0"}, "capacity", "greater than or equal to 1"),
        ({"capacity": "99999999999"}, "capacity", "less than or equal to"),
    ],
)
def test_bad_input_is_a_form_error_never_a_500(
    client, signed, group_member, changes, field, message
):
    client.force_login(group_member)

    response = client.post(URL, _form(signed, **changes))

    assert response.status_code == 400
    assert field in _errors(response), _errors(response)
    assert message in " ".join(_errors(response)[field])
    assert not Action.objects.exists()


def test_a_group_the_person_is_not_in_is_refused(client, signed, outsider, group_member):
    other = Group.objects.get(slug="hillside-parents")
    Group.objects.filter(pk=other.pk).update(signed_version=signed.signed_version)
    client.force_login(group_member)

    response = client.post(URL, _form(signed, group=str(other.pk)))

    assert response.status_code == 400
    assert "You cannot post for that group" in " ".join(_errors(response)["group"])
    assert not Action.objects.exists()


def test_a_group_that_has_not_signed_cannot_be_chosen(client, signed, group_member):
    unsigned = Group.objects.create(
        name="Unsigned Friends", slug="unsigned-friends", kind="community", place=signed.place
    )
    add_member(unsigned, group_member, "admin")
    client.force_login(group_member)

    response = client.post(URL, _form(signed, group=str(unsigned.pk)))

    assert response.status_code == 400
    assert "group" in _errors(response)
    assert "Unsigned Friends" in response.content.decode()  # named as "must sign first"


def test_a_group_that_must_re_sign_cannot_post_publicly(client, signed, group_member):
    Group.objects.filter(pk=signed.pk).update(needs_resign=True)
    client.force_login(group_member)

    refused = client.post(URL, _form(signed))
    allowed = client.post(URL, _form(signed, visibility="network"))

    assert refused.status_code == 400
    assert "cannot be public yet" in " ".join(_errors(refused)["visibility"])
    assert allowed.status_code == 302
    assert Action.objects.get().visibility == "network"


def test_posting_is_rate_limited_per_person(client, signed, group_member, monkeypatch):
    monkeypatch.setattr("actions.services.posting.POSTS_PER_HOUR", 2)
    client.force_login(group_member)

    answers = [client.post(URL, _form(signed, title=f"Walk {n}")).status_code for n in range(3)]

    assert answers == [302, 302, 400]
    assert Action.objects.count() == 2
    response = client.post(URL, _form(signed, title="Walk 4"))
    assert "Please wait a little" in " ".join(response.context["form"].non_field_errors())


def test_a_missing_time_zone_change_gap_is_a_form_error(client, settings, signed, group_member):
    # 02:30 on the last Sunday of March does not exist in Paris.
    settings.TIME_ZONE = "Europe/Paris"
    client.force_login(group_member)
    year = timezone.localdate().year + 1
    march_end = max(day for day in range(25, 32) if datetime(year, 3, day).weekday() == 6)
    gap = f"{year}-03-{march_end:02d}T02:30"

    response = client.post(
        URL, _form(signed, starts_at=gap, ends_at=f"{year}-03-{march_end:02d}T05:00")
    )

    assert response.status_code == 400
    assert "couldn’t be interpreted in time zone" in " ".join(_errors(response)["starts_at"])

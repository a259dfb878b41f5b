"""The weaver's board: groups by stage, its filters, the paginated list, and its query count."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from coalition.models import Caucus, PlaceKind, WorkingGroup
from members.models import Stage
from members.selectors_weave import BOARD_CARDS_PER_STAGE
from tests.factories import GroupFactory, make_place

pytestmark = pytest.mark.django_db

BOARD = reverse("members:weave")
LIST = reverse("members:weave_groups")


@pytest.fixture
def places(db):
    region = make_place("Lowlands", PlaceKind.REGION)
    city = make_place("Portville", PlaceKind.CITY, region)
    harbour = make_place("Harbour", PlaceKind.NEIGHBOURHOOD, city)
    other_city = make_place("Hilltown", PlaceKind.CITY, region)
    return {"region": region, "city": city, "harbour": harbour, "other_city": other_city}


def board_names(response) -> dict[str, list[str]]:
    return {
        column.stage: [card.name for card in column.cards] for column in response.context["columns"]
    }


def all_names(response) -> set[str]:
    return {name for names in board_names(response).values() for name in names}


def test_the_board_has_a_column_per_stage_with_counts(client, weaver, places):
    GroupFactory(name="Dock Workers", place=places["city"], stage=Stage.PROSPECT)
    GroupFactory(name="Harbour Parents", place=places["harbour"], stage=Stage.PROSPECT)
    GroupFactory(name="Hill Clinic", place=places["other_city"], stage=Stage.ALIGNED)
    client.force_login(weaver)

    response = client.get(BOARD)

    columns = response.context["columns"]
    assert [column.stage for column in columns] == [
        "prospect", "contacted", "aligned", "producing", "lapsed",
    ]  # fmt: skip
    assert {column.stage: column.count for column in columns} == {
        "prospect": 2, "contacted": 0, "aligned": 1, "producing": 0, "lapsed": 0,
    }  # fmt: skip
    assert board_names(response)["prospect"] == ["Dock Workers", "Harbour Parents"]
    page = response.content.decode()
    assert "Dock Workers" in page and "Hill Clinic" in page


def test_each_column_shows_its_first_groups_and_links_to_the_rest(client, weaver, places):
    for number in range(BOARD_CARDS_PER_STAGE + 3):
        GroupFactory(name=f"Prospect {number:02}", place=places["city"], stage=Stage.PROSPECT)
    client.force_login(weaver)

    response = client.get(BOARD, {"kind": "community"})

    prospects = response.context["columns"][0]
    assert prospects.count == BOARD_CARDS_PER_STAGE + 3
    assert len(prospects.cards) == BOARD_CARDS_PER_STAGE
    assert prospects.cards[0].name == "Prospect 00"
    assert prospects.more == 3
    assert f"{LIST}?kind=community&amp;stage=prospect" in response.content.decode()


def test_the_place_filter_keeps_the_place_and_everything_inside_it(client, weaver, places):
    GroupFactory(name="Dock Workers", place=places["city"])
    GroupFactory(name="Harbour Parents", place=places["harbour"])
    GroupFactory(name="Hill Clinic", place=places["other_city"])
    client.force_login(weaver)

    response = client.get(BOARD, {"place": places["city"].pk})

    assert all_names(response) == {"Dock Workers", "Harbour Parents"}
    assert all_names(client.get(BOARD, {"place": places["region"].pk})) == {
        "Dock Workers", "Harbour Parents", "Hill Clinic",
    }  # fmt: skip


def test_the_working_group_and_caucus_filters(client, weaver, places):
    transport = WorkingGroup.objects.create(name="Transport", slug="transport")
    youth = Caucus.objects.create(name="Youth", slug="youth")
    buses = GroupFactory(name="Bus Riders", place=places["city"])
    buses.working_groups.add(transport)
    students = GroupFactory(name="Students United", place=places["city"])
    students.caucuses.add(youth)
    GroupFactory(name="Quiet Club", place=places["city"])
    client.force_login(weaver)

    assert all_names(client.get(BOARD, {"working_group": transport.pk})) == {"Bus Riders"}
    assert all_names(client.get(BOARD, {"caucus": youth.pk})) == {"Students United"}


def test_the_kind_filter(client, weaver, places):
    GroupFactory(name="Faith Circle", place=places["city"], kind="faith")
    GroupFactory(name="Tenants", place=places["city"], kind="community")
    client.force_login(weaver)

    assert all_names(client.get(BOARD, {"kind": "faith"})) == {"Faith Circle"}


def test_no_contact_for_n_days_includes_groups_never_contacted(client, weaver, places):
    now = timezone.now()
    GroupFactory(name="Never Called", place=places["city"], last_contact_at=None)
    GroupFactory(
        name="Called Long Ago", place=places["city"], last_contact_at=now - timedelta(days=40)
    )
    GroupFactory(
        name="Called Last Week", place=places["city"], last_contact_at=now - timedelta(days=7)
    )
    client.force_login(weaver)

    response = client.get(BOARD, {"quiet_days": 30})

    assert all_names(response) == {"Never Called", "Called Long Ago"}


def test_filters_combine(client, weaver, places):
    GroupFactory(name="Harbour Faith", place=places["harbour"], kind="faith")
    GroupFactory(name="Harbour Tenants", place=places["harbour"], kind="community")
    GroupFactory(name="Hill Faith", place=places["other_city"], kind="faith")
    client.force_login(weaver)

    response = client.get(BOARD, {"place": places["city"].pk, "kind": "faith"})

    assert all_names(response) == {"Harbour Faith"}


def test_cards_show_place_kind_days_since_contact_and_the_re_sign_badge(client, weaver, places):
    GroupFactory(
        name="Old Signatory",
        place=places["harbour"],
        kind="union",
        stage=Stage.ALIGNED,
        needs_resign=True,
        last_contact_at=timezone.now() - timedelta(days=12, hours=1),
    )
    GroupFactory(name="Brand New", place=places["harbour"], kind="ngo")
    client.force_login(weaver)

    page = client.get(BOARD).content.decode()

    assert "Harbour · union" in page
    assert "No contact for 12 days" in page
    assert "to re-sign" in page
    assert "Never contacted" in page


def test_cards_escape_what_people_typed_and_say_in_touch_today(client, weaver, places):
    GroupFactory(
        name="<b>Bold</b> & Co",
        place=places["harbour"],
        last_contact_at=timezone.now() - timedelta(hours=2),
    )
    client.force_login(weaver)

    page = client.get(BOARD).content.decode()

    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Co" in page
    assert "<b>Bold</b>" not in page
    assert "In touch today" in page


@pytest.mark.parametrize(
    "params",
    [{"place": "999999"}, {"quiet_days": "-3"}, {"quiet_days": "lots"}, {"kind": "<script>"}],
)
def test_a_bad_filter_is_shown_as_an_error_and_not_applied(client, weaver, places, params):
    GroupFactory(name="Dock Workers", place=places["city"])
    client.force_login(weaver)

    response = client.get(BOARD, params)

    assert response.status_code == 200
    assert response.context["form"].errors
    assert all_names(response) == {"Dock Workers"}
    assert "Some filters were not understood" in response.content.decode()


@pytest.mark.parametrize("size", [5, 60])
def test_the_board_uses_a_fixed_number_of_queries(
    client, weaver, places, size, django_assert_num_queries
):
    transport = WorkingGroup.objects.create(name="Transport", slug="transport")
    Caucus.objects.create(name="Youth", slug="youth")
    stages = list(Stage.values)
    for number in range(size):
        group = GroupFactory(
            place=places["harbour"] if number % 2 else places["other_city"],
            stage=stages[number % len(stages)],
            needs_resign=number % 3 == 0,
        )
        group.working_groups.add(transport)
    client.force_login(weaver)
    client.get(BOARD)  # the session is read once before counting

    # session, person, roles, coalition; places, working groups, caucuses;
    # counts by stage; each column's first ids (one UNION ALL); their cards
    with django_assert_num_queries(10):
        response = client.get(
            BOARD,
            {"place": places["region"].pk, "working_group": transport.pk, "quiet_days": 5},
        )
    assert sum(column.count for column in response.context["columns"]) == size
    with django_assert_num_queries(10):
        client.get(BOARD)


def test_the_list_shows_one_stage_with_the_same_filters_paginated(client, weaver, places):
    for number in range(55):
        GroupFactory(name=f"Aligned {number:02}", place=places["harbour"], stage=Stage.ALIGNED)
    GroupFactory(name="Elsewhere", place=places["other_city"], stage=Stage.ALIGNED)
    GroupFactory(name="A Prospect", place=places["harbour"], stage=Stage.PROSPECT)
    client.force_login(weaver)

    first = client.get(LIST, {"stage": "aligned", "place": places["city"].pk})
    second = client.get(LIST, {"stage": "aligned", "place": places["city"].pk, "page": 2})

    assert first.context["page"].paginator.count == 55
    assert [group.name for group in second.context["page"].object_list] == [
        "Aligned 50", "Aligned 51", "Aligned 52", "Aligned 53", "Aligned 54",
    ]  # fmt: skip
    assert f"place={places['city'].pk}" in first.content.decode()
    assert "page=2" in first.content.decode()


def test_the_list_survives_a_nonsense_page_number(client, weaver, places):
    GroupFactory(name="Dock Workers", place=places["city"])
    client.force_login(weaver)

    response = client.get(LIST, {"page": "last-one-please"})

    assert response.status_code == 200
    assert [group.name for group in response.context["page"].object_list] == ["Dock Workers"]


@pytest.mark.parametrize("size", [5, 60])
def test_the_list_uses_a_fixed_number_of_queries(
    client, weaver, places, size, django_assert_num_queries
):
    for _number in range(size):
        GroupFactory(place=places["harbour"], stage=Stage.CONTACTED)
    client.force_login(weaver)
    client.get(LIST)

    # session, person, roles, coalition; places, working groups, caucuses; count, page
    with django_assert_num_queries(9):
        client.get(LIST, {"stage": "contacted", "place": places["city"].pk})


def test_the_list_rows_show_stage_place_kind_days_since_contact_and_the_badge(
    client, weaver, places
):
    GroupFactory(
        name="Old <b>Signatory</b>",
        slug="old-signatory",
        place=places["harbour"],
        kind="union",
        stage=Stage.ALIGNED,
        needs_resign=True,
        last_contact_at=timezone.now() - timedelta(days=12, hours=1),
    )
    GroupFactory(name="Brand New", slug="brand-new", place=places["harbour"], kind="ngo")
    client.force_login(weaver)

    page = client.get(LIST).content.decode()

    signatory = reverse("members:weave_group", kwargs={"slug": "old-signatory"})
    assert f'<a href="{signatory}">Old &lt;b&gt;Signatory&lt;/b&gt;</a>' in page
    assert "<td>aligned</td>\n  <td>Harbour</td>\n  <td>union</td>\n  <td>12</td>" in page
    assert page.count("to re-sign") == 1
    brand_new = reverse("members:weave_group", kwargs={"slug": "brand-new"})
    assert f'<a href="{brand_new}">Brand New</a></th>' in page
    assert "<td>NGO</td>\n  <td>never</td>" in page


def test_an_empty_list_says_so(client, weaver, places):
    client.force_login(weaver)

    page = client.get(LIST, {"kind": "funder"}).content.decode()

    assert "No group matches these filters." in page

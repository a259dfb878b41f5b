"""The place filter and place fields offer a bounded select plus a name box (issue #8)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coalition.models import PlaceKind
from members.forms import GroupEditForm
from members.models import Stage
from reporting.forms_dashboard import DashboardFilterForm
from tests.factories import GroupFactory, make_place, publish_statement

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    """Two nations; a region; two cities; two neighbourhoods called "Old Mill" in each city."""
    world = make_place("World", PlaceKind.GLOBAL)
    nation = make_place("Northland", PlaceKind.NATION, world)
    region = make_place("Lakeshore", PlaceKind.REGION, nation)
    north = make_place("Port Maren", PlaceKind.CITY, region)
    south = make_place("Alder Falls", PlaceKind.CITY, region)
    mill_north = make_place("Old Mill", PlaceKind.NEIGHBOURHOOD, north)
    mill_south = make_place("Old Mill", PlaceKind.NEIGHBOURHOOD, south)
    dock = make_place("Dockyards", PlaceKind.NEIGHBOURHOOD, north)
    return {
        "region": region,
        "north": north,
        "mill_north": mill_north,
        "mill_south": mill_south,
        "dock": dock,
    }


def _more_small_places(city, count: int) -> None:
    for n in range(count):
        make_place(f"Corner {n}", PlaceKind.NEIGHBOURHOOD, city)


def _signed(name: str, place):
    from coalition.models import StatementVersion

    version = StatementVersion.objects.filter(published_at__isnull=False).first()
    version = version or publish_statement()
    return GroupFactory(
        name=name, place=place, stage=Stage.ALIGNED, listing_consent=True, signed_version=version
    )


def _listed(html: str, place) -> bool:
    return f'<option value="{place.pk}"' in html


def test_statement_lists_upper_levels_only(client, tree):
    _more_small_places(tree["north"], 5)
    html = client.get("/statement/").content.decode()
    assert _listed(html, tree["region"])
    assert not _listed(html, tree["north"])  # a city: typed or chosen, not listed
    assert not _listed(html, tree["dock"])
    assert "Corner 3" not in html
    assert 'name="place_name"' in html


def test_statement_keeps_place_id_links(client, tree):
    _signed("Dock Tenants", tree["dock"])
    _signed("Far Away", tree["mill_south"])
    response = client.get(f"/statement/?place={tree['dock'].pk}")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<option value="{tree["dock"].pk}" selected' in html
    assert "Dock Tenants" in html and "Far Away" not in html


def test_statement_by_unique_name_any_case(client, tree):
    _signed("Dock Tenants", tree["dock"])
    _signed("Far Away", tree["mill_south"])
    response = client.get("/statement/?place_name=  dOCKYARDS ")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Dock Tenants" in html and "Far Away" not in html


def test_statement_same_name_twice_is_400_naming_parents(client, tree):
    response = client.get("/statement/?place_name=old+mill")
    html = response.content.decode()
    assert response.status_code == 400
    assert "2 places are called" in html
    assert "Old Mill in Port Maren" in html and "Old Mill in Alder Falls" in html
    # Both are offered in the select, so one can be chosen.
    assert _listed(html, tree["mill_north"]) and _listed(html, tree["mill_south"])


def test_statement_unknown_name_is_400_with_message(client, tree):
    response = client.get("/statement/?place_name=Atlantis")
    assert response.status_code == 400
    assert "No place is called “Atlantis”" in response.content.decode()


def test_statement_queries_do_not_grow_with_places(client, tree, django_assert_num_queries):
    with CaptureQueriesContext(connection) as few:
        client.get(f"/statement/?place={tree['dock'].pk}")
    _more_small_places(tree["north"], 30)
    with CaptureQueriesContext(connection) as many:
        response = client.get(f"/statement/?place={tree['dock'].pk}")
    assert response.status_code == 200
    assert len(many) == len(few)


def test_weave_board_filter_by_name(client, weaver, tree):
    GroupFactory(name="Dock Tenants", place=tree["dock"], stage=Stage.ALIGNED)
    GroupFactory(name="Far Away", place=tree["mill_south"], stage=Stage.ALIGNED)
    client.force_login(weaver)
    html = client.get("/weave/?place_name=Dockyards").content.decode()
    assert "Dock Tenants" in html and "Far Away" not in html
    assert f'<option value="{tree["dock"].pk}" selected' in html
    html = client.get("/weave/?place_name=Old+Mill").content.decode()
    assert "2 places are called" in html


def test_weave_board_queries_do_not_grow_with_places(client, weaver, tree):
    client.force_login(weaver)
    with CaptureQueriesContext(connection) as few:
        client.get("/weave/")
    _more_small_places(tree["north"], 30)
    with CaptureQueriesContext(connection) as many:
        html = client.get("/weave/").content.decode()
    assert len(many) == len(few)
    assert "Corner 7" not in html


def test_actions_filter_by_name_and_bad_name(client, tree):
    html = client.get("/actions/?place_name=dockyards").content.decode()
    assert f'<option value="{tree["dock"].pk}" selected' in html
    response = client.get("/actions/?place_name=Nowhere+Land")
    assert response.status_code < 500
    assert "No place is called “Nowhere Land”" in response.content.decode()


def test_place_field_renders_bounded_and_takes_any_place(tree):
    _more_small_places(tree["north"], 5)
    form = DashboardFilterForm({"place": str(tree["dock"].pk)})
    html = str(form["place"])
    assert _listed(html, tree["dock"]) and _listed(html, tree["region"])
    assert "Corner 2" not in html
    assert form.is_valid(), form.errors
    assert form.cleaned_data["place"] == tree["dock"]


def test_place_field_by_name(tree):
    form = DashboardFilterForm({"place_name": "Port maren"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["place"] == tree["north"]
    form = DashboardFilterForm({"place_name": "Old Mill"})
    assert not form.is_valid()
    assert "Old Mill in Port Maren" in str(form.errors["place"])
    # The same-named places are offered when the form is shown again.
    html = str(form["place"])
    assert _listed(html, tree["mill_north"]) and _listed(html, tree["mill_south"])
    form = DashboardFilterForm({"place": "99999999999999999999999"})
    assert not form.is_valid()


def test_group_edit_shows_its_small_place_selected(tree):
    group = GroupFactory(name="Dock Tenants", place=tree["dock"])
    html = str(GroupEditForm(instance=group)["place"])
    assert f'<option value="{tree["dock"].pk}" selected' in html

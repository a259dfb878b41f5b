"""Stewards keep the place tree: rename, move, merge, delete, and add many at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from coalition.errors import RuleBroken
from coalition.models import AuditEntry, AuditVerb, Place, PlaceKind
from coalition.selectors import in_place, place_subtree
from coalition.services import (
    place_create,
    place_delete,
    place_merge,
    place_rename,
    places_import_csv,
)
from tests.factories import GroupFactory, make_action, make_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    nation = place_create(name="Northland", kind=PlaceKind.NATION)
    region = place_create(name="Lakeshore", kind=PlaceKind.REGION, parent=nation)
    city = place_create(name="Port Maren", kind=PlaceKind.CITY, parent=region)
    district = place_create(name="Harbourside", kind=PlaceKind.DISTRICT, parent=city)
    other = place_create(name="Hill Country", kind=PlaceKind.REGION, parent=nation)
    # The same city typed twice, once in each region.
    twin = place_create(name="Port Maren (old)", kind=PlaceKind.CITY, parent=other)
    return {
        "nation": nation, "region": region, "city": city, "district": district,
        "other": other, "twin": twin,
    }  # fmt: skip


def fresh(place: Place) -> Place:
    return Place.objects.get(pk=place.pk)


def place_changes() -> list[dict]:
    return list(
        AuditEntry.objects.filter(verb=AuditVerb.PLACES_CHANGED)
        .order_by("id")
        .values_list("detail", flat=True)
    )


# --- Pages, as a steward ---------------------------------------------------------------


@pytest.fixture
def steward_client(client, steward):
    client.force_login(steward)
    return client


def test_a_steward_renames_a_place_and_the_log_says_so(steward_client, tree):
    response = steward_client.post(
        f"/network/places/{tree['city'].pk}/", {"form": "rename", "name": "Port Maren City"}
    )

    assert response.status_code == 302
    assert fresh(tree["city"]).name == "Port Maren City"
    assert place_changes()[-1]["change"] == "rename"
    assert place_changes()[-1]["old_name"] == "Port Maren"


def test_a_rename_to_a_sibling_name_is_refused_with_a_400(steward_client, tree):
    response = steward_client.post(
        f"/network/places/{tree['other'].pk}/", {"form": "rename", "name": "lakeshore"}
    )

    assert response.status_code == 400
    assert "There is already a place called lakeshore there." in response.content.decode()
    assert fresh(tree["other"]).name == "Hill Country"


def test_a_steward_moves_a_place_and_everything_inside_it(steward_client, tree):
    response = steward_client.post(
        f"/network/places/{tree['city'].pk}/", {"form": "move", "parent": tree["other"].pk}
    )

    assert response.status_code == 302
    assert fresh(tree["district"]).path.startswith(fresh(tree["other"]).path)
    assert set(place_subtree(fresh(tree["other"])).values_list("name", flat=True)) == {
        "Hill Country", "Port Maren", "Harbourside", "Port Maren (old)",
    }  # fmt: skip
    assert place_changes()[-1]["places_moved"] == 2


@pytest.mark.parametrize(
    ("moved", "into", "message"),
    [
        ("region", "district", "A place cannot move inside itself."),
        ("region", "city", "A place cannot move inside itself."),
        ("other", "city", "A place must be smaller than the one it sits in."),
    ],
)
def test_a_move_that_would_break_the_tree_is_refused(steward_client, tree, moved, into, message):
    before = fresh(tree[moved]).path

    response = steward_client.post(
        f"/network/places/{tree[moved].pk}/", {"form": "move", "parent": tree[into].pk}
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert fresh(tree[moved]).path == before


def test_a_move_next_to_a_place_of_the_same_name_is_refused(steward_client, tree):
    place_create(name="Harbourside", kind=PlaceKind.DISTRICT, parent=tree["twin"])

    response = steward_client.post(
        f"/network/places/{tree['district'].pk}/", {"form": "move", "parent": tree["twin"].pk}
    )

    assert response.status_code == 400
    assert "There is already a place called Harbourside there." in response.content.decode()


def test_an_unknown_change_is_a_400(steward_client, tree):
    assert steward_client.post(f"/network/places/{tree['city'].pk}/", {}).status_code == 400
    assert (
        steward_client.post(f"/network/places/{tree['city'].pk}/", {"form": "explode"}).status_code
        == 400
    )


# --- Merging ---------------------------------------------------------------------------


@pytest.fixture
def both_used(tree, make_person):
    """Groups, actions, an event's day and a win in each of the two Port Marens."""
    from convergence.models import Event
    from reporting.models import Win

    host = make_person("host@example.net", name="Hana Host")
    found = {}
    for key in ("city", "twin"):
        place = tree[key]
        group = GroupFactory(place=place)
        action = make_action(group, by=host, place=place)
        found[key] = {"group": group, "action": action}
    day = make_day(places=[tree["twin"], tree["city"]])
    only_twin = make_day(places=[tree["twin"]], slug="twin-day", title="Twin day")
    event = Event.objects.create(
        day=day,
        action=make_action(found["twin"]["group"], by=host, place=tree["twin"], days_ahead=15),
        registered_by=host,
    )
    win = Win.objects.create(
        title="Bus lane", won_on=dt.date(2026, 1, 5), place=tree["twin"], level="partial"
    )
    district = place_create(name="Quayside", kind=PlaceKind.DISTRICT, parent=tree["twin"])
    same_named = place_create(name="Harbourside", kind=PlaceKind.DISTRICT, parent=tree["twin"])
    inner = GroupFactory(place=same_named)
    return {
        **found, "day": day, "only_twin": only_twin, "event": event, "win": win,
        "district": district, "same_named": same_named, "inner": inner,
    }  # fmt: skip


def test_merging_moves_every_pointer_to_the_kept_place(steward_client, tree, both_used):
    twin, city = tree["twin"], tree["city"]

    response = steward_client.post(
        f"/network/places/{twin.pk}/", {"form": "merge", "into": city.pk, "confirm": "on"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/network/places/{city.pk}/"
    assert not Place.objects.filter(pk=twin.pk).exists()
    for key in ("city", "twin"):
        both_used[key]["group"].refresh_from_db()
        both_used[key]["action"].refresh_from_db()
        assert both_used[key]["group"].place_id == city.pk
        assert both_used[key]["action"].place_id == city.pk
    both_used["event"].action.refresh_from_db()
    assert both_used["event"].action.place_id == city.pk
    both_used["win"].refresh_from_db()
    assert both_used["win"].place_id == city.pk
    # A day that covered both now covers the kept place once; one that covered the
    # absorbed place covers the kept one.
    assert list(both_used["day"].places.values_list("pk", flat=True)) == [city.pk]
    assert list(both_used["only_twin"].places.values_list("pk", flat=True)) == [city.pk]


def test_merging_moves_the_places_inside_and_merges_same_named_ones(tree, both_used):
    city = tree["city"]

    place_merge(absorbed=tree["twin"], kept=city)

    quayside = fresh(both_used["district"])
    assert quayside.parent_id == city.pk
    assert quayside.path == fresh(city).path + Place.segment(quayside.pk)
    assert not Place.objects.filter(pk=both_used["same_named"].pk).exists()
    both_used["inner"].refresh_from_db()
    assert both_used["inner"].place_id == tree["district"].pk
    # Subtree queries still see everything in its new place.
    from members.models import Group

    in_region = Group.objects.filter(in_place(fresh(tree["region"])))
    assert set(in_region) == {both_used["city"]["group"], both_used["twin"]["group"],
                              both_used["inner"]}  # fmt: skip
    assert not Group.objects.filter(in_place(fresh(tree["other"]))).exists()


def test_a_merge_is_written_to_the_log_with_counts(tree, both_used, steward):
    place_merge(absorbed=tree["twin"], kept=tree["city"], by=steward)

    detail = place_changes()[-1]
    assert detail["change"] == "merge"
    assert detail["kept"] == tree["city"].pk
    assert set(detail["absorbed"]) == {tree["twin"].pk, both_used["same_named"].pk}
    assert detail["moved"]["members.group"] == 2
    assert detail["moved"]["actions.action"] == 2
    assert detail["moved"]["convergence.dayofaction"] == 1
    assert detail["moved"]["places"] == 1


def test_a_merge_queues_a_rebuild_of_the_dashboard_figures(
    tree, both_used, django_capture_on_commit_callbacks
):
    from coalition.signals import places_changed

    heard = []

    def listener(sender, **kwargs):
        heard.append(kwargs)

    places_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            place_merge(absorbed=tree["twin"], kept=tree["city"])
    finally:
        places_changed.disconnect(listener)

    assert heard[0]["change"] == "merge"
    assert heard[0]["place_ids"][0] == tree["city"].pk


def test_a_place_cannot_be_merged_into_itself_or_a_place_inside_it(steward_client, tree):
    itself = steward_client.post(
        f"/network/places/{tree['city'].pk}/",
        {"form": "merge", "into": tree["city"].pk, "confirm": "on"},
    )
    inside = steward_client.post(
        f"/network/places/{tree['region'].pk}/",
        {"form": "merge", "into": tree["district"].pk, "confirm": "on"},
    )

    assert itself.status_code == inside.status_code == 400
    assert "Choose another place to merge with." in itself.content.decode()
    assert "Harbourside is inside Lakeshore" in inside.content.decode()
    assert Place.objects.count() == 6


def test_a_merge_that_would_put_a_larger_place_inside_a_smaller_one_changes_nothing(tree):
    group = GroupFactory(place=tree["other"])

    with pytest.raises(RuleBroken, match="Port Maren \\(old\\) \\(inside Hill Country\\)"):
        place_merge(absorbed=tree["other"], kept=tree["district"])

    assert Place.objects.count() == 6
    group.refresh_from_db()
    assert group.place_id == tree["other"].pk


def test_a_merge_needs_confirming(steward_client, tree):
    response = steward_client.post(
        f"/network/places/{tree['twin'].pk}/", {"form": "merge", "into": tree["city"].pk}
    )

    assert response.status_code == 400
    assert Place.objects.filter(pk=tree["twin"].pk).exists()


# --- Deleting --------------------------------------------------------------------------


def test_an_unused_place_is_deleted(steward_client, tree):
    response = steward_client.post(
        f"/network/places/{tree['district'].pk}/", {"form": "delete", "confirm": "on"}
    )

    assert response.status_code == 302
    assert not Place.objects.filter(pk=tree["district"].pk).exists()
    assert place_changes()[-1] == {
        "change": "delete", "place": tree["district"].pk, "name": "Harbourside",
    }  # fmt: skip


def test_a_place_in_use_is_not_deleted_and_the_page_says_what_uses_it(
    steward_client, tree, make_person
):
    group = GroupFactory(place=tree["district"])
    make_action(group, place=tree["district"])
    make_day(places=[tree["district"]])

    response = steward_client.post(
        f"/network/places/{tree['district'].pk}/", {"form": "delete", "confirm": "on"}
    )

    assert response.status_code == 400
    text = response.content.decode()
    assert "Harbourside is still used by 1 group, 1 action, 1 day of action" in text
    assert Place.objects.filter(pk=tree["district"].pk).exists()


def test_a_place_with_places_inside_is_not_deleted(tree):
    with pytest.raises(RuleBroken, match="Port Maren still has 1 place inside it"):
        place_delete(place=tree["city"])


# --- Many at once ----------------------------------------------------------------------


def test_a_pasted_list_adds_places_under_the_chosen_one(steward_client, tree):
    response = steward_client.post(
        "/network/places/add-many/",
        {
            "form": "outline",
            "outline-text": "Old Town\nDocklands\n  Pier Row (neighbourhood)",
            "outline-under": tree["city"].pk,
        },
    )

    assert response.status_code == 302
    docklands = Place.objects.get(name="Docklands")
    assert docklands.parent_id == tree["city"].pk
    assert docklands.kind == PlaceKind.DISTRICT
    assert Place.objects.get(name="Pier Row").parent_id == docklands.pk
    assert place_changes()[-1]["created"] == 3


def test_a_pasted_list_with_a_bad_line_adds_nothing(steward_client, tree):
    response = steward_client.post(
        "/network/places/add-many/",
        {"form": "outline", "outline-text": "Old Town\nDocklands (planet)"},
    )

    assert response.status_code == 400
    assert "Line 2: “planet” is not a kind of place." in response.content.decode()
    assert not Place.objects.filter(name="Old Town").exists()


def csv_file(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("places.csv", text.encode(), content_type="text/csv")


PLACES_CSV = """name,parent,kind
Southland,,nation
Riverbend,Southland,4
Corvin,Riverbend,city
Eastbank,Corvin,
Mill Quarter,Eastbank,quartier
"""


def test_a_csv_file_adds_a_tree_and_importing_it_again_adds_nothing(steward_client):
    response = steward_client.post(
        "/network/places/add-many/", {"form": "csv", "csv-file": csv_file(PLACES_CSV)}
    )

    assert response.status_code == 302
    tree = {p.name: (p.parent.name if p.parent else None, p.kind) for p in Place.objects.all()}
    assert tree == {
        "Southland": (None, PlaceKind.NATION),
        "Riverbend": ("Southland", PlaceKind.REGION),
        "Corvin": ("Riverbend", PlaceKind.CITY),
        "Eastbank": ("Corvin", PlaceKind.DISTRICT),
        "Mill Quarter": ("Eastbank", PlaceKind.NEIGHBOURHOOD),
    }
    assert place_changes()[-1]["created"] == 5

    assert places_import_csv(content=PLACES_CSV.encode()) == []
    assert Place.objects.count() == 5


def test_a_csv_row_may_come_before_its_parent():
    places_import_csv(content=b"name;parent;kind\nCorvin;Riverbend;city\nRiverbend;;region\n")

    assert Place.objects.get(name="Corvin").parent.name == "Riverbend"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name,parent,kind\nCorvin,Atlantis,city\n", "Line 2: no place is called “Atlantis”."),
        ("name,parent,kind\nCorvin,,planet\n", "Line 2: “planet” is not a kind of place."),
        ("name,parent,kind\nNorthland,,nation\n,Northland,city\n", "Line 3 has no place name."),
        ("name,parent,kind\nBig,,city\nBigger,Big,nation\n",
         "Line 3: A nation cannot sit inside a city."),
        ("parent,kind\nNorthland,city\n", "The first line must name the columns"),
        ("name,parent,kind\nA,B,city\nB,A,region\n", "sits, through its parents, inside itself"),
    ],
)  # fmt: skip
def test_a_csv_file_with_a_bad_line_is_refused_whole(steward_client, text, message):
    response = steward_client.post(
        "/network/places/add-many/", {"form": "csv", "csv-file": csv_file(text)}
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Place.objects.exists()


def test_a_csv_parent_that_several_places_share_is_refused_with_its_line(tree):
    place_create(name="Harbourside", kind=PlaceKind.DISTRICT, parent=tree["twin"])

    with pytest.raises(RuleBroken, match="Line 3: several places are called “harbourside”"):
        places_import_csv(
            content=b"name,parent,kind\nPier Row,Port Maren,district\nDock 4,harbourside,1\n"
        )

    assert not Place.objects.filter(name="Pier Row").exists()


def test_a_csv_file_too_long_is_refused():
    rows = "".join(f"Place {n},,nation\n" for n in range(5_001))

    with pytest.raises(RuleBroken, match="At most 5000 places at once"):
        places_import_csv(content=("name,parent,kind\n" + rows).encode())


def test_the_places_csv_cap_is_the_setting_every_import_shares(settings):
    settings.CSV_IMPORT_MAX_ROWS = 3
    rows = "".join(f"Place {n},,nation\n" for n in range(4))

    with pytest.raises(RuleBroken, match="At most 3 places at once"):
        places_import_csv(content=("name,parent,kind\n" + rows).encode())
    assert not Place.objects.filter(name="Place 0").exists()


def test_a_file_that_is_not_utf8_is_refused():
    with pytest.raises(RuleBroken, match="not UTF-8"):
        places_import_csv(content="name\nSão Tomé\n".encode("utf-16"))


def test_an_empty_add_many_post_is_a_400(steward_client):
    assert steward_client.post("/network/places/add-many/", {}).status_code == 400
    response = steward_client.post("/network/places/add-many/", {"form": "csv"})
    assert response.status_code == 400


# --- Rename as a service ---------------------------------------------------------------


def test_a_place_needs_a_name(tree):
    with pytest.raises(RuleBroken, match="A place needs a name"):
        place_rename(place=tree["city"], name="   ")


# --- Who may, and how fast ------------------------------------------------------------


@pytest.mark.parametrize("who", ["outsider", "group_admin", "weaver", "coordinator"])
def test_only_stewards_and_the_steering_committee_keep_places(client, request, tree, who):
    client.force_login(request.getfixturevalue(who))
    city = tree["city"]

    for url, body in (
        (f"/network/places/{city.pk}/", {"form": "rename", "name": "Mine"}),
        (f"/network/places/{city.pk}/", {"form": "delete", "confirm": "on"}),
        ("/network/places/add-many/", {"form": "outline", "outline-text": "Atlantis"}),
    ):
        assert client.get(url).status_code == 403
        assert client.post(url, body).status_code == 403
    assert fresh(city).name == "Port Maren"
    assert not Place.objects.filter(name="Atlantis").exists()


def _grow(count: int) -> None:
    nation = Place.objects.create(name=f"Nation {count}", kind=PlaceKind.NATION)
    nation.path = Place.segment(nation.pk)
    nation.save()
    places = [
        Place(name=f"City {n}", kind=PlaceKind.CITY, parent=nation, depth=1) for n in range(count)
    ]
    for place in Place.objects.bulk_create(places):
        place.path = nation.path + Place.segment(place.pk)
    Place.objects.bulk_update(places, ["path"])


def test_the_places_page_takes_the_same_queries_for_ten_or_a_thousand_places(
    steward_client, django_assert_max_num_queries, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _grow(10)
    with CaptureQueriesContext(connection) as small:
        assert steward_client.get("/network/places/").status_code == 200
    _grow(1000)
    with django_assert_num_queries(len(small.captured_queries)):
        response = steward_client.get("/network/places/")
    assert response.status_code == 200
    assert response.content.decode().count('class="depth-') == 100
    assert "1,012 places" in response.content.decode() or "1012 places" in response.content.decode()


def test_the_places_page_narrows_to_a_name_and_to_a_subtree(steward_client, tree):
    by_name = steward_client.get("/network/places/", {"q": "port"}).content.decode()
    inside = steward_client.get("/network/places/", {"under": tree["city"].pk}).content.decode()

    assert "Port Maren (old)" in by_name and "Harbourside" not in by_name
    assert "Harbourside" in inside and "Lakeshore</a>" not in inside


def test_a_place_page_says_what_uses_the_place(steward_client, tree):
    GroupFactory(place=tree["city"])

    response = steward_client.get(f"/network/places/{tree['city'].pk}/")

    assert response.status_code == 200
    text = response.content.decode()
    assert "1 group" in text and "1 place inside it." in text

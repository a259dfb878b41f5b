import pytest

from coalition.errors import RuleBroken
from coalition.models import Place, PlaceKind
from coalition.selectors import in_place, place_subtree
from coalition.services import place_create, place_move

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    nation = place_create(name="Northland", kind=PlaceKind.NATION)
    region = place_create(name="Lakeshore", kind=PlaceKind.REGION, parent=nation)
    city = place_create(name="Port Maren", kind=PlaceKind.CITY, parent=region)
    district = place_create(name="Harbourside", kind=PlaceKind.DISTRICT, parent=city)
    other = place_create(name="Hill Country", kind=PlaceKind.REGION, parent=nation)
    return {"nation": nation, "region": region, "city": city, "district": district, "other": other}


def test_a_place_knows_its_path_and_depth(tree):
    district = tree["district"]

    assert district.depth == 3
    assert district.path == "".join(
        Place.segment(tree[name].pk) for name in ("nation", "region", "city", "district")
    )


def test_a_subtree_is_one_query(tree, django_assert_num_queries):
    with django_assert_num_queries(1):
        names = set(place_subtree(tree["region"]).values_list("name", flat=True))

    assert names == {"Lakeshore", "Port Maren", "Harbourside"}


def test_the_subtree_filter_uses_a_prefix_match_not_a_walk(tree):
    sql = str(Place.objects.filter(in_place(tree["region"], "parent")).query)

    assert "LIKE" in sql.upper()


def test_a_place_must_be_smaller_than_its_parent(tree):
    with pytest.raises(RuleBroken, match="cannot sit inside"):
        place_create(name="Big City", kind=PlaceKind.REGION, parent=tree["city"])


def test_two_places_with_one_name_in_one_parent_are_refused(tree):
    with pytest.raises(RuleBroken, match="already a place called"):
        place_create(name="port maren", kind=PlaceKind.CITY, parent=tree["region"])


def test_moving_a_place_moves_everything_under_it(tree):
    place_move(place=tree["city"], parent=tree["other"])

    district = Place.objects.get(pk=tree["district"].pk)
    assert district.path.startswith(tree["other"].path)
    assert district.depth == 3
    assert place_subtree(tree["region"]).count() == 1


def test_a_place_cannot_move_inside_itself(tree):
    with pytest.raises(RuleBroken, match="inside itself"):
        place_move(place=tree["region"], parent=tree["district"])

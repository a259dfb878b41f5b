import pytest

from coalition.models import PlaceKind
from members.models import Stage
from tests.factories import GroupFactory, make_place, publish_statement

pytestmark = pytest.mark.django_db


@pytest.fixture
def version():
    return publish_statement(title="Clean air is a common good", principles=3)


def signed(version, place, name, *, listed=True, kind="community"):
    return GroupFactory(
        name=name,
        place=place,
        kind=kind,
        stage=Stage.ALIGNED,
        signed_version=version,
        listing_consent=listed,
    )


def test_it_shows_the_statement_and_its_principles(client, version):
    page = client.get("/statement/").content.decode()

    assert "Clean air is a common good" in page
    assert "Principle 0" in page and "Principle 2" in page


def test_it_lists_only_signatories_that_consented(client, version, place):
    signed(version, place, "Listed Tenants")
    signed(version, place, "Quiet Clinic", listed=False)
    GroupFactory(name="Prospect Cyclists", place=place, listing_consent=True)

    page = client.get("/statement/").content.decode()

    assert "Listed Tenants" in page
    assert "Quiet Clinic" not in page
    assert "Prospect Cyclists" not in page
    assert "1 group has signed and agreed to be listed." in page


def test_it_narrows_to_a_place_and_everything_under_it(client, version):
    region = make_place("Lakeshore", PlaceKind.REGION)
    city = make_place("Port Maren", PlaceKind.CITY, region)
    elsewhere = make_place("Corvin", PlaceKind.CITY)
    signed(version, city, "Port Maren Tenants")
    signed(version, elsewhere, "Corvin Parents")

    page = client.get("/statement/", {"place": region.pk}).content.decode()

    assert "Port Maren Tenants" in page
    assert "Corvin Parents" not in page


def test_it_filters_by_kind_with_counts_per_kind(client, version, place):
    signed(version, place, "Dock Union", kind="union")
    signed(version, place, "Faith Table", kind="faith")

    response = client.get("/statement/", {"kind": "union"})

    page = response.content.decode()
    assert "Dock Union" in page and "Faith Table" not in page
    assert {k: n for k, _, n in response.context["signatories"].by_kind}["faith"] == 1


def test_bad_filters_are_ignored_not_errors(client, version):
    response = client.get("/statement/", {"place": "'; drop", "kind": "pirates", "page": "x"})

    assert response.status_code == 200


def test_it_works_before_any_statement_is_published(client):
    response = client.get("/statement/")

    assert response.status_code == 200
    assert "has not published its unity statement yet" in response.content.decode()


@pytest.mark.parametrize("groups", [3, 60])
def test_it_uses_a_fixed_number_of_queries(
    client, version, place, groups, django_assert_num_queries
):
    for number in range(groups):
        signed(version, place, f"Group {number:03}")

    # statement, principles, counts by kind (which give the page count), page,
    # places for the filter, the coalition's name
    with django_assert_num_queries(6):
        assert client.get("/statement/").status_code == 200


def test_a_group_admin_is_offered_to_sign_for_a_group_that_has_not(
    client, version, group, group_admin
):
    client.force_login(group_admin)

    page = client.get("/statement/").content.decode()

    assert "Sign for Riverside Tenants" in page


@pytest.mark.parametrize("place", ["²", "9" * 30, "-1", "abc"])
def test_an_odd_place_shows_every_signatory_never_a_500(client, version, place):
    signed(version, make_place("Harbourside"), "Harbour Nurses")

    response = client.get("/statement/", {"place": place})

    assert response.status_code == 200
    assert "Harbour Nurses" in response.content.decode()

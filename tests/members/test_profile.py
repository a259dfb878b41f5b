import pytest

from coalition.models import Caucus, WorkingGroup

pytestmark = pytest.mark.django_db


def test_a_person_joins_working_groups_and_caucuses(client, outsider):
    health = WorkingGroup.objects.create(name="Public health", slug="health")
    youth = Caucus.objects.create(name="Youth", slug="youth")
    client.force_login(outsider)

    response = client.post("/me/profile/", {
        "name": "Otto O.", "phone": "+00 555 0100", "working_groups": [health.pk],
        "caucuses": [youth.pk],
    })  # fmt: skip

    assert response.status_code == 302
    outsider.refresh_from_db()
    assert list(outsider.working_groups.all()) == [health]
    assert list(outsider.caucuses.all()) == [youth]


def test_the_profile_needs_a_login(client):
    assert client.get("/me/profile/").status_code == 302


def test_a_bad_profile_is_refused(client, outsider):
    client.force_login(outsider)

    response = client.post("/me/profile/", {"name": "x" * 500, "working_groups": [999]})

    assert response.status_code == 400
    outsider.refresh_from_db()
    assert outsider.name == "Otto Outsider"


@pytest.mark.parametrize("field", ["working_groups", "caucuses"])
@pytest.mark.parametrize("value", ["9" * 30, str(2**63), "-" + "9" * 30, "²"])
def test_an_id_no_database_holds_is_a_field_error(client, outsider, field, value):
    client.force_login(outsider)

    response = client.post("/me/profile/", {"name": "Otto O.", field: [value]})

    assert response.status_code == 400
    assert response.context["form"].errors[field]

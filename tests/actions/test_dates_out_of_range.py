"""Days no calendar filter can hold (year 9999, year 1) are a form error or a 400, never a 500."""

from __future__ import annotations

import pytest

from tests.factories import make_action

pytestmark = pytest.mark.django_db

FAR_DAYS = [
    {"date_to": "9999-12-31"},
    {"date_from": "9999-12-31"},
    {"date_from": "0001-01-01"},
    {"date_from": "0001-01-01", "date_to": "9999-12-31"},
]
PARIS_BOX = "2.2,48.8,2.5,48.9"


@pytest.mark.parametrize("params", FAR_DAYS)
@pytest.mark.parametrize("url", ["/actions/", "/actions/map/"])
def test_a_day_out_of_range_on_a_page_is_a_form_error_with_a_400(client, group, url, params):
    make_action(group, title="Clean air picnic")

    response = client.get(url, params)

    assert response.status_code == 400
    assert set(params) <= set(response.context["form"].errors)


@pytest.mark.parametrize("params", FAR_DAYS)
def test_a_day_out_of_range_on_the_map_data_answers_400_in_json(client, group, params):
    response = client.get("/actions/map/data.geojson", {"bbox": PARIS_BOX, **params})

    assert response.status_code == 400
    assert set(params) <= set(response.json()["fields"])


@pytest.mark.parametrize("params", FAR_DAYS)
def test_a_day_out_of_range_on_the_api_answers_400_in_the_error_shape(client, group, params):
    response = client.get("/api/v1/actions/", params)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(params) <= set(error["fields"])


def test_the_last_day_in_range_still_filters(client, group):
    make_action(group, title="Clean air picnic")

    response = client.get("/actions/", {"date_to": "2999-12-31"})

    assert response.status_code == 200
    assert b"Clean air picnic" in response.content

"""The dashboard page and its CSV downloads: who sees them, bad filters, fixed queries."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from members.models import LadderLevel, LadderStep
from reporting.models import Win
from reporting.rollups import month_start, rollups_rebuild
from tests.conftest import PASSWORD
from tests.factories import GroupFactory, PersonFactory, make_action, make_place

pytestmark = pytest.mark.django_db

DASHBOARD = "/dashboard/"
CSV = "/dashboard/charts/wins.csv"
RANGE = {"start": "2025-01", "end": "2025-03"}


def login(client, person):
    assert client.login(email=person.email, password=PASSWORD)


@pytest.mark.parametrize("url", [DASHBOARD, CSV])
def test_anonymous_visitors_are_sent_to_log_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", [DASHBOARD, CSV])
@pytest.mark.parametrize("who", ["outsider", "group_member", "group_admin"])
def test_people_without_a_network_role_get_403(client, request, url, who):
    login(client, request.getfixturevalue(who))

    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", [DASHBOARD, CSV])
@pytest.mark.parametrize("who", ["weaver", "steering_member"])
def test_weavers_and_the_steering_committee_see_it(client, request, url, who):
    login(client, request.getfixturevalue(who))

    assert client.get(url).status_code == 200


def test_the_page_draws_each_chart_with_its_table_and_csv_link_without_scripts_or_styles(
    client, steering_member, place
):
    Win.objects.create(title="Bus lane", won_on=dt.date(2025, 2, 5), place=place, level="full")
    rollups_rebuild()
    login(client, steering_member)

    response = client.get(DASHBOARD, {**RANGE, "place": place.pk})
    html = response.content.decode()

    assert response.status_code == 200
    for slug in ("wins", "climate", "meetings", "ladder-levels", "actions", "tactic-adoptions"):
        assert f"/dashboard/charts/{slug}.csv?" in html
    # 13 drawings (the legends' colour keys are small SVGs of their own, hidden from readers).
    assert html.count('<svg class="chart-drawing" role="img"') == 13
    assert html.count("<caption>") >= 13 and html.count('<details class="chart-details">') == 13
    assert "style=" not in html.split("<main", 1)[-1] and "<script>" not in html
    assert "Bus lane" in html
    assert f"place={place.pk}" in html and "start=2025-01" in html


def test_the_csv_has_a_row_per_month_with_the_same_filters(client, weaver, place):
    other = make_place("Elsewhere")
    Win.objects.create(title="Bus lane", won_on=dt.date(2025, 2, 5), place=place, level="full")
    Win.objects.create(title="Far", won_on=dt.date(2025, 2, 6), place=other, level="full")
    rollups_rebuild()
    login(client, weaver)

    response = client.get(CSV, {**RANGE, "place": place.pk})
    rows = list(csv.reader(io.StringIO(response.content.decode())))

    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="wins-2025-01-2025-03.csv"' in response["Content-Disposition"]
    assert rows == [
        ["month", "partial", "full"],
        ["2025-01", "0", "0"],
        ["2025-02", "0", "1"],
        ["2025-03", "0", "0"],
    ]


def test_the_csv_defuses_labels_a_spreadsheet_would_run(client, weaver):
    level = LadderLevel.objects.create(name='=HYPERLINK("http://x.example.net")', rank=1)
    LadderStep.objects.create(person=PersonFactory(), level=level, at=dt.date(2025, 1, 5))
    rollups_rebuild()
    login(client, weaver)

    response = client.get("/dashboard/charts/ladder-levels.csv", RANGE)
    header = next(csv.reader(io.StringIO(response.content.decode())))

    assert header == ["month", '\'=HYPERLINK("http://x.example.net")']


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2025-03", "end": "2025-01"},
        {"start": "2025-13"},
        {"end": "yesterday"},
        {"start": "2010-01", "end": "2025-01"},
        {"place": "999999"},
        {"place": "²"},
        {"place": "99999999999999999999999"},
    ],
)
def test_bad_filters_answer_400_with_the_reason(client, weaver, params):
    login(client, weaver)

    page = client.get(DASHBOARD, params)
    download = client.get(CSV, params)

    assert page.status_code == 400 and download.status_code == 400
    assert 'role="alert"' in page.content.decode()
    assert "<svg" not in page.content.decode()


def test_an_inverted_range_says_so(client, weaver):
    login(client, weaver)

    response = client.get(DASHBOARD, {"start": "2025-03", "end": "2025-01"})

    assert "comes after the last one" in response.content.decode()


def test_an_unknown_chart_is_404(client, weaver):
    login(client, weaver)

    assert client.get("/dashboard/charts/no-such-chart.csv").status_code == 404


def test_the_dashboard_defaults_to_the_last_twelve_months(client, weaver):
    login(client, weaver)
    current = month_start(timezone.localdate())

    response = client.get(DASHBOARD)

    assert f"end={current:%Y-%m}" in response.content.decode()
    assert len(response.context["cells"][0]["drawings"][0]["rows"]) == 12


def _network(size: int, place) -> None:
    levels = [
        LadderLevel.objects.get_or_create(name=f"level {n}", defaults={"rank": 10 + n})[0]
        for n in range(3)
    ]
    groups = [GroupFactory(place=place, stage="aligned") for _ in range(size)]
    start = timezone.now() - dt.timedelta(days=40)
    for n, group in enumerate(groups):
        make_action(group, starts_at=start, ends_at=start + dt.timedelta(hours=1))
        Win.objects.create(title=f"Win {n}", won_on=start.date(), place=place, level="full")
        LadderStep.objects.create(person=PersonFactory(), level=levels[n % 3], at=start.date())
    rollups_rebuild()


def _queries(client, place) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(DASHBOARD, {"place": place.pk}).status_code == 200
    return len(context.captured_queries)


def test_the_page_uses_the_same_number_of_queries_whatever_the_size(
    client, steering_member, place, django_assert_num_queries
):
    login(client, steering_member)
    _network(3, place)
    small = _queries(client, place)
    _network(40, make_place("Bigger"))
    _network(40, place)

    with django_assert_num_queries(small):
        assert client.get(DASHBOARD, {"place": place.pk}).status_code == 200
    # The previous period's figures (for the trends) cost one more call to
    # dashboard_figures and one read of events and signatures.
    assert small <= 21

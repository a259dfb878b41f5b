"""Who may open the weaver's pipeline: weavers (and stewards) only, on every page."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

DENIED = ["outsider", "group_member", "group_admin", "steering_member", "staff"]


def _pages(group):
    return [
        ("get", reverse("members:weave"), {}),
        ("get", reverse("members:weave_groups") + "?stage=aligned", {}),
        ("get", reverse("members:weave_group", kwargs={"slug": group.slug}), {}),
        (
            "post",
            reverse("members:weave_group", kwargs={"slug": group.slug}),
            {"stage": "lapsed", "reason": "No answer for a year"},
        ),
        ("get", reverse("members:weave_thin"), {}),
        ("get", reverse("members:weave_import"), {}),
        ("post", reverse("members:weave_import_confirm"), {"token": "x"}),
    ]


PAGE_IDS = ["board", "list", "group", "group-move", "thin", "import", "import-confirm"]


@pytest.mark.parametrize("index", range(len(PAGE_IDS)), ids=PAGE_IDS)
def test_anonymous_people_are_sent_to_log_in(client, group, index):
    method, url, data = _pages(group)[index]

    response = getattr(client, method)(url, data)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("person", DENIED)
@pytest.mark.parametrize("index", range(len(PAGE_IDS)), ids=PAGE_IDS)
def test_people_without_the_weaver_role_get_403(client, group, request, person, index):
    client.force_login(request.getfixturevalue(person))
    method, url, data = _pages(group)[index]

    response = getattr(client, method)(url, data)

    assert response.status_code == 403
    group.refresh_from_db()
    assert group.stage == "aligned"


@pytest.mark.parametrize("index", [0, 1, 2, 4, 5], ids=["board", "list", "group", "thin", "import"])
def test_a_weaver_opens_every_page(client, group, weaver, index):
    client.force_login(weaver)
    _method, url, _data = _pages(group)[index]

    assert client.get(url).status_code == 200


def test_a_network_steward_may_weave_too(client, group, make_person):
    client.force_login(make_person("steward@example.net", roles=("steward",)))

    assert client.get(reverse("members:weave")).status_code == 200


def test_an_unknown_group_is_404_for_a_weaver(client, weaver):
    client.force_login(weaver)

    response = client.get(reverse("members:weave_group", kwargs={"slug": "nobody-here"}))

    assert response.status_code == 404


def test_the_weave_link_shows_in_the_navigation_for_weavers_only(client, weaver, group_admin):
    client.force_login(weaver)
    assert reverse("members:weave") in client.get("/").content.decode()

    client.force_login(group_admin)
    assert reverse("members:weave") not in client.get("/").content.decode()

import pytest

from tests.factories import publish_privacy_policy

pytestmark = pytest.mark.django_db


def test_it_shows_the_current_version_to_everyone(client):
    publish_privacy_policy(1)
    newest = publish_privacy_policy(2)
    newest.text = "Version two words."
    newest.save()

    page = client.get("/privacy/").content.decode()

    assert "Version two words." in page
    assert "Version 2, published" in page
    assert 'href="?version=1"' in page


def test_an_earlier_version_stays_readable(client):
    publish_privacy_policy(1)
    publish_privacy_policy(2)

    assert "Version 1, published" in client.get("/privacy/?version=1").content.decode()


def test_an_unknown_version_is_a_404(client):
    publish_privacy_policy(1)

    assert client.get("/privacy/?version=7").status_code == 404


def test_it_says_so_before_a_policy_exists(client):
    assert "has not published its privacy policy yet" in client.get("/privacy/").content.decode()


@pytest.mark.parametrize(
    ("version", "status"), [("²", 200), ("abc", 200), ("9" * 30, 404), ("0", 404)]
)
def test_an_odd_version_number_is_never_a_500(client, version, status):
    publish_privacy_policy()

    assert client.get("/privacy/", {"version": version}).status_code == status

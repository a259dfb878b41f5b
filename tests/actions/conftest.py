"""The host side of an action, shared by the amplification and support tests."""

import pytest

from members.models import Stage
from tests.factories import GroupFactory, add_member, make_action


@pytest.fixture
def host(place):
    return GroupFactory(
        name="Harbour Union", slug="harbour-union", place=place, stage=Stage.ALIGNED
    )


@pytest.fixture
def host_admin(make_person, host):
    person = make_person("host-admin@example.net", name="Hana Host")
    add_member(host, person, "admin")
    return person


@pytest.fixture
def action(host, host_admin):
    return make_action(host, by=host_admin, title="Clean air march")

import pytest

from notifications.models import Delivery
from notifications.registry import KINDS, register


@pytest.fixture
def news_kind():
    """A kind of news of the tests' own, weekly by default, written like a role notice."""
    kind = register(
        "test_news",
        label="Test news",
        template="notifications/kinds/role_given.txt",
        default=Delivery.WEEKLY,
    )
    yield kind.name
    KINDS.pop("test_news", None)

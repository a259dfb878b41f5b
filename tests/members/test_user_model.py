import pytest
from django.db import IntegrityError

from members.models import User

pytestmark = pytest.mark.django_db


def test_email_is_the_login_and_is_stored_lowercase():
    user = User.objects.create_user(email="Ada.Lovelace@Example.NET", password="x" * 12)

    assert user.email == "ada.lovelace@example.net"
    assert User.USERNAME_FIELD == "email"
    assert User.objects.get_by_natural_key("ADA.LOVELACE@example.net") == user


def test_the_same_email_in_another_case_is_refused():
    User.objects.create_user(email="ada@example.net")

    with pytest.raises(IntegrityError):
        User.objects.create(email="ADA@example.net")


def test_a_person_needs_an_email():
    with pytest.raises(ValueError, match="needs an email"):
        User.objects.create_user(email="")


def test_superusers_are_staff():
    user = User.objects.create_superuser(email="root@example.net", password="x" * 12)

    assert user.is_staff and user.is_superuser


def test_a_person_is_shown_by_name_then_email():
    assert str(User(email="bo@example.net")) == "bo@example.net"
    assert str(User(email="bo@example.net", name="Bo Builder")) == "Bo Builder"
    assert User(email="bo@example.net", name="Bo Builder").get_short_name() == "Bo"


def test_the_user_model_is_in_the_first_migration():
    from importlib import import_module

    migration = import_module("members.migrations.0001_initial").Migration
    created = [op.name for op in migration.operations if op.__class__.__name__ == "CreateModel"]

    assert migration.initial is True
    assert created == ["User"]

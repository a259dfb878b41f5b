"""User.search_text: what stewards find a person by, kept in step with their name and email."""

from __future__ import annotations

import importlib

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps

from coalition.errors import RuleBroken
from members.models import User
from members.services.accounts import account_create_verified
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_new_account_is_searchable_without_accents_or_capitals(make_person):
    person = make_person("Zoe.Ancel@Example.net", name="Zoë  ÀNCEL")

    assert person.search_text == "zoe ancel zoe.ancel@example.net"


def test_saving_only_the_name_keeps_the_search_text_in_step(make_person):
    person = make_person("ines@example.net", name="Inès")
    person.name = "Inès Ferrão"
    person.save(update_fields=["name"])

    assert User.objects.get(pk=person.pk).search_text == "ines ferrao ines@example.net"


def test_the_migration_fills_the_search_text_of_people_who_existed_before(make_person):
    person = make_person("eloise@example.net", name="Éloïse")
    User.objects.filter(pk=person.pk).update(search_text="")
    migration = importlib.import_module("members.migrations.0003_user_search_text")

    migration.fill_search_text(apps, None)

    assert User.objects.get(pk=person.pk).search_text == "eloise eloise@example.net"


def test_an_erased_person_can_no_longer_be_found_by_their_old_name(make_person):
    from privacy.services.data import person_erase

    person = make_person("gaelle@example.net", name="Gaëlle Quéré")

    person_erase(person=person, password=PASSWORD)

    text = User.objects.get(pk=person.pk).search_text
    assert "gaelle" not in text and "quere" not in text


class TestAccountCreateVerified:
    def test_it_makes_an_account_whose_address_is_verified_and_primary(self):
        person = account_create_verified(
            email=" Nadia@Example.net ", name="Nadia  Nour", password=PASSWORD, language="fr"
        )

        assert (person.email, person.name, person.language) == (
            "nadia@example.net",
            "Nadia Nour",
            "fr",
        )
        assert EmailAddress.objects.filter(user=person, verified=True, primary=True).exists()

    def test_it_refuses_an_address_that_already_has_an_account(self, make_person):
        make_person("taken@example.net")

        with pytest.raises(RuleBroken, match="already exists") as refused:
            account_create_verified(email="TAKEN@example.net", name="T", password=PASSWORD)
        assert refused.value.field == "email"

    @pytest.mark.parametrize("password", ["short", "123456789012", "nadia nour example"])
    def test_it_refuses_a_password_djangos_validators_refuse(self, password):
        with pytest.raises(RuleBroken) as refused:
            account_create_verified(email="nadia@example.net", name="Nadia Nour", password=password)

        assert refused.value.field == "password"
        assert not User.objects.filter(email="nadia@example.net").exists()

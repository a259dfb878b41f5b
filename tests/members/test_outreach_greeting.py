"""Greetings: the first-name merge field never greets a title alone."""

from __future__ import annotations

import pytest

from members.models import Stage, User
from members.names import greeting_name
from members.selectors_outreach import Recipient
from members.services.outreach import outreach_create, outreach_preview
from tests.factories import GroupFactory, add_member

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "greeted"),
    [
        ("Father Michael Byrne", "Michael"),
        ("Dr. Amina Diallo", "Amina"),
        ("Sœur Marie", "Sœur Marie"),  # Marie: a first name or a family name? The whole name.
        ("Kim", "Kim"),
        ("", ""),
        ("Rev. Dr. Nia Okafor", "Nia"),
        ("M. Jean Dupont", "Jean"),
        ("Mme Dupont", "Mme Dupont"),
        ("Imam Yusuf Adeyemi", "Yusuf"),
        ("J. Smith", "J. Smith"),
        ("Father", ""),
        ("  Bo   Builder ", "Bo"),
    ],
)
def test_the_greeting_name_skips_titles_and_falls_back_to_the_whole_name(name, greeted):
    assert greeting_name(name) == greeted


def test_a_person_greeted_through_their_account_is_never_a_title_alone():
    assert User(email="fmb@example.org", name="Father Michael Byrne").first_name == "Michael"
    assert User(email="fmb@example.org", name="Father").get_short_name() == "fmb@example.org"


def greeted(person_name: str | None, *, contact_name: str = "") -> str:
    """The first line a group's contact gets of "Dear {{ person.first_name }},"."""
    group = GroupFactory(
        name="St Brigid's Parish", stage=Stage.PROSPECT, contact_name=contact_name,
        contact_email="parish@example.org",
    )  # fmt: skip
    person = None
    if person_name is not None:
        person = User.objects.create_user(email="contact@example.org", name=person_name)
        add_member(group, person, "contact")
    message = outreach_create(
        subject="Hello", body="Dear {{ person.first_name }},\n\nJoin us.", audience={}, by=None
    )
    recipient = Recipient(email="contact@example.org", group=group, person=person)
    return outreach_preview(message=message, delivery_or_recipient=recipient).body.splitlines()[0]


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("Father Michael Byrne", "Dear Michael,"),
        ("Dr. Amina Diallo", "Dear Amina,"),
        ("Sœur Marie", "Dear Sœur Marie,"),
        ("Kim", "Dear Kim,"),
        ("", "Dear St Brigid's Parish,"),  # no name known: the group is greeted
        ("Father", "Dear St Brigid's Parish,"),
    ],
)
def test_the_first_name_merge_field_in_an_email(place, name, line):
    assert greeted(name) == line


def test_a_prospects_contact_name_is_greeted_the_same_way(place):
    assert greeted(None, contact_name="Father Michael Byrne") == "Dear Michael,"

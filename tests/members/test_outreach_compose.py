"""Outreach composing: merge fields, audiences and who exactly receives a message."""

from __future__ import annotations

import pytest

from coalition.errors import RuleBroken
from coalition.models import Caucus, PlaceKind, WorkingGroup
from members.models import Delivery, OutreachMessage, Stage
from members.selectors_outreach import audience_recipients
from members.services.outreach import (
    BODY_MAX,
    SUBJECT_MAX,
    outreach_create,
    outreach_email,
    outreach_preview,
)
from tests.factories import GroupFactory, PersonFactory, add_member, make_place

pytestmark = pytest.mark.django_db


def compose(by=None, **overrides) -> OutreachMessage:
    fields = {
        "subject": "News for {{ group.name }}",
        "body": "Hello {{ person.first_name }},\n\nSee you soon.",
        "audience": {},
        "by": by,
    }
    fields.update(overrides)
    return outreach_create(**fields)


def emails(audience: dict) -> list[str]:
    return [recipient.email for recipient in audience_recipients(audience)]


# --- Merge fields -------------------------------------------------------------


def test_known_merge_fields_are_filled_in_for_each_recipient(weaver):
    group = GroupFactory(name="Riverside Tenants", slug="riverside", stage=Stage.ALIGNED)
    ada = PersonFactory(email="ada@example.net", name="Ada Lovelace")
    add_member(group, ada, "admin")
    message = compose(
        weaver,
        subject="{{group.name}}: news",
        body=(
            "Dear {{ person.first_name }} ({{ person.name }}) of {{ group.name }},\n"
            "Sign: {{ resign_link }}\nJoin: {{ invitation_link }}\nStop: {{ unsubscribe_link }}"
        ),
    )
    recipient = audience_recipients(message.audience)[0]

    preview = outreach_preview(message=message, delivery_or_recipient=recipient)

    assert preview.subject == "Riverside Tenants: news"
    assert "Dear Ada (Ada Lovelace) of Riverside Tenants," in preview.body
    assert "Sign: http://127.0.0.1:8000/groups/riverside/sign/" in preview.body
    # An aligned group has joined already: its "invitation" is the signing page.
    assert "Join: http://127.0.0.1:8000/groups/riverside/sign/" in preview.body
    assert "Stop: http://127.0.0.1:8000/unsubscribe/" in preview.body
    assert "{{" not in preview.body


def test_a_prospect_without_an_account_is_greeted_by_its_contact_name(weaver):
    GroupFactory(name="Hill Choir", contact_name="Bea Contact", contact_email="bea@example.org")
    message = compose(weaver, body="Hi {{ person.first_name }} / {{ person.name }}")

    preview = outreach_preview(message=message, delivery_or_recipient=audience_recipients({})[0])

    assert preview.body.startswith("Hi Bea / Bea Contact")


def test_without_any_name_the_greeting_falls_back_to_the_group_name(weaver):
    GroupFactory(name="Hill Choir", contact_email="choir@example.org")
    message = compose(weaver, body="Hi {{ person.first_name }}")

    preview = outreach_preview(message=message, delivery_or_recipient=audience_recipients({})[0])

    assert preview.body.startswith("Hi Hill Choir")


@pytest.mark.parametrize(
    ("where", "text"),
    [
        ("subject", "Hello {{ group.nmae }}"),
        ("body", "Dear {{ person.email }},"),
        ("body", "{{ settings.SECRET_KEY }}"),
    ],
)
def test_a_merge_field_that_does_not_exist_is_refused_at_compose_time(weaver, where, text):
    with pytest.raises(RuleBroken) as refused:
        compose(weaver, **{where: text})

    wrong = text[text.index("{{") : text.index("}}") + 2]
    assert refused.value.field == where
    assert refused.value.message.startswith(f"{wrong} is not a merge field; use one of")
    assert "{{ group.name }}" in refused.value.message
    assert not OutreachMessage.objects.exists()


def test_template_tags_in_a_message_are_left_as_plain_text(weaver):
    """The template engine never sees what a person wrote (no template injection)."""
    GroupFactory(name="Hill Choir", contact_email="choir@example.org")
    message = compose(weaver, body="{% load static %}{% debug %} {{ group.name }} {# hi #}")

    preview = outreach_preview(message=message, delivery_or_recipient=audience_recipients({})[0])

    assert preview.body.startswith("{% load static %}{% debug %} Hill Choir {# hi #}")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"subject": "x" * (SUBJECT_MAX + 1)}, "subject"),
        ({"body": "x" * (BODY_MAX + 1)}, "body"),
        ({"sender_name": "x" * 121}, "sender_name"),
        ({"subject": "   "}, "subject"),
        ({"body": "  \n "}, "body"),
        ({"subject": "two\nlines"}, "subject"),
        ({"audience": {"stages": ["dormant"]}}, "stages"),
        ({"audience": {"place": 987654}}, "place"),
        ({"audience": {"working_group": 987654}}, "working_group"),
        ({"audience": {"caucus": 987654}}, "caucus"),
    ],
)
def test_oversized_or_malformed_input_is_refused_naming_the_field(weaver, overrides, field):
    with pytest.raises(RuleBroken) as refused:
        compose(weaver, **overrides)

    assert refused.value.field == field
    assert not OutreachMessage.objects.exists()


# --- Audiences ------------------------------------------------------------------


def test_the_audience_can_be_chosen_by_stage():
    GroupFactory(stage=Stage.PROSPECT, contact_email="prospect@example.org")
    GroupFactory(stage=Stage.CONTACTED, contact_email="contacted@example.org")
    GroupFactory(stage=Stage.ALIGNED, contact_email="aligned@example.org")

    assert sorted(emails({"stages": ["prospect", "contacted"]})) == [
        "contacted@example.org",
        "prospect@example.org",
    ]
    assert emails({"stages": ["aligned"]}) == ["aligned@example.org"]


def test_the_audience_can_be_a_place_and_everything_under_it():
    nation = make_place("Freedonia", PlaceKind.NATION)
    city = make_place("Capital", PlaceKind.CITY, parent=nation)
    district = make_place("Old Town", PlaceKind.DISTRICT, parent=city)
    elsewhere = make_place("Sylvania", PlaceKind.NATION)
    GroupFactory(place=city, contact_email="city@example.org")
    GroupFactory(place=district, contact_email="district@example.org")
    GroupFactory(place=elsewhere, contact_email="elsewhere@example.org")

    assert sorted(emails({"place": city.pk})) == ["city@example.org", "district@example.org"]
    assert emails({"place": district.pk}) == ["district@example.org"]


def test_the_audience_can_be_a_working_group_or_a_caucus():
    energy = WorkingGroup.objects.create(name="Energy", slug="energy")
    youth = Caucus.objects.create(name="Youth", slug="youth")
    in_energy = GroupFactory(contact_email="energy@example.org")
    in_energy.working_groups.add(energy)
    in_youth = GroupFactory(contact_email="youth@example.org")
    in_youth.caucuses.add(youth)
    GroupFactory(contact_email="neither@example.org")

    assert emails({"working_group": energy.pk}) == ["energy@example.org"]
    assert emails({"caucus": youth.pk}) == ["youth@example.org"]


def test_the_resign_audience_is_the_groups_asked_to_re_sign(weaver):
    GroupFactory(stage=Stage.ALIGNED, needs_resign=True, contact_email="old@example.org")
    GroupFactory(stage=Stage.ALIGNED, contact_email="current@example.org")

    assert emails({"resign": True}) == ["old@example.org"]
    message = compose(weaver, purpose="resign", audience={})
    assert message.audience == {"resign": True}


def test_filters_combine_so_each_one_narrows_the_audience():
    energy = WorkingGroup.objects.create(name="Energy", slug="energy")
    aligned = GroupFactory(stage=Stage.ALIGNED, contact_email="aligned@example.org")
    aligned.working_groups.add(energy)
    prospect = GroupFactory(stage=Stage.PROSPECT, contact_email="prospect@example.org")
    prospect.working_groups.add(energy)

    assert emails({"stages": ["aligned"], "working_group": energy.pk}) == ["aligned@example.org"]


def test_a_group_is_written_to_through_its_admins_and_contacts_not_its_members():
    group = GroupFactory(contact_email="generic@example.org")
    add_member(group, PersonFactory(email="admin@example.net"), "admin")
    add_member(group, PersonFactory(email="contact@example.net"), "contact")
    add_member(group, PersonFactory(email="member@example.net"), "member")

    assert sorted(emails({})) == ["admin@example.net", "contact@example.net"]


def test_an_address_in_two_groups_gets_one_email_for_the_first_group(weaver):
    both = PersonFactory(email="Both@Example.net")
    first = GroupFactory(name="A first group")
    second = GroupFactory(name="B second group", contact_email="both@example.net")
    add_member(first, both, "admin")
    third = GroupFactory(name="C third group")
    add_member(third, both, "contact")

    recipients = audience_recipients({})

    assert [(r.email, r.group.pk) for r in recipients] == [("both@example.net", first.pk)]
    assert second.pk != first.pk


def test_a_delivery_is_rendered_the_same_way_twice(
    weaver, client, django_capture_on_commit_callbacks
):
    """A retry re-renders the email: same invitation link, same Message-ID, one invitation."""
    from members.models import Invitation
    from members.services.outreach import outreach_send

    GroupFactory(name="Hill Choir", stage=Stage.PROSPECT, contact_email="choir@example.org")
    message = compose(weaver, body="Join us: {{ invitation_link }}")
    with django_capture_on_commit_callbacks(execute=False):
        outreach_send(message=message, by=weaver)
    delivery = Delivery.objects.get()

    first = outreach_email(delivery=delivery, message=message)
    again = outreach_email(delivery=delivery, message=message)

    assert first.body == again.body
    assert "Join us: http://127.0.0.1:8000/invitations/" in first.body
    assert first.extra_headers["Message-ID"] == again.extra_headers["Message-ID"]
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.kind, invitation.group.name) == (
        "choir@example.org",
        "group",
        "Hill Choir",
    )
    # The link opens the invitation: on to /join/ for that group.
    link = next(word for word in first.body.split() if "/invitations/" in word)
    response = client.get(link.removeprefix("http://127.0.0.1:8000"))
    assert response.status_code == 302
    assert response["Location"].startswith("/join/?invitation=")

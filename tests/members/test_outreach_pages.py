"""Outreach pages: who may open them, composing, previewing, sending, progress, unsubscribing."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.test import Client
from django.urls import reverse

from coalition.mail import email_queue
from coalition.models import Role
from members.models import (
    Delivery,
    OutreachMessage,
    OutreachStatus,
    Stage,
    Suppression,
    SuppressionReason,
)
from members.services.outreach import outreach_create, unsubscribe_token
from tests.factories import GroupFactory

pytestmark = pytest.mark.django_db

DENIED = ["outsider", "group_member", "group_admin", "steering_member"]


def prospects(count: int) -> None:
    for n in range(count):
        GroupFactory(
            name=f"Prospect {n:03}", stage=Stage.PROSPECT, contact_email=f"p{n:03}@example.org"
        )


def draft(by=None, **overrides) -> OutreachMessage:
    fields = {
        "subject": "Hello {{ group.name }}",
        "body": "Dear {{ person.first_name }}, join us.",
        "audience": {"stages": ["prospect"]},
        "by": by,
    }
    fields.update(overrides)
    return outreach_create(**fields)


@pytest.fixture
def message(weaver, place):
    prospects(2)  # in ``place``, the first place there is
    return draft(weaver)


def pages(message) -> list[tuple[str, str, dict]]:
    return [
        ("get", reverse("members:outreach_list"), {}),
        ("get", reverse("members:outreach_new"), {}),
        ("post", reverse("members:outreach_new"), {"subject": "Hi", "body": "Hi"}),
        ("get", reverse("members:outreach_detail", args=[message.pk]), {}),
        (
            "post",
            reverse("members:outreach_detail", args=[message.pk]),
            {"count": "2", "confirm": "on"},
        ),
        ("get", reverse("members:outreach_progress", args=[message.pk]), {}),
    ]


PAGE_IDS = ["list", "new", "new-post", "detail", "send", "progress"]


# --- Permissions -------------------------------------------------------------------


@pytest.mark.parametrize("index", range(len(PAGE_IDS)), ids=PAGE_IDS)
def test_anonymous_people_are_sent_to_log_in(client, message, index):
    method, url, data = pages(message)[index]

    response = getattr(client, method)(url, data)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("person", DENIED)
@pytest.mark.parametrize("index", range(len(PAGE_IDS)), ids=PAGE_IDS)
def test_people_who_may_not_send_outreach_get_403(client, message, request, person, index):
    client.force_login(request.getfixturevalue(person))
    method, url, data = pages(message)[index]

    response = getattr(client, method)(url, data)

    assert response.status_code == 403
    assert mail.outbox == []
    message.refresh_from_db()
    assert message.status == OutreachStatus.DRAFT
    assert OutreachMessage.objects.count() == 1


@pytest.mark.parametrize("index", [0, 1, 3, 5], ids=["list", "new", "detail", "progress"])
def test_a_weaver_opens_every_page(client, message, weaver, index):
    client.force_login(weaver)
    _method, url, _data = pages(message)[index]

    assert client.get(url).status_code == 200


def test_a_network_steward_may_send_outreach_too(client, message, make_person):
    steward = make_person("steward@example.net", roles=(Role.STEWARD,))
    client.force_login(steward)

    assert client.get(reverse("members:outreach_list")).status_code == 200
    assert client.get(reverse("members:outreach_detail", args=[message.pk])).status_code == 200


@pytest.mark.parametrize("name", ["outreach_detail", "outreach_progress"])
def test_a_message_that_does_not_exist_is_404(client, weaver, name):
    client.force_login(weaver)

    assert client.get(reverse(f"members:{name}", args=[424242])).status_code == 404


# --- The list ------------------------------------------------------------------------


def make_messages(count: int, by) -> None:
    for n in range(count):
        message = draft(by, subject=f"Message {n}")
        OutreachMessage.objects.filter(pk=message.pk).update(status=OutreachStatus.SENDING)
        Delivery.objects.bulk_create(
            [
                Delivery(message=message, email=f"a{n}@example.org", status="sent"),
                Delivery(message=message, email=f"b{n}@example.org", status="failed"),
                Delivery(message=message, email=f"c{n}@example.org", status="pending"),
            ]
        )


@pytest.mark.parametrize("count", [3, 40])
def test_the_list_uses_a_fixed_number_of_queries(client, weaver, count, django_assert_num_queries):
    make_messages(count, weaver)
    client.force_login(weaver)

    # Session, person, roles, coalition, page count, page rows, the drafts to open again.
    with django_assert_num_queries(7):
        response = client.get(reverse("members:outreach_list"))

    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(count, 25)


def test_the_list_shows_each_message_with_sent_failed_and_left(client, weaver):
    make_messages(1, weaver)
    client.force_login(weaver)

    response = client.get(reverse("members:outreach_list"))

    row = response.context["page"].object_list[0]
    assert (row.sent_count, row.failed_count, row.left_count) == (1, 1, 1)
    assert "Message 0" in response.content.decode()


def test_the_list_survives_a_page_number_that_is_not_one(client, weaver):
    make_messages(2, weaver)
    client.force_login(weaver)

    assert client.get(reverse("members:outreach_list") + "?page=abc").status_code == 200
    assert client.get(reverse("members:outreach_list") + "?page=999").status_code == 200


# --- Composing ----------------------------------------------------------------------


def compose_data(**overrides) -> dict:
    data = {
        "subject": "Hello {{ group.name }}",
        "body": "Dear {{ person.first_name }},\nJoin us: {{ invitation_link }}",
        "sender_name": "Riverside Weavers",
        "stages": ["prospect"],
        "action": "save",
    }
    data.update(overrides)
    return data


def test_the_compose_page_lists_the_merge_fields(client, weaver):
    client.force_login(weaver)

    page = client.get(reverse("members:outreach_new")).content.decode()

    for code in ("group.name", "person.first_name", "invitation_link", "unsubscribe_link"):
        assert "{{ %s }}" % code in page  # noqa: UP031


def test_counting_recipients_shows_the_audience_size_without_saving(client, weaver):
    prospects(3)
    Suppression.objects.create(email="p000@example.org", reason=SuppressionReason.BOUNCED)
    GroupFactory(stage=Stage.ALIGNED, contact_email="aligned@example.org")
    client.force_login(weaver)

    response = client.post(
        reverse("members:outreach_new"), {"stages": ["prospect"], "action": "count"}
    )

    assert response.status_code == 200
    assert response.context["count"] == {"recipients": 3, "suppressed": 1}
    assert "This audience has 3 recipients." in response.content.decode()
    assert not OutreachMessage.objects.exists()


def test_saving_a_draft_leads_to_its_preview(client, weaver, place):
    client.force_login(weaver)

    response = client.post(
        reverse("members:outreach_new"), compose_data(place=str(place.pk), resign="on")
    )

    message = OutreachMessage.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("members:outreach_detail", args=[message.pk])
    assert message.audience == {"stages": ["prospect"], "place": place.pk, "resign": True}
    assert (message.status, message.created_by, message.sender_name) == (
        "draft",
        weaver,
        "Riverside Weavers",
    )


def test_an_unknown_merge_field_is_refused_on_the_compose_page(client, weaver):
    client.force_login(weaver)

    response = client.post(
        reverse("members:outreach_new"), compose_data(body="Hi {{ group.nmae }}")
    )

    assert response.status_code == 400
    assert (
        response.context["form"]
        .errors["body"][0]
        .startswith("{{ group.nmae }} is not a merge field; use one of")
    )
    assert not OutreachMessage.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"subject": "x" * 201}, "subject"),
        ({"body": "x" * 20_001}, "body"),
        ({"sender_name": "x" * 121}, "sender_name"),
        ({"subject": ""}, "subject"),
        ({"stages": ["dormant"]}, "stages"),
        ({"place": "999999"}, "place"),
        ({"working_group": "abc"}, "working_group"),
        ({"caucus": "999999"}, "caucus"),
    ],
)
def test_oversized_or_malformed_input_is_answered_with_a_field_error(
    client, weaver, overrides, field
):
    client.force_login(weaver)

    response = client.post(reverse("members:outreach_new"), compose_data(**overrides))

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not OutreachMessage.objects.exists()


# --- Preview and sending ---------------------------------------------------------------


def detail(message) -> str:
    return reverse("members:outreach_detail", args=[message.pk])


def test_the_draft_preview_shows_one_recipient_at_a_time(client, weaver, message):
    first, second = (
        GroupFactory._meta.model.objects.filter(stage=Stage.PROSPECT).order_by("name").all()
    )
    client.force_login(weaver)

    response = client.get(detail(message))
    chosen = client.get(detail(message) + f"?recipient={second.pk}")

    assert response.context["preview"].subject == "Hello Prospect 000"
    assert response.context["recipients_count"] == 2
    assert chosen.context["preview"].subject == "Hello Prospect 001"
    assert chosen.context["preview"].to == "p001@example.org"
    assert first.pk != second.pk
    assert "Send to 2 recipients" in response.content.decode()


def test_a_preview_of_a_recipient_that_is_not_there_shows_the_first_and_says_so(
    client, weaver, message
):
    client.force_login(weaver)

    response = client.get(detail(message) + "?recipient=999999")

    assert response.status_code == 200
    assert response.context["preview"].to == "p000@example.org"
    assert "showing the first one" in response.content.decode()


@pytest.mark.parametrize("recipient", ["abc", "²", "1" * 30])
def test_a_preview_asked_for_with_something_else_than_a_number_is_400(
    client, weaver, message, recipient
):
    client.force_login(weaver)

    assert client.get(detail(message), {"recipient": recipient}).status_code == 400


def test_sending_from_the_page_mails_everyone_once(client, weaver, message):
    client.force_login(weaver)

    response = client.post(detail(message), {"count": "2", "confirm": "on"})

    assert response.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == ["p000@example.org", "p001@example.org"]
    message.refresh_from_db()
    assert message.status == OutreachStatus.SENT
    page = client.get(detail(message)).content.decode()
    assert "Sending to 2 recipients" in page


def test_a_duplicate_click_on_send_sends_nothing_twice_and_says_so(client, weaver, message):
    client.force_login(weaver)
    client.post(detail(message), {"count": "2", "confirm": "on"})

    response = client.post(detail(message), {"count": "2", "confirm": "on"}, follow=True)

    assert len(mail.outbox) == 2
    assert Delivery.objects.count() == 2
    assert "nothing was sent twice" in response.content.decode()


def test_sending_needs_the_confirmation_box(client, weaver, message):
    client.force_login(weaver)

    response = client.post(detail(message), {"count": "2"})

    assert response.status_code == 400
    assert "Tick the box to confirm." in response.content.decode()
    assert mail.outbox == []


def test_a_send_confirmed_for_another_count_is_not_sent(client, weaver, message):
    GroupFactory(stage=Stage.PROSPECT, contact_email="late@example.org")
    client.force_login(weaver)

    response = client.post(detail(message), {"count": "2", "confirm": "on"}, follow=True)

    assert mail.outbox == []
    assert "it now has 3 recipients" in response.content.decode()
    message.refresh_from_db()
    assert message.status == OutreachStatus.DRAFT


def test_a_malformed_send_request_is_answered_400(client, weaver, message):
    client.force_login(weaver)

    response = client.post(detail(message), {"count": "many", "confirm": "on"})

    assert response.status_code == 400
    assert mail.outbox == []


def test_a_sent_message_shows_progress_and_previews_by_delivery(client, weaver, message):
    client.force_login(weaver)
    client.post(detail(message), {"count": "2", "confirm": "on"})
    second = Delivery.objects.order_by("id").last()

    response = client.get(detail(message) + f"?recipient={second.pk}")

    page = response.content.decode()
    assert response.context["progress"]["sent"] == 2
    assert response.context["preview"].to == second.email
    assert response.context["preview"].headers["List-Unsubscribe-Post"] == (
        "List-Unsubscribe=One-Click"
    )
    assert 'src="/static/js/outreach-progress.js"' in page
    assert "<script>" not in page


def test_progress_json_counts_sent_failed_and_left(client, weaver, message):
    OutreachMessage.objects.filter(pk=message.pk).update(status=OutreachStatus.SENDING)
    Delivery.objects.bulk_create(
        [
            Delivery(message=message, email="a@example.org", status="sent"),
            Delivery(message=message, email="b@example.org", status="failed"),
            Delivery(message=message, email="c@example.org", status="pending"),
            Delivery(message=message, email="d@example.org", status="sending"),
            Delivery(message=message, email="e@example.org", status="suppressed"),
        ]
    )
    client.force_login(weaver)

    response = client.get(reverse("members:outreach_progress", args=[message.pk]))

    assert response.status_code == 200
    assert response.json() == {
        "status": "sending",
        "total": 5,
        "sent": 1,
        "failed": 1,
        "suppressed": 1,
        "left": 2,
    }
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_progress_json_refuses_other_methods(client, weaver, message):
    client.force_login(weaver)

    response = client.post(reverse("members:outreach_progress", args=[message.pk]))

    assert response.status_code == 405


# --- Unsubscribing ----------------------------------------------------------------------


def unsubscribe_url(email: str) -> str:
    return reverse("members:unsubscribe", args=[unsubscribe_token(email)])


def test_opening_the_unsubscribe_link_asks_before_doing_anything(client):
    response = client.get(unsubscribe_url("ada@example.net"))

    assert response.status_code == 200
    assert "ada@example.net" in response.content.decode()
    assert '<form method="post">' in response.content.decode()
    assert not Suppression.objects.exists()


def test_posting_unsubscribes_without_login_csrf_or_redirect():
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        unsubscribe_url("Ada@Example.net"),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    suppression = Suppression.objects.get()
    assert (suppression.email, suppression.reason) == ("ada@example.net", "unsubscribed")


def test_unsubscribing_twice_is_harmless(client):
    client.post(unsubscribe_url("ada@example.net"))

    response = client.post(unsubscribe_url("ada@example.net"))

    assert response.status_code == 200
    assert Suppression.objects.count() == 1


def test_unsubscribing_a_bounced_address_keeps_the_bounce(client):
    Suppression.objects.create(email="ada@example.net", reason=SuppressionReason.BOUNCED)

    assert client.post(unsubscribe_url("ada@example.net")).status_code == 200

    assert Suppression.objects.get().reason == "bounced"


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        unsubscribe_token("ada@example.net")[:-3] + "xyz",
        "InRhbXBlcmVkIg:abcdefghijklmnop",
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_bad_unsubscribe_link_is_answered_400_with_a_clear_page(client, token, method):
    response = getattr(client, method)(reverse("members:unsubscribe", args=[token]))

    assert response.status_code == 400
    assert "This unsubscribe link does not work" in response.content.decode()
    assert not Suppression.objects.exists()


def test_an_unsubscribe_token_made_for_something_else_is_refused(client):
    from django.core import signing

    token = signing.Signer(salt="something-else").sign_object("ada@example.net")

    assert client.post(reverse("members:unsubscribe", args=[token])).status_code == 400


def test_unsubscribing_does_not_stop_transactional_email(
    client, django_capture_on_commit_callbacks
):
    client.post(unsubscribe_url("ada@example.net"))

    with django_capture_on_commit_callbacks(execute=True):
        email_queue(EmailMessage(subject="Reset your password", body="…", to=["ada@example.net"]))

    assert [m.subject for m in mail.outbox] == ["Reset your password"]

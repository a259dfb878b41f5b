"""Outreach drafts: opened again and edited until sent; a sent message is read-only."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from coalition.errors import RuleBroken
from members.models import OutreachMessage, OutreachStatus, Stage
from members.services.outreach import outreach_create, outreach_send, outreach_update
from tests.factories import GroupFactory

pytestmark = pytest.mark.django_db

LIST = reverse("members:outreach_list")


def draft(by, subject: str = "Hello {{ group.name }}", **audience) -> OutreachMessage:
    return outreach_create(
        subject=subject,
        body="Dear {{ person.first_name }}, join us.",
        audience=audience or {"stages": ["prospect"]},
        by=by,
    )


def edit_url(message) -> str:
    return reverse("members:outreach_edit", args=[message.pk])


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def edited(**overrides) -> dict:
    data = {
        "subject": "Hello again {{ group.name }}",
        "body": "Dear {{ person.first_name }}, we meet on Thursday.",
        "sender_name": "Riverside weavers",
        "stages": ["prospect", "contacted"],
        "action": "save",
    }
    data.update(overrides)
    return data


@pytest.fixture
def message(weaver, place):
    GroupFactory(name="Prospect A", stage=Stage.PROSPECT, contact_email="a@example.org")
    return draft(weaver)


# --- The service --------------------------------------------------------------------


def test_a_draft_is_changed_and_checked_like_a_new_one(message, weaver):
    outreach_update(
        message=message, by=weaver, subject="  New subject ", body="New body",
        sender_name="  Wanda   Weaver ", audience={"stages": ["contacted"]},
    )  # fmt: skip

    message.refresh_from_db()
    assert (message.subject, message.body, message.sender_name) == (
        "New subject",
        "New body",
        "Wanda Weaver",
    )
    assert message.audience == {"stages": ["contacted"]}
    assert message.status == OutreachStatus.DRAFT

    with pytest.raises(RuleBroken) as refused:
        outreach_update(
            message=message, by=weaver, subject="Hi {{ secret }}", body="x", audience={}
        )
    assert refused.value.field == "subject"


def test_a_message_sent_cannot_be_edited(message, weaver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outreach_send(message=message, by=weaver)

    with pytest.raises(RuleBroken, match="can no longer be changed"):
        outreach_update(message=message, by=weaver, subject="Late", body="Late", audience={})

    message.refresh_from_db()
    assert message.subject == "Hello {{ group.name }}"


# --- The pages -----------------------------------------------------------------------


def test_the_edit_page_opens_with_the_draft_filled_in(client, message, weaver):
    client.force_login(weaver)

    response = client.get(edit_url(message))

    assert response.status_code == 200
    form = response.context["form"]
    assert form["subject"].value() == "Hello {{ group.name }}"
    assert form["stages"].value() == ["prospect"]
    assert "Edit the draft" in response.content.decode()


def test_a_weaver_edits_a_draft_and_is_sent_back_to_its_preview(client, message, weaver):
    client.force_login(weaver)

    response = client.post(edit_url(message), edited())

    assert response.status_code == 302
    assert response["Location"] == reverse("members:outreach_detail", args=[message.pk])
    assert said(response) == ["Draft changed. Check the preview, then send it."]
    message.refresh_from_db()
    assert message.subject == "Hello again {{ group.name }}"
    assert message.audience == {"stages": ["prospect", "contacted"]}
    assert OutreachMessage.objects.count() == 1


def test_a_bad_edit_comes_back_with_its_errors_and_changes_nothing(client, message, weaver):
    client.force_login(weaver)

    response = client.post(edit_url(message), edited(body="Hi {{ password }}"))

    assert response.status_code == 400
    assert "body" in response.context["form"].errors
    message.refresh_from_db()
    assert message.subject == "Hello {{ group.name }}"


def test_counting_recipients_while_editing_saves_nothing(client, message, weaver):
    client.force_login(weaver)

    response = client.post(edit_url(message), edited(action="count", subject=""))

    assert response.status_code == 200
    assert response.context["count"]["recipients"] == 1
    message.refresh_from_db()
    assert message.subject == "Hello {{ group.name }}"


def test_a_day_of_actions_places_survive_an_edit(client, weaver, place):
    announced = draft(weaver, places=[place.pk])
    client.force_login(weaver)

    client.post(edit_url(announced), edited(stages=[]))

    announced.refresh_from_db()
    assert announced.audience == {"places": [place.pk]}


def test_posting_an_edit_to_a_sent_message_is_refused_with_a_message(
    client, message, weaver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outreach_send(message=message, by=weaver)
    client.force_login(weaver)

    response = client.post(edit_url(message), edited())

    assert response.status_code == 302
    assert response["Location"] == reverse("members:outreach_detail", args=[message.pk])
    assert said(response) == [
        "This message was sent, or is being sent: it can no longer be changed. "
        "Write a new message instead."
    ]
    message.refresh_from_db()
    assert message.subject == "Hello {{ group.name }}"
    assert client.get(edit_url(message)).status_code == 302


@pytest.mark.parametrize("who", ["outsider", "group_admin", "steering_member"])
def test_only_people_who_send_outreach_edit_drafts(client, message, request, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get(edit_url(message)).status_code == 403
    assert client.post(edit_url(message), edited()).status_code == 403
    message.refresh_from_db()
    assert message.subject == "Hello {{ group.name }}"


def test_an_anonymous_edit_is_sent_to_log_in(client, message):
    response = client.post(edit_url(message), edited())

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_editing_a_message_that_does_not_exist_is_404(client, weaver):
    client.force_login(weaver)

    assert client.get(reverse("members:outreach_edit", args=[424242])).status_code == 404


def test_the_preview_of_a_draft_links_to_its_edit_page(client, message, weaver):
    client.force_login(weaver)

    page = client.get(reverse("members:outreach_detail", args=[message.pk])).content.decode()

    assert edit_url(message) in page
    assert "Send me a test" in page


# --- The drafts on the outreach page ----------------------------------------------------


def test_the_outreach_page_lists_drafts_to_open_again_but_not_sent_messages(
    client, weaver, django_capture_on_commit_callbacks, place
):
    GroupFactory(name="Prospect B", stage=Stage.PROSPECT, contact_email="b@example.org")
    waiting = draft(weaver, subject="Still a draft")
    gone = draft(weaver, subject="Already gone")
    with django_capture_on_commit_callbacks(execute=True):
        outreach_send(message=gone, by=weaver)
    client.force_login(weaver)

    response = client.get(LIST)

    assert [item.pk for item in response.context["drafts"]] == [waiting.pk]
    page = response.content.decode()
    assert edit_url(waiting) in page
    assert edit_url(gone) not in page


@pytest.mark.parametrize("count", [3, 30])
def test_the_outreach_page_with_drafts_uses_a_fixed_number_of_queries(
    client, weaver, count, django_assert_max_num_queries
):
    for n in range(count):
        draft(weaver, subject=f"Draft {n}")
    client.force_login(weaver)

    # Session, person, roles, coalition, page count, page rows, drafts.
    with django_assert_max_num_queries(7):
        response = client.get(LIST)

    assert response.status_code == 200
    assert len(response.context["drafts"]) == min(count, 20)
    assert response.context["more_drafts"] is (count > 20)

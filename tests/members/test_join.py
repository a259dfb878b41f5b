"""/join/: a group joins, its contact verifies, duplicates are caught, invitations prefill."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone

from members.models import Group, Invitation, InvitationKind, Membership, Signature, Stage, User
from members.services.invitations import invitation_create
from tests.factories import GroupFactory, add_member, publish_privacy_policy, publish_statement

pytestmark = pytest.mark.django_db

CONFIRM = re.compile(r"https?://\S+/accounts/confirm-email/\S+/")
INVITE = re.compile(r"https?://\S+/invitations/\S+/")


@pytest.fixture(autouse=True)
def statement():
    publish_privacy_policy()
    return publish_statement()


def join_data(where, **changes):
    data = {
        "name": "Dockyard Parents",
        "kind": "community",
        "place": where.pk,
        "description": "Parents who walk their children to school.",
        "website": "https://dockyard-parents.example.org",
        "listing_consent": "on",
        "contact_name": "Priya Parent",
        "contact_email": "priya@example.net",
        "password": "a long walk to school",
        "agree_statement": "on",
        "agree_principles": "on",
        "agree_privacy": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_a_group_joins_and_its_signature_counts_once_the_contact_verifies(client, place):
    response = client.post("/join/", join_data(place))

    assert response.status_code == 302
    assert response["Location"] == "/join/done/?verify=1"
    group = Group.objects.get(name="Dockyard Parents")
    person = User.objects.get(email="priya@example.net")
    assert Membership.objects.get(group=group).person == person
    assert Membership.objects.get(group=group).role == "admin"
    signature = Signature.objects.get(group=group)
    assert signature.confirmed_at is None
    assert signature.privacy_policy is not None
    assert group.stage == Stage.PROSPECT

    link = CONFIRM.search(mail.outbox[-1].body).group(0)
    client.post("/" + link.split("/", 3)[3])

    group.refresh_from_db()
    assert EmailAddress.objects.get(user=person).verified
    assert group.stage == Stage.ALIGNED
    assert Signature.objects.get(group=group).confirmed_at is not None


def test_a_logged_in_verified_person_joins_in_one_step(client, make_person, place):
    person = make_person("sam@example.net", name="Sam Signer")
    client.force_login(person)

    response = client.post(
        "/join/", join_data(place, contact_name=None, contact_email=None, password=None)
    )

    group = Group.objects.get(name="Dockyard Parents")
    assert response["Location"] == f"/groups/{group.slug}/"
    assert group.stage == Stage.ALIGNED


@pytest.mark.parametrize("missing", ["agree_statement", "agree_principles", "agree_privacy"])
def test_every_agreement_is_required(client, place, missing):
    response = client.post("/join/", join_data(place, **{missing: None}))

    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not Group.objects.exists()


def test_a_weak_password_is_refused_and_nothing_is_created(client, place):
    response = client.post("/join/", join_data(place, password="short"))

    assert response.status_code == 400
    assert "too short" in response.content.decode()
    assert not Group.objects.exists() and not User.objects.exists()


def test_an_address_with_an_account_gets_the_same_page_and_its_owner_an_email(
    client, make_person, place, settings
):
    make_person("priya@example.net")
    mail.outbox.clear()

    response = client.post("/join/", join_data(place, contact_email="Priya@example.net"))

    assert response.status_code == 302
    assert response["Location"] == "/join/done/?verify=1"
    assert "sessionid" in response.cookies
    assert not Group.objects.exists() and not Signature.objects.exists()
    assert User.objects.count() == 1
    assert EmailAddress.objects.count() == 1 and EmailAddress.objects.get().verified
    (message,) = mail.outbox
    assert message.to == ["priya@example.net"]
    # The text as written, and the same text as HTML beside it (coalition/mail.py).
    assert message.content_subtype == "plain"
    assert [mimetype for _content, mimetype in message.alternatives] == ["text/html"]
    assert "Someone tried to join" in message.subject
    assert f"{settings.SITE_URL}/accounts/login/?next=/join/" in message.body
    assert "Dockyard Parents" not in message.body


def test_the_page_does_not_tell_an_existing_account_from_a_new_one(client, make_person, place):
    make_person("priya@example.net")

    existing = client.post("/join/", join_data(place), follow=True)
    client.cookies.clear()
    new = client.post(
        "/join/", join_data(place, name="Other Parents", contact_email="new@example.net"),
        follow=True,
    )  # fmt: skip

    assert existing.redirect_chain == new.redirect_chain == [("/join/done/?verify=1", 302)]
    assert [t.name for t in existing.templates] == [t.name for t in new.templates]
    assert "check your email" in existing.content.decode()
    assert "already" not in existing.content.decode()


def test_a_weak_password_is_refused_for_an_existing_address_too(client, make_person, place):
    make_person("priya@example.net")
    mail.outbox.clear()

    response = client.post("/join/", join_data(place, password="short"))

    assert response.status_code == 400
    assert "too short" in response.content.decode()
    assert not mail.outbox


def test_repeated_tries_with_an_existing_address_send_one_email_an_hour(client, make_person, place):
    make_person("priya@example.net")
    mail.outbox.clear()

    for _ in range(3):
        response = client.post("/join/", join_data(place))
        assert response["Location"] == "/join/done/?verify=1"

    assert len(mail.outbox) == 1
    assert not Group.objects.exists()


def test_a_likely_duplicate_is_shown_not_created_twice(client, place, statement):
    GroupFactory(
        name="DOCKYARD parents", place=place, listing_consent=True, signed_version=statement
    )

    response = client.post("/join/", join_data(place))

    page = response.content.decode()
    assert response.status_code == 400
    assert "Is your group already here?" in page
    assert "DOCKYARD parents" in page
    assert 'name="not_duplicate"' in page
    assert Group.objects.count() == 1


def test_an_unlisted_group_with_the_same_name_is_summarised_without_its_name(client, place):
    GroupFactory(name="DOCKYARD parents", place=place, listing_consent=False)

    response = client.post("/join/", join_data(place))

    page = response.content.decode()
    assert response.status_code == 400
    assert "DOCKYARD parents" not in page
    assert "A group with these details may already be in the network" in page
    assert 'name="not_duplicate"' in page


def test_the_same_contact_email_is_a_likely_duplicate_but_not_named(client, place, statement):
    GroupFactory(
        name="Another Name",
        place=place,
        contact_email="priya@example.net",
        listing_consent=True,
        signed_version=statement,
    )

    response = client.post("/join/", join_data(place))

    page = response.content.decode()
    assert response.status_code == 400
    assert "Another Name" not in page
    assert "A group with these details may already be in the network" in page
    assert Group.objects.count() == 1


def test_typing_someones_address_does_not_reveal_the_groups_they_run(client, place, make_person):
    quiet = GroupFactory(name="Quiet Survivors Network", place=place, listing_consent=False)
    add_member(quiet, make_person("vic@example.net", name="Vic Tim"), "admin")

    response = client.post(
        "/join/", join_data(place, name="Anything", contact_email="vic@example.net")
    )

    page = response.content.decode()
    assert "Quiet Survivors Network" not in page
    assert "A group with these details may already be in the network" in page


def test_a_weaver_sees_every_likely_duplicate_by_name(client, place, weaver):
    GroupFactory(name="Another Name", place=place, contact_email="weaver@example.net")
    client.force_login(weaver)

    response = client.post(
        "/join/", join_data(place, contact_name=None, contact_email=None, password=None)
    )

    page = response.content.decode()
    assert "Another Name" in page
    assert "A group with these details may already be in the network" not in page


def test_a_group_matched_by_email_can_still_go_ahead(client, place):
    GroupFactory(name="Another Name", place=place, contact_email="priya@example.net")

    response = client.post("/join/", join_data(place, not_duplicate="on"))

    assert response.status_code == 302
    assert Group.objects.filter(name="Dockyard Parents").exists()


def test_a_different_group_with_a_similar_name_can_go_ahead(client, place):
    GroupFactory(name="Dockyard Parents", place=place)

    response = client.post("/join/", join_data(place, not_duplicate="on"))

    assert response.status_code == 302
    assert Group.objects.filter(name="Dockyard Parents").count() == 2


def test_oversized_text_is_refused_with_a_message(client, place):
    response = client.post("/join/", join_data(place, name="x" * 500, description="y" * 5000))

    assert response.status_code == 400
    assert "Ensure this value has at most 160 characters" in response.content.decode()


def test_an_unknown_place_is_refused(client, place):
    response = client.post("/join/", join_data(place, place=999999))

    assert response.status_code == 400
    assert not Group.objects.exists()


def test_nobody_can_join_before_a_statement_is_published(client, place):
    from coalition.models import StatementVersion

    StatementVersion.objects.all().update(published_at=None)

    response = client.post("/join/", join_data(place))

    assert "has not published its unity statement yet" in response.content.decode()
    assert not Group.objects.exists()


class TestInvitations:
    @pytest.fixture
    def prospect(self, place):
        return GroupFactory(name="Harbour Clinic", place=place, stage=Stage.CONTACTED)

    @pytest.fixture
    def invitation_link(self, prospect, weaver, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            invitation_create(
                kind=InvitationKind.GROUP,
                group=prospect,
                email="clinic@example.net",
                name="Cleo Clinic",
                by=weaver,
                base_url="http://testserver",
            )
        return INVITE.search(mail.outbox[-1].body).group(0).replace("http://testserver", "")

    def test_the_invitation_email_names_the_group_and_the_link_expiry(self, invitation_link):
        message = mail.outbox[-1]

        assert message.to == ["clinic@example.net"]
        assert "Harbour Clinic" in message.subject
        assert "The link works once and for 14 days." in message.body
        assert not Invitation.objects.filter(token_hash__in=[invitation_link]).exists()

    def test_the_link_opens_join_prefilled_for_that_group(self, client, invitation_link):
        response = client.get(invitation_link, follow=True)

        form = response.context["form"]
        assert form.initial["name"] == "Harbour Clinic"
        assert form.initial["contact_email"] == "clinic@example.net"
        assert form.initial["contact_name"] == "Cleo Clinic"

    def test_joining_through_it_completes_the_invited_group(
        self, client, invitation_link, place, prospect
    ):
        token = invitation_link.rstrip("/").rsplit("/", 1)[1]

        response = client.post(
            "/join/",
            join_data(
                place, name="Harbour Clinic", invitation=token, contact_email="clinic@example.net"
            ),
        )

        assert response.status_code == 302
        assert Group.objects.count() == 1
        assert Signature.objects.get().group == prospect
        assert Invitation.objects.get().used_at is not None

    def test_a_used_invitation_is_refused_clearly(self, client, invitation_link, place):
        token = invitation_link.rstrip("/").rsplit("/", 1)[1]
        client.post(
            "/join/",
            join_data(
                place, name="Harbour Clinic", invitation=token, contact_email="clinic@example.net"
            ),
        )

        response = client.get(invitation_link)

        assert response.status_code == 410
        assert "already been used" in response.content.decode()

    def test_an_expired_invitation_is_refused_clearly(self, client, invitation_link):
        Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

        response = client.get(invitation_link)

        assert response.status_code == 410
        assert "has expired" in response.content.decode()

    def test_a_made_up_token_is_refused(self, client):
        response = client.get("/invitations/not-a-real-token/")

        assert response.status_code == 410
        assert "not valid" in response.content.decode()

    def test_a_suppressed_address_is_not_invited(self, prospect, weaver):
        from coalition.errors import RuleBroken
        from members.models import Suppression

        Suppression.objects.create(email="clinic@example.net", reason="unsubscribed")

        with pytest.raises(RuleBroken, match="asked not to receive email"):
            invitation_create(
                kind=InvitationKind.GROUP,
                group=prospect,
                email="Clinic@example.net",
                by=weaver,
                base_url="http://testserver",
            )

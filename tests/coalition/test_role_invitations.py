"""Inviting someone into a role by email, and the link that accepts it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone

from coalition.errors import RuleBroken
from coalition.models import AuditEntry, AuditVerb, Coalition, NetworkRole, RoleInvitation
from coalition.services import role_invitation_create
from members.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PEOPLE = "/network/people/"
LINK = re.compile(r"(https?://\S+)(/network/invitations/[^/\s]+/)")


@pytest.fixture
def erdre(db):
    return Coalition.objects.create(name="L'Erdre & co", cause="Clean rivers", language="fr")


def invite(client, email="new.steward@example.net", role="steward", reason="Elected in May"):
    return client.post(PEOPLE, {"action": "invite", "email": email, "role": role, "reason": reason})


def link_path(message) -> str:
    return LINK.search(message.body).group(2)


@pytest.fixture
def invited(client, steward, erdre):
    """A steward invited new.steward@example.net; the test client is logged out after."""
    client.force_login(steward)
    assert invite(client).status_code == 302
    client.logout()
    return link_path(mail.outbox[-1])


# --- Sending ---------------------------------------------------------------------------


def test_the_invitation_email_carries_the_link_and_the_raw_coalition_name(
    client, steward, erdre, settings
):
    settings.SITE_URL = "https://coalition.example.org"
    client.force_login(steward)

    response = invite(client)

    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["new.steward@example.net"]
    assert "L'Erdre & co" in message.subject
    assert "&amp;" not in message.subject and "&#x27;" not in message.subject
    assert "L'Erdre & co" in message.body and "&amp;" not in message.body
    assert LINK.search(message.body).group(1) == "https://coalition.example.org"
    assert [kind for _content, kind in message.alternatives] == ["text/html"]  # and its copy
    assert "L'Erdre & co" in message.from_email


def test_only_the_token_hash_is_kept_and_the_link_works_for_fourteen_days(client, steward, erdre):
    client.force_login(steward)
    invite(client)
    token = link_path(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1]

    invitation = RoleInvitation.objects.get()

    assert token not in invitation.token_hash and len(invitation.token_hash) == 64
    days = (invitation.expires_at - invitation.created_at).total_seconds() / 86400
    assert days == pytest.approx(14, abs=0.01)
    assert (invitation.invited_by, invitation.reason) == (steward, "Elected in May")


def test_a_newcomer_is_written_to_in_the_coalitions_language(client, steward, erdre):
    client.force_login(steward)

    invite(client, role="weaver")

    assert "invité" in mail.outbox[0].subject


def test_someone_with_an_account_is_written_to_in_their_own_language(
    client, steward, erdre, make_person
):
    make_person("anglo@example.net", name="Ann Anglo", language="en")
    client.force_login(steward)

    invite(client, email="anglo@example.net", role="weaver")

    assert "you are invited" in mail.outbox[0].subject


def test_sending_is_audited_without_the_address(client, steward, erdre):
    client.force_login(steward)

    invite(client)

    entry = AuditEntry.objects.get(verb=AuditVerb.ROLE_INVITED)
    assert entry.actor == steward and entry.detail["reason"] == "Elected in May"
    assert "new.steward" not in entry.subject + str(entry.detail)


def test_an_invitation_without_a_reason_is_refused_with_400(client, steward, erdre):
    client.force_login(steward)

    response = invite(client, reason="")

    assert response.status_code == 400
    assert "Say why" in response.content.decode()
    assert not RoleInvitation.objects.exists() and mail.outbox == []


def test_a_steward_cannot_invite_their_own_address(client, steward):
    client.force_login(steward)

    response = invite(client, email="steward@example.net", role="weaver")

    assert response.status_code == 400
    assert "Nobody gives a role to themselves" in response.content.decode()


def test_a_second_waiting_invitation_for_the_same_role_is_refused(client, steward, erdre):
    client.force_login(steward)
    invite(client)

    response = invite(client)

    assert response.status_code == 400
    assert "already has an invitation" in response.content.decode()
    assert RoleInvitation.objects.count() == 1 and len(mail.outbox) == 1


def test_waiting_invitations_are_listed_and_can_be_withdrawn(client, steward, erdre):
    client.force_login(steward)
    invite(client)
    invitation = RoleInvitation.objects.get()

    assert "new.steward@example.net" in client.get(PEOPLE).content.decode()
    response = client.post(PEOPLE, {"action": "withdraw_invitation", "invitation": invitation.pk})

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.withdrawn_at is not None
    assert "new.steward@example.net" not in client.get(PEOPLE).content.decode()
    assert AuditEntry.objects.filter(verb=AuditVerb.ROLE_INVITATION_WITHDRAWN).count() == 1


# --- Accepting ------------------------------------------------------------------------


def test_a_newcomer_makes_an_account_from_the_link_and_gets_the_role(client, invited, steward):
    assert client.get(invited).status_code == 200

    response = client.post(
        invited, {"name": "Nina Newcomer", "password1": PASSWORD, "password2": PASSWORD}
    )

    assert response.status_code == 302
    person = User.objects.get(email="new.steward@example.net")
    assert person.name == "Nina Newcomer" and person.check_password(PASSWORD)
    assert client.session["_auth_user_id"] == str(person.pk)
    address = EmailAddress.objects.get(user=person)
    assert address.verified and address.primary
    assert list(person.network_roles.values_list("role", flat=True)) == ["steward"]
    granted = AuditEntry.objects.get(verb=AuditVerb.ROLE_GRANTED)
    assert granted.actor == steward
    assert granted.detail["invitation"] == RoleInvitation.objects.get().pk
    assert RoleInvitation.objects.get().accepted_by == person


@pytest.mark.parametrize(
    ("password1", "password2", "message"),
    [
        ("short", "short", "too short"),
        (PASSWORD, PASSWORD + "x", "The two passwords differ."),
        ("password1234", "password1234", "too common"),
    ],
)
def test_a_newcomers_bad_password_is_refused_and_nothing_is_made(
    client, invited, password1, password2, message
):
    response = client.post(
        invited, {"name": "Nina Newcomer", "password1": password1, "password2": password2}
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not User.objects.filter(email="new.steward@example.net").exists()
    assert RoleInvitation.objects.get().accepted_at is None


def test_the_invited_person_logged_in_accepts_and_gets_the_role(client, invited, make_person):
    person = make_person("new.steward@example.net", name="Nina Newcomer")
    client.force_login(person)

    assert client.get(invited).status_code == 200
    response = client.post(invited)

    assert response.status_code == 302
    assert person.network_roles.filter(role="steward").exists()


def test_someone_with_an_account_who_is_not_logged_in_is_asked_to_log_in(
    client, invited, make_person
):
    make_person("new.steward@example.net", name="Nina Newcomer")

    response = client.get(invited)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/network/invitations/")
    assert client.post(invited, {"name": "Thief", "password1": "x", "password2": "x"})[
        "Location"
    ].startswith("/accounts/login/")


def test_someone_logged_in_as_another_account_is_told_and_gets_nothing(client, invited, weaver):
    client.force_login(weaver)

    response = client.post(invited)

    assert response.status_code == 403
    assert "new.steward@example.net" in response.content.decode()
    assert not weaver.network_roles.filter(role="steward").exists()


def test_a_used_link_answers_410(client, invited):
    client.post(invited, {"name": "Nina Newcomer", "password1": PASSWORD, "password2": PASSWORD})
    client.logout()

    response = client.get(invited)

    assert response.status_code == 410
    assert "already been used" in response.content.decode()


def test_an_expired_link_answers_410(client, invited):
    RoleInvitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    response = client.post(
        invited, {"name": "Nina Newcomer", "password1": PASSWORD, "password2": PASSWORD}
    )

    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert not User.objects.filter(email="new.steward@example.net").exists()


def test_a_withdrawn_link_answers_410(client, invited):
    RoleInvitation.objects.update(withdrawn_at=timezone.now())

    response = client.get(invited)

    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()


@pytest.mark.parametrize("token", ["not-a-real-token", "²", "x" * 500])
def test_a_link_that_never_existed_answers_404(client, token):
    response = client.get(f"/network/invitations/{token}/")

    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_an_empty_form_from_a_newcomer_is_a_400(client, invited):
    assert client.post(invited, {}).status_code == 400


def test_an_invitation_into_a_role_already_held_is_refused(steward, weaver):
    with pytest.raises(RuleBroken, match="already holds"):
        role_invitation_create(
            email="weaver@example.net", role="weaver", reason="Again", by=steward
        )


def test_accepting_a_role_already_held_keeps_it_and_uses_the_link(client, invited, make_person):
    person = make_person("new.steward@example.net", name="Nina", roles=("steward",))
    client.force_login(person)

    assert client.post(invited).status_code == 302
    assert RoleInvitation.objects.get().accepted_by == person
    assert NetworkRole.objects.filter(person=person).count() == 1


def test_erasing_the_address_forgets_it_and_the_waiting_link_stops_working(client, invited):
    from privacy.services.data import address_erase

    address_erase(email="new.steward@example.net")

    invitation = RoleInvitation.objects.get()
    assert "new.steward" not in invitation.email and invitation.reason == ""
    assert client.get(invited).status_code == 410


@pytest.mark.parametrize("reason", ["unsubscribed", "bounced", "complained"])
def test_an_address_that_asked_for_no_email_gets_no_invitation(client, steward, erdre, reason):
    from members.models import Suppression

    Suppression.objects.create(email="Quiet.Person@example.net", reason=reason)
    client.force_login(steward)

    response = invite(client, email="quiet.person@example.net")

    assert response.status_code == 400
    assert "asked not to receive email from the network" in response.content.decode()
    assert not RoleInvitation.objects.exists()
    assert mail.outbox == []

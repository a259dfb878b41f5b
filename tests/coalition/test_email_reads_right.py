"""Every email names the coalition, reads as plain text in its subject, and has an HTML part."""

from email.utils import parseaddr

import pytest
from django.core import mail

from coalition.models import Coalition
from members.services.invitations import invitation_create
from tests.factories import GroupFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def coalition():
    return Coalition.objects.create(name="L'Erdre & Co", cause="Rivers for all", language="en")


def invite(group, by, email="kerry@example.net"):
    mail.outbox.clear()
    invitation_create(
        kind="group", group=group, email=email, by=by, base_url="http://coalition.test"
    )


def test_a_subject_with_an_apostrophe_and_ampersand_is_never_html_escaped(
    coalition, weaver, django_capture_on_commit_callbacks
):
    group = GroupFactory(name="Amis de l'Erdre & du Cens")
    with django_capture_on_commit_callbacks(execute=True):
        invite(group, weaver)

    (message,) = mail.outbox
    assert message.subject == "Amis de l'Erdre & du Cens: an invitation to join the network"
    assert "&#x27;" not in message.subject and "&amp;" not in message.subject
    assert "join L'Erdre & Co:" in message.body


def test_the_sender_is_the_coalition_and_the_html_part_names_it(
    coalition, weaver, django_capture_on_commit_callbacks
):
    group = GroupFactory(name="Tenants of Quay Street")
    with django_capture_on_commit_callbacks(execute=True):
        invite(group, weaver)

    (message,) = mail.outbox
    sent = message.message()
    assert parseaddr(sent["From"]) == ("L'Erdre & Co", "coalition@localhost")
    html = {mimetype: content for content, mimetype in message.alternatives}["text/html"]
    assert "L&#x27;Erdre &amp; Co" in html
    # The text's link is a link in the HTML part too, escaped like any text.
    assert '<a href="http://coalition.test/invitations/' in html


def test_an_invitation_is_written_in_the_coalitions_language_to_someone_unknown(
    weaver, django_capture_on_commit_callbacks
):
    Coalition.objects.create(name="Les Amis", cause="Air pur", language="fr")
    group = GroupFactory(name="Voisins du port")
    with django_capture_on_commit_callbacks(execute=True):
        invite(group, weaver, email="nadia@example.net")

    (message,) = mail.outbox
    assert message.subject == "Voisins du port : invitation à rejoindre le réseau"
    assert "à rejoindre Les Amis" in message.body


def test_an_invitation_to_someone_with_an_account_uses_their_language(
    coalition, weaver, make_person, django_capture_on_commit_callbacks
):
    person = make_person("odile@example.net")
    person.language = "fr"
    person.save()
    group = GroupFactory(name="Voisins du port")
    with django_capture_on_commit_callbacks(execute=True):
        invite(group, weaver, email="odile@example.net")

    (message,) = mail.outbox
    assert message.subject == "Voisins du port : invitation à rejoindre le réseau"


def test_account_email_greets_from_the_coalition_with_links_on_site_url(client, settings):
    settings.SITE_URL = "https://coalition.example.org"
    Coalition.objects.create(name="Clean Air Alliance", cause="Air", language="en")

    response = client.post(
        "/accounts/signup/",
        {
            "email": "ines@example.net",
            "password1": "a long and unusual passphrase",
            "password2": "a long and unusual passphrase",
        },
    )

    assert response.status_code == 302
    (message,) = mail.outbox
    assert "Hello from Clean Air Alliance!" in message.body
    assert "Hello from !" not in message.body
    assert "https://coalition.example.org/accounts/confirm-email/" in message.body
    assert message.message()["From"] == "Clean Air Alliance <coalition@localhost>"


def test_account_email_is_written_in_the_recipients_language_not_the_requests(
    client, settings, make_person
):
    Coalition.objects.create(name="Clean Air Alliance", cause="Air", language="en")
    person = make_person("odile@example.net")
    person.language = "fr"
    person.save()

    # Asked from a browser reading English: Odile chose French for her account.
    response = client.post(
        "/accounts/password/reset/", {"email": "odile@example.net"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.subject == "E-mail de réinitialisation de mot de passe"
    assert "Bonjour, c'est Clean Air Alliance !" in message.body


def test_account_email_to_someone_without_a_language_follows_the_request(client, make_person):
    Coalition.objects.create(name="Clean Air Alliance", cause="Air", language="fr")
    make_person("ines@example.net")

    client.post(
        "/accounts/password/reset/", {"email": "ines@example.net"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    (message,) = mail.outbox
    assert message.subject == "Password Reset Email"

"""/join/ and group signing ask consent only to a privacy policy that is published, and
record it against the version shown; every agreement box sits beside its own label."""

from __future__ import annotations

import re

import pytest

from members.models import Group, Signature
from privacy.models import ConsentHow, ConsentRecord
from tests.factories import publish_privacy_policy, publish_statement
from tests.members.test_join import join_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def statement():
    return publish_statement()


def test_without_a_published_policy_join_shows_no_privacy_box_and_needs_none(client, place):
    page = client.get("/join/").content.decode()

    assert 'name="agree_privacy"' not in page
    response = client.post("/join/", join_data(place, agree_privacy=None))

    assert response.status_code == 302
    signature = Signature.objects.get(group__name="Dockyard Parents")
    assert signature.privacy_policy is None
    assert not ConsentRecord.objects.exists()


def test_a_draft_policy_is_not_asked_for(client, place):
    from coalition.models import PrivacyPolicy

    PrivacyPolicy.objects.create(number=1, text="Not yet agreed by the network.")

    assert 'name="agree_privacy"' not in client.get("/join/").content.decode()


def test_with_a_published_policy_the_box_links_to_it_and_consent_is_recorded(client, place):
    policy = publish_privacy_policy(number=3)

    page = client.get("/join/").content.decode()

    assert 'name="agree_privacy"' in page
    assert '<a href="/privacy/?version=3">privacy policy</a> (version 3)' in page
    missing = client.post("/join/", join_data(place, agree_privacy=None))
    assert missing.status_code == 400
    assert not Group.objects.exists()

    response = client.post("/join/", join_data(place, privacy_version="3"))

    assert response.status_code == 302
    signature = Signature.objects.get(group__name="Dockyard Parents")
    assert signature.privacy_policy == policy
    consent = ConsentRecord.objects.get(person=signature.signed_by)
    assert (consent.policy, consent.how) == (policy, ConsentHow.JOIN)


def test_a_policy_published_while_the_form_was_open_is_asked_again(client, place):
    publish_privacy_policy(number=1)
    publish_privacy_policy(number=2)

    response = client.post("/join/", join_data(place, privacy_version="1"))

    assert response.status_code == 400
    assert "The privacy policy has changed" in response.content.decode()
    assert 'name="privacy_version" value="2"' in response.content.decode()
    assert not Group.objects.exists()


def test_each_agreement_box_comes_just_before_its_own_label(client):
    publish_privacy_policy()

    page = client.get("/join/").content.decode()

    for name in ("agree_statement", "agree_principles", "agree_privacy", "listing_consent"):
        box = re.search(rf'<input type="checkbox" name="{name}"[^>]*id="id_{name}"[^>]*>', page)
        assert box, name
        after = page[box.end() :].lstrip()
        assert after.startswith(f'<label for="id_{name}"'), name


def test_signing_for_a_group_without_a_policy_asks_no_privacy_consent(client, group, group_admin):
    client.force_login(group_admin)

    page = client.get(f"/groups/{group.slug}/sign/").content.decode()
    response = client.post(
        f"/groups/{group.slug}/sign/", {"agree_statement": "on", "agree_principles": "on"}
    )

    assert 'name="agree_privacy"' not in page
    assert response.status_code == 302
    assert Signature.objects.get(group=group).privacy_policy is None


def test_signing_for_a_group_with_a_policy_asks_for_it_and_records_it(client, group, group_admin):
    policy = publish_privacy_policy()
    client.force_login(group_admin)

    page = client.get(f"/groups/{group.slug}/sign/").content.decode()
    refused = client.post(
        f"/groups/{group.slug}/sign/", {"agree_statement": "on", "agree_principles": "on"}
    )
    signed = client.post(
        f"/groups/{group.slug}/sign/",
        {"agree_statement": "on", "agree_principles": "on", "agree_privacy": "on"},
    )

    assert '<a href="/privacy/?version=1">privacy policy</a>' in page
    assert refused.status_code == 400
    assert signed.status_code == 302
    assert Signature.objects.get(group=group).privacy_policy == policy
    assert ConsentRecord.objects.filter(
        person=group_admin, policy=policy, how=ConsentHow.JOIN
    ).exists()

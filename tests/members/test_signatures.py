import pytest
from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed

from coalition.errors import RuleBroken
from coalition.services import statement_draft_create, statement_publish
from members.models import Signature, Stage, StageChange
from members.services.signatures import signature_create
from tests.factories import GroupFactory, publish_statement

pytestmark = pytest.mark.django_db


@pytest.fixture
def version():
    return publish_statement()


@pytest.fixture
def prospect(place):
    return GroupFactory(name="Dockyard Parents", place=place, stage=Stage.CONTACTED)


def test_a_verified_person_signing_aligns_the_group_and_records_why(prospect, group_admin, version):
    signature = signature_create(
        group=prospect, person=group_admin, version=version, listing_consent=True
    )

    prospect.refresh_from_db()
    assert signature.confirmed_at is not None
    assert prospect.stage == Stage.ALIGNED
    assert prospect.signed_version == version
    assert prospect.listing_consent is True
    change = StageChange.objects.filter(group=prospect).first()
    assert (change.from_stage, change.to_stage, change.changed_by) == (
        Stage.CONTACTED,
        Stage.ALIGNED,
        group_admin,
    )
    assert "Signed the statement" in change.reason


def test_an_unverified_signature_counts_only_after_verification(prospect, make_person, version, rf):
    person = make_person("new@example.net", verified=False)

    signature = signature_create(
        group=prospect, person=person, version=version, listing_consent=False
    )
    prospect.refresh_from_db()
    assert signature.confirmed_at is None
    assert prospect.stage == Stage.CONTACTED

    address = EmailAddress.objects.get(user=person)
    address.verified = True
    address.save()
    email_confirmed.send(sender=EmailAddress, request=rf.get("/"), email_address=address)

    prospect.refresh_from_db()
    assert Signature.objects.get(pk=signature.pk).confirmed_at is not None
    assert prospect.stage == Stage.ALIGNED


def test_second_signature_for_same_version_is_refused(prospect, group_admin, version):
    signature_create(group=prospect, person=group_admin, version=version, listing_consent=True)

    with pytest.raises(RuleBroken, match="already signed"):
        signature_create(group=prospect, person=group_admin, version=version, listing_consent=True)
    assert Signature.objects.count() == 1


def test_a_draft_cannot_be_signed(prospect, group_admin):
    draft = statement_draft_create(title="Draft", text="Not yet.", principles=[("One", "")])

    with pytest.raises(RuleBroken, match="Only a published statement"):
        signature_create(group=prospect, person=group_admin, version=draft, listing_consent=True)


def test_a_producing_group_stays_producing_when_it_signs(place, group_admin, version):
    producing = GroupFactory(place=place, stage=Stage.PRODUCING)

    signature_create(group=producing, person=group_admin, version=version, listing_consent=True)

    producing.refresh_from_db()
    assert producing.stage == Stage.PRODUCING


def test_a_new_version_marks_older_signatories_to_re_sign_and_keeps_old_signatures(
    prospect, group_admin, version, django_capture_on_commit_callbacks
):
    signature_create(group=prospect, person=group_admin, version=version, listing_consent=True)
    draft = statement_draft_create(
        title="Clean air v2", text="Now wider.", principles=[("One", "")]
    )

    with django_capture_on_commit_callbacks(execute=True):
        draft = statement_publish(version=draft)

    prospect.refresh_from_db()
    assert prospect.needs_resign is True
    assert Signature.objects.filter(group=prospect, version=version).exists()

    signature_create(group=prospect, person=group_admin, version=draft, listing_consent=True)
    prospect.refresh_from_db()
    assert prospect.needs_resign is False
    assert prospect.signed_version == draft


def test_publishing_twice_is_refused(version):
    with pytest.raises(RuleBroken, match="already published"):
        statement_publish(version=version)


def test_an_older_draft_cannot_be_published_after_a_newer_version(version):
    older = statement_draft_create(title="Older", text="x", principles=[("One", "")])
    newer = statement_draft_create(title="Newer", text="y", principles=[("One", "")])
    statement_publish(version=newer)

    with pytest.raises(RuleBroken, match="newer version"):
        statement_publish(version=older)


def test_a_statement_needs_a_principle():
    with pytest.raises(RuleBroken, match="at least one principle"):
        statement_draft_create(title="T", text="x", principles=[])

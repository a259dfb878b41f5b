"""Group pages: who sees a group and its members, managing members, signing, prospects."""

import re

import pytest
from django.core import mail

from members.models import Group, Invitation, Membership, Signature, Stage
from tests.factories import GroupFactory, publish_statement

pytestmark = pytest.mark.django_db

CAST = ["anonymous", "outsider", "group_member", "group_admin", "weaver", "steering_member"]


@pytest.fixture
def as_(client, request):
    """Log the client in as one of the cast (or nobody) and return it."""

    def login(who: str):
        if who != "anonymous":
            client.force_login(request.getfixturevalue(who))
        return client

    return login


@pytest.fixture
def unlisted(place):
    return GroupFactory(
        name="Quiet Clinic", slug="quiet-clinic", place=place, listing_consent=False
    )


@pytest.mark.parametrize(
    ("who", "status", "sees_members"),
    [
        ("anonymous", 200, False),
        ("outsider", 200, False),
        ("group_member", 200, True),
        ("group_admin", 200, True),
        ("weaver", 200, True),
        ("steering_member", 200, False),
    ],
)
def test_a_listed_signatory_page_shows_members_only_to_its_people_and_weavers(
    as_, group, group_admin, group_member, who, status, sees_members
):
    group.signed_version = publish_statement()
    group.save()

    response = as_(who).get(f"/groups/{group.slug}/")

    assert response.status_code == status
    assert ("Ada Admin" in response.content.decode()) is sees_members


@pytest.mark.parametrize(
    ("who", "told", "queries"),
    [("anonymous", False, 7), ("group_member", False, 12), ("group_admin", True, 14)],
)
def test_only_those_who_sign_are_told_a_new_version_awaits_and_others_skip_its_queries(
    as_, group, group_admin, group_member, who, told, queries, django_assert_num_queries
):
    group.signed_version = publish_statement()
    group.save()
    publish_statement(title="Clean air for all, revised")
    Group.objects.filter(pk=group.pk).update(needs_resign=True)
    client = as_(who)
    client.get(f"/groups/{group.slug}/")  # warm the caches

    # The current statement (two queries) is read only for those told.
    with django_assert_num_queries(queries):
        response = client.get(f"/groups/{group.slug}/")

    assert ("Read and sign" in response.content.decode()) is told


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 404), ("outsider", 404), ("steering_member", 404), ("weaver", 200)],
)
def test_an_unlisted_group_is_hidden_from_people_outside_it(as_, unlisted, who, status):
    assert as_(who).get("/groups/quiet-clinic/").status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("outsider", 403),
        ("group_member", 403),
        ("group_admin", 200),
        ("weaver", 403),
        ("steering_member", 403),
    ],
)
def test_only_group_admins_manage_members(as_, group, group_admin, group_member, who, status):
    group.signed_version = publish_statement()
    group.save()

    assert as_(who).get(f"/groups/{group.slug}/members/").status_code == status


def test_managing_an_unlisted_group_you_are_not_in_is_a_404(as_, unlisted, outsider):
    assert as_("outsider").get("/groups/quiet-clinic/members/").status_code == 404


def test_an_admin_invites_a_person_who_accepts_and_joins(client, group, group_admin, make_person):
    client.force_login(group_admin)

    response = client.post(
        f"/groups/{group.slug}/members/",
        {"email": "newbie@example.net", "name": "Nia", "role": "member"},
    )

    assert response.status_code == 302
    link = re.search(r"https?://\S+/invitations/\S+/", mail.outbox[-1].body).group(0)
    path = "/" + link.split("/", 3)[3]
    newbie = make_person("newbie@example.net")
    client.force_login(newbie)
    assert client.post(path).status_code == 302
    assert Membership.objects.get(group=group, person=newbie).role == "member"
    assert client.post(path).status_code == 410


def test_an_invitation_for_another_address_is_not_accepted(client, group, group_admin, outsider):
    client.force_login(group_admin)
    client.post(f"/groups/{group.slug}/members/", {"email": "newbie@example.net", "role": "member"})
    link = re.search(r"https?://\S+/invitations/\S+/", mail.outbox[-1].body).group(0)
    client.force_login(outsider)

    client.post("/" + link.split("/", 3)[3])

    assert not Membership.objects.filter(group=group, person=outsider).exists()
    assert Invitation.objects.get().used_at is None


def test_inviting_a_bad_address_is_a_clear_error(client, group, group_admin):
    client.force_login(group_admin)

    response = client.post(
        f"/groups/{group.slug}/members/", {"email": "not-an-email", "role": "member"}
    )

    assert response.status_code == 400
    assert "Enter a valid email address" in response.content.decode()


def test_the_last_admin_cannot_step_down(client, group, group_admin):
    client.force_login(group_admin)
    membership = Membership.objects.get(person=group_admin)

    client.post(f"/groups/{group.slug}/members/{membership.pk}/", {"role": "member"}, follow=True)

    membership.refresh_from_db()
    assert membership.role == "admin"


def test_an_admin_changes_a_role_and_removes_a_member(client, group, group_admin, group_member):
    client.force_login(group_admin)
    membership = Membership.objects.get(person=group_member)

    client.post(f"/groups/{group.slug}/members/{membership.pk}/", {"role": "contact"})
    membership.refresh_from_db()
    assert membership.role == "contact"

    client.post(f"/groups/{group.slug}/members/{membership.pk}/", {"remove": "1"})
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_a_member_of_another_group_cannot_change_roles(client, group, group_member, outsider):
    group.signed_version = publish_statement()
    group.save()
    membership = Membership.objects.get(person=group_member)
    client.force_login(outsider)

    response = client.post(f"/groups/{group.slug}/members/{membership.pk}/", {"role": "admin"})

    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.role == "member"


@pytest.mark.parametrize(
    ("who", "status"),
    # The group has not signed yet, so it is not public: people outside it
    # cannot learn it exists (404); people who can see it but not act get 403.
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("group_member", 403),
        ("group_admin", 200),
        ("weaver", 403),
        ("steering_member", 404),
    ],
)
def test_only_admins_and_contacts_sign_for_their_group(
    as_, group, group_admin, group_member, who, status
):
    publish_statement()

    assert as_(who).get(f"/groups/{group.slug}/sign/").status_code == status


def test_an_admin_signs_for_the_group(client, group, group_admin):
    version = publish_statement()
    client.force_login(group_admin)

    response = client.post(
        f"/groups/{group.slug}/sign/", {"agree_statement": "on", "agree_principles": "on"}
    )

    assert response.status_code == 302
    assert Signature.objects.get(group=group).version == version


def test_signing_without_agreeing_is_refused(client, group, group_admin):
    publish_statement()
    client.force_login(group_admin)

    response = client.post(f"/groups/{group.slug}/sign/", {"agree_statement": "on"})

    assert response.status_code == 400
    assert not Signature.objects.exists()


def test_my_groups_lists_only_my_groups(client, group, group_member, outsider):
    client.force_login(group_member)

    page = client.get("/me/groups/").content.decode()

    assert "Riverside Tenants" in page
    assert "Hillside Parents" not in page


def test_my_groups_needs_a_login(client):
    assert client.get("/me/groups/").status_code == 302


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("outsider", 403),
        ("group_admin", 403),
        ("weaver", 200),
        ("steering_member", 403),
    ],
)
def test_only_weavers_add_prospects(as_, group_admin, who, status):
    assert as_(who).get("/weave/prospects/new/").status_code == status


def test_a_weaver_adds_a_prospect_and_invites_it(client, weaver, place):
    client.force_login(weaver)

    response = client.post(
        "/weave/prospects/new/",
        {
            "name": "Harbour Clinic",
            "kind": "ngo",
            "place": place.pk,
            "contact-email": "clinic@example.net",
            "contact-name": "Cleo Clinic",
            "send_invitation": "1",
        },
    )

    assert response.status_code == 302
    group = Group.objects.get(name="Harbour Clinic")
    assert group.contact_name == "Cleo Clinic"
    assert group.stage == Stage.PROSPECT
    assert group.last_contact_at is not None
    assert mail.outbox[-1].to == ["clinic@example.net"]
    assert "/invitations/" in mail.outbox[-1].body


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("outsider", 403),
        ("group_member", 403),
        ("group_admin", 200),
        ("weaver", 403),
        ("steering_member", 403),
    ],
)
def test_only_group_admins_edit_the_group(as_, group, group_admin, group_member, who, status):
    group.signed_version = publish_statement()
    group.save()

    assert as_(who).get(f"/groups/{group.slug}/edit/").status_code == status


def test_an_admin_edits_the_group_and_its_working_groups(client, group, group_admin, place):
    from coalition.models import WorkingGroup

    health = WorkingGroup.objects.create(name="Public health", slug="health")
    client.force_login(group_admin)

    response = client.post(f"/groups/{group.slug}/edit/", {
        "name": "Riverside Tenants Union", "kind": "union", "place": place.pk,
        "description": "", "website": "", "working_groups": [health.pk],
    })  # fmt: skip

    assert response.status_code == 302
    group.refresh_from_db()
    assert group.name == "Riverside Tenants Union"
    assert list(group.working_groups.all()) == [health]
    assert group.listing_consent is False


def test_a_bad_edit_is_refused_and_changes_nothing(client, group, group_admin, place):
    client.force_login(group_admin)

    response = client.post(
        f"/groups/{group.slug}/edit/", {"name": "", "kind": "pirates", "place": place.pk}
    )

    assert response.status_code == 400
    group.refresh_from_db()
    assert group.name == "Riverside Tenants"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("place", "9" * 30),
        ("place", str(2**63)),
        ("place", "²"),
        ("working_groups", "9" * 30),
        ("caucuses", str(2**63)),
    ],
)
def test_an_id_no_database_holds_is_a_field_error_on_edit(
    client, group, group_admin, place, field, value
):
    client.force_login(group_admin)
    data = {"name": "Riverside Tenants", "kind": "community", "place": place.pk, field: value}

    response = client.post(f"/groups/{group.slug}/edit/", data)

    assert response.status_code == 400
    assert response.context["form"].errors[field]


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [
        ("x", "x"),
        ("99999999999999999999999", "99999999999999999999999"),
        ("/weave/groups/", "/weave/groups/"),
        ("//evil.example/", "/weave/"),
        ("https://evil.example/", "/weave/"),
    ],
)
def test_inviting_a_prospect_goes_back_to_a_safe_next_page_never_a_500(
    client, weaver, place, next_url, lands_on
):
    prospect = GroupFactory(name="Harbour Clinic", slug="harbour-clinic", place=place)
    client.force_login(weaver)

    response = client.post(
        f"/weave/groups/{prospect.slug}/invite/",
        {"email": "clinic@example.net", "next": next_url},
    )

    assert response.status_code == 302
    assert response["Location"] == lands_on

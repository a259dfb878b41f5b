import pytest

from coalition.models import StatementVersion
from tests.factories import publish_statement

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("outsider", 403), ("group_admin", 403), ("weaver", 403),
     ("steering_member", 200)],
)  # fmt: skip
def test_only_the_steering_committee_and_stewards_manage_versions(client, request, who, status):
    from coalition.services import statement_draft_create

    draft = statement_draft_create(title="Draft", text="x", principles=[("One", "")])
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))

    assert client.get("/statement/versions/").status_code == status
    publish = client.post(f"/statement/versions/{draft.number}/publish/", {"confirm": "yes"})
    # Those who may publish are sent back to the versions; the others are refused.
    assert publish.status_code == (302 if status == 200 else status)
    draft.refresh_from_db()
    assert (draft.published_at is not None) is (status == 200)


def test_a_draft_starts_from_the_current_text(client, steering_member):
    publish_statement(title="Clean air for all")
    client.force_login(steering_member)

    form = client.get("/statement/versions/").context["form"]

    assert form.initial["title"] == "Clean air for all"
    assert form.initial["principles"].startswith("Principle 0: What principle 0 means.")


def test_drafting_and_publishing_a_new_version(client, steering_member):
    publish_statement()
    client.force_login(steering_member)

    client.post("/statement/versions/", {
        "title": "Clean air, wider", "text": "Now with rivers.",
        "principles": "Act locally: in our own places\n\nNonviolence",
    })  # fmt: skip
    draft = StatementVersion.objects.get(number=2)
    assert [p.title for p in draft.principles.all()] == ["Act locally", "Nonviolence"]
    assert draft.published_at is None

    client.post("/statement/versions/2/publish/", {"confirm": "yes"})

    draft.refresh_from_db()
    assert draft.published_at is not None
    assert draft.published_by == steering_member
    assert "Clean air, wider" in client.get("/statement/").content.decode()


def test_a_draft_without_principles_is_refused(client, steering_member):
    client.force_login(steering_member)

    empty = client.post("/statement/versions/", {"title": "T", "text": "x", "principles": "  \n"})
    untitled = client.post("/statement/versions/", {"title": "T", "text": "x", "principles": ": x"})

    assert empty.status_code == untitled.status_code == 400
    assert "This field is required." in empty.content.decode()
    assert "Line 1: a principle needs a title" in untitled.content.decode()
    assert not StatementVersion.objects.exists()


def test_publishing_twice_says_so(client, steering_member):
    publish_statement()
    client.force_login(steering_member)

    response = client.post("/statement/versions/1/publish/", {"confirm": "yes"})

    assert response.status_code == 400
    assert "already published" in response.content.decode()


# --- A draft opened again, previewed, published once confirmed ---------------------------


@pytest.fixture
def draft():
    from coalition.services import statement_draft_create

    return statement_draft_create(
        title="Clean air, wider", text="Now with rivers.", principles=[("Act locally", "")]
    )


def test_a_saved_draft_opens_again_with_its_text(client, steering_member, draft):
    client.force_login(steering_member)

    response = client.get(f"/statement/versions/{draft.number}/")

    assert response.status_code == 200
    assert response.context["form"].initial == {
        "title": "Clean air, wider", "text": "Now with rivers.", "principles": "Act locally",
    }  # fmt: skip


def test_a_draft_is_edited_title_text_and_principles(client, steward, draft):
    client.force_login(steward)

    response = client.post(f"/statement/versions/{draft.number}/", {
        "title": "Clean air and water", "text": "Rivers too.",
        "principles": "Nonviolence: peaceful and open\nAct locally",
    })  # fmt: skip

    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.text) == ("Clean air and water", "Rivers too.")
    assert [(p.title, p.text) for p in draft.principles.order_by("position")] == [
        ("Nonviolence", "peaceful and open"), ("Act locally", ""),
    ]  # fmt: skip
    assert draft.published_at is None


def test_a_bad_edit_is_refused_and_the_draft_kept(client, steward, draft):
    client.force_login(steward)

    response = client.post(
        f"/statement/versions/{draft.number}/", {"title": "", "text": "x", "principles": "One"}
    )

    assert response.status_code == 400
    draft.refresh_from_db()
    assert draft.title == "Clean air, wider"


def test_a_published_version_is_read_only(client, steering_member):
    version = publish_statement(title="Clean air for all")
    client.force_login(steering_member)

    page = client.get(f"/statement/versions/{version.number}/")
    edit = client.post(
        f"/statement/versions/{version.number}/",
        {"title": "Rewritten", "text": "x", "principles": "One"},
    )

    assert page.status_code == 200 and page.context["form"] is None
    assert "read-only" in page.content.decode()
    assert edit.status_code == 400
    version.refresh_from_db()
    assert version.title == "Clean air for all"


def test_the_service_refuses_to_edit_a_published_version():
    from coalition.errors import RuleBroken
    from coalition.services import statement_draft_update

    version = publish_statement()

    with pytest.raises(RuleBroken, match="read-only"):
        statement_draft_update(version=version, title="T", text="x", principles=[("One", "")])


def test_a_draft_is_previewed_as_the_statement_page_will_read(client, steering_member, draft):
    client.force_login(steering_member)

    response = client.get(f"/statement/versions/{draft.number}/preview/")

    text = response.content.decode()
    assert response.status_code == 200
    assert '<h1 id="statement-title">Clean air, wider</h1>' in text
    assert "<strong>Act locally</strong>" in text
    assert "Preview of draft version" in text


def test_publishing_asks_first_and_says_how_many_groups_will_re_sign(
    client, steering_member, place
):
    from members.models import Group
    from tests.factories import GroupFactory

    first = publish_statement()
    GroupFactory.create_batch(3, place=place, signed_version=first, stage="aligned")
    GroupFactory(place=place)  # never signed: not asked
    from coalition.services import statement_draft_create

    draft = statement_draft_create(title="Wider", text="x", principles=[("One", "")])
    client.force_login(steering_member)

    page = client.get(f"/statement/versions/{draft.number}/publish/")

    assert page.status_code == 200
    assert page.context["to_resign"] == 3
    assert "3 groups will be asked to sign again" in page.content.decode()
    draft.refresh_from_db()
    assert draft.published_at is None

    unconfirmed = client.post(f"/statement/versions/{draft.number}/publish/", {})
    assert unconfirmed.status_code == 400
    assert "Confirm to publish" in unconfirmed.content.decode()
    draft.refresh_from_db()
    assert draft.published_at is None

    confirmed = client.post(f"/statement/versions/{draft.number}/publish/", {"confirm": "yes"})
    assert confirmed.status_code == 302
    draft.refresh_from_db()
    assert draft.published_at is not None
    assert Group.objects.filter(needs_resign=True).count() == 3


def test_publishing_is_written_to_the_audit_log(steering_member, draft):
    from coalition.models import AuditEntry, AuditVerb
    from coalition.services import statement_publish

    statement_publish(version=draft, by=steering_member)

    entry = AuditEntry.objects.get(verb=AuditVerb.STATEMENT_PUBLISHED)
    assert entry.actor == steering_member
    assert entry.detail == {"number": draft.number}


@pytest.mark.parametrize("who", ["outsider", "group_admin", "weaver"])
def test_only_those_who_publish_open_edit_preview_and_publish(client, request, draft, who):
    client.force_login(request.getfixturevalue(who))

    for suffix in ("", "preview/", "publish/"):
        assert client.get(f"/statement/versions/{draft.number}/{suffix}").status_code == 403
    assert (
        client.post(f"/statement/versions/{draft.number}/publish/", {"confirm": "yes"}).status_code
        == 403
    )
    draft.refresh_from_db()
    assert draft.published_at is None

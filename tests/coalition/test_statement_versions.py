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
    publish = client.post(f"/statement/versions/{draft.number}/publish/")
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

    client.post("/statement/versions/2/publish/")

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

    response = client.post("/statement/versions/1/publish/", follow=True)

    assert "already published" in response.content.decode()

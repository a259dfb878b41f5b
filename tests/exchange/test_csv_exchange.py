"""CSV export and import of people and groups at /weave/exchange/: round trips, row errors,
formula injection, audit entries and flat, streamed exports."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coalition.models import AuditEntry
from exchange.models import GroupAddress, GroupTagging, PersonAddress, Tag, Tagging
from exchange.selectors import EXPORT_BATCH
from members.models import Group, User
from tests.factories import GroupFactory, PersonFactory

pytestmark = pytest.mark.django_db

PAGE = "/weave/exchange/"


def _download(client, user, what: str) -> list[dict]:
    client.force_login(user)
    response = client.get(f"{PAGE}{what}.csv")
    assert response.status_code == 200
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def _upload(client, user, what: str, text: str):
    client.force_login(user)
    upload = SimpleUploadedFile(f"{what}.csv", text.encode(), content_type="text/csv")
    return client.post(PAGE, {"what": what, f"{what}-file": upload})


def _as_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _people() -> set[tuple]:
    return {
        (
            person.email,
            person.name,
            person.phone,
            getattr(PersonAddress.objects.filter(person=person).first(), "postal_code", ""),
            frozenset(person.taggings.values_list("tag__name", flat=True)),
        )
        for person in User.objects.all()
    }


def test_people_round_trip_export_then_import_gives_the_same_people(client, weaver):
    ada = PersonFactory(email="ada@example.net", name="Ada Lovelace", phone="+44 20 7946 0000")
    PersonAddress.objects.create(person=ada, postal_code="N1 9GU")
    Tagging.objects.create(person=ada, tag=Tag.objects.create(name="volunteer"))
    Tagging.objects.create(person=ada, tag=Tag.objects.create(name="donor"))
    PersonFactory(email="bo@example.net", name="Bo")
    rows = _download(client, weaver, "people")
    before = _people()
    assert {row["email"] for row in rows} == {"ada@example.net", "bo@example.net", weaver.email}
    ada_row = next(row for row in rows if row["email"] == "ada@example.net")
    assert ada_row == {
        "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.net",
        "phone": "'+44 20 7946 0000", "zip_code": "N1 9GU", "tags": "donor, volunteer",
    }  # fmt: skip

    # Into the same network: nothing changes (idempotent) ...
    response = _upload(client, weaver, "people", _as_csv(rows))
    assert response.status_code == 200
    assert response.context["report"].updated == 3 and response.context["report"].errors == []
    # ... the phone's defusing quote is taken off again.
    assert _people() == before

    # Into an empty network: the same people.
    Tagging.objects.all().delete()
    PersonAddress.objects.all().delete()
    User.objects.exclude(pk=weaver.pk).delete()
    _upload(client, weaver, "people", _as_csv(rows))
    assert _people() == before


def test_groups_round_trip_export_then_import_gives_the_same_groups(client, weaver, place):
    riverside = GroupFactory(
        name="Riverside Tenants", kind="community", place=place,
        contact_email="hello@riverside.example", website="https://riverside.example",
    )  # fmt: skip
    GroupAddress.objects.create(group=riverside, postal_code="RV1 1AA")
    GroupTagging.objects.create(group=riverside, tag=Tag.objects.create(name="housing"))
    GroupFactory(name="Hill Choir", kind="faith", place=place)

    def groups() -> set[tuple]:
        return {
            (
                g.name, g.kind, g.place_id, g.contact_email, g.website,
                getattr(GroupAddress.objects.filter(group=g).first(), "postal_code", ""),
                frozenset(g.taggings.values_list("tag__name", flat=True)),
            )
            for g in Group.objects.all()
        }  # fmt: skip

    before = groups()
    rows = _download(client, weaver, "groups")
    assert {row["name"] for row in rows} == {"Riverside Tenants", "Hill Choir"}

    response = _upload(client, weaver, "groups", _as_csv(rows))
    assert response.context["report"].updated == 2 and groups() == before

    GroupTagging.objects.all().delete()
    Group.objects.all().delete()
    response = _upload(client, weaver, "groups", _as_csv(rows))
    assert response.context["report"].created == 2 and groups() == before
    assert set(Group.objects.values_list("stage", flat=True)) == {"prospect"}


def test_bad_rows_are_reported_by_line_and_good_rows_are_saved(client, weaver):
    text = (
        "First Name,Last Name,Email,Postcode,Tags,Shoe size\n"
        "Ann,One,ann@example.net,AB1,a;b,42\n"
        "Bad,Email,not-an-email,,,\n"
        ",,,,,\n"
        "No,Email,,,,\n"
        "Ann,Again,ANN@example.net,,,\n"
        '"Multi\nline",Name,cy@example.net,,,\n'
        "Too,Many,dee@example.net,,,,extra\n"
        f"{'x' * 200},Long,long@example.net,,,\n"
    )

    response = _upload(client, weaver, "people", text)

    report = response.context["report"]
    reasons = {error.line: error.reason for error in report.errors}
    assert set(reasons) == {3, 5, 6, 9, 10}
    assert "not-an-email" in reasons[3]
    assert "email" in reasons[5].lower()
    assert "line 2" in reasons[6]
    assert "more values" in reasons[9]
    assert "too long" in reasons[10]
    assert report.created == 2
    assert set(User.objects.values_list("email", flat=True)) == {
        weaver.email, "ann@example.net", "cy@example.net",
    }  # fmt: skip
    ann = User.objects.get(email="ann@example.net")
    assert PersonAddress.objects.get(person=ann).postal_code == "AB1"
    assert set(ann.taggings.values_list("tag__name", flat=True)) == {"a", "b"}
    page = response.content.decode()
    assert "not-an-email" in page and '<th scope="row">3</th>' in page


def test_group_rows_need_kind_and_place_only_when_new(client, weaver, place):
    GroupFactory(name="Known Group", kind="ngo", place=place)
    text = (
        "name,kind,place,email,website,zip,tags\n"
        "Known Group,,,new@known.example,,KN1,\n"
        "New Group,,Riverside,,,,\n"
        "Other Group,union,Atlantis,,,,\n"
        "Fine Group,union,Riverside,,notaurl,,\n"
        "Good Group,union,Riverside,,,,x\n"
    )

    report = _upload(client, weaver, "groups", text).context["report"]

    reasons = {error.line: error.reason for error in report.errors}
    assert set(reasons) == {3, 4, 5}
    assert "kind" in reasons[3] and "Atlantis" in reasons[4] and "notaurl" in reasons[5]
    assert (report.created, report.updated) == (1, 1)
    assert Group.objects.get(name="Known Group").contact_email == "new@known.example"


@pytest.mark.parametrize(
    "text,message",
    [
        ("", "Choose a CSV file"),
        ("name\x00,x\n", "not a CSV"),
        ("first_name,last_name\nA,B\n", "missing: email"),
        (b"\xff\xfe".decode("latin-1") + "email\n", None),
    ],
)
def test_unreadable_files_are_a_400_with_a_clear_message(client, weaver, text, message):
    response = _upload(client, weaver, "people", text)

    assert response.status_code == 400
    if message:
        assert message in response.content.decode()
    assert User.objects.count() == 1


def test_exports_defuse_formulas(client, weaver, place):
    PersonFactory(email="evil@example.net", name='=HYPERLINK("http://x") @SUM(A1)')
    Tagging.objects.create(
        person=User.objects.get(email="evil@example.net"), tag=Tag.objects.create(name="+tag")
    )
    GroupFactory(name="-Minus Group", place=place, website="https://ok.example")

    people = _download(client, weaver, "people")
    groups = _download(client, weaver, "groups")

    evil = next(row for row in people if row["email"] == "evil@example.net")
    assert evil["first_name"].startswith("'=") and evil["last_name"] == "'@SUM(A1)"
    assert evil["tags"] == "'+tag"
    assert groups[0]["name"] == "'-Minus Group"


def test_every_import_and_export_is_audited_with_counts(client, weaver):
    PersonFactory(email="a@example.net")
    _download(client, weaver, "people")
    _download(client, weaver, "groups")
    _upload(client, weaver, "people", "email\nb@example.net\nbad\n")

    entries = list(AuditEntry.objects.order_by("pk").values("verb", "actor", "detail"))
    assert entries == [
        {"verb": "export", "actor": weaver.pk, "detail": {"kind": "people", "rows": 2}},
        {"verb": "export", "actor": weaver.pk, "detail": {"kind": "groups", "rows": 0}},
        {
            "verb": "import", "actor": weaver.pk,
            "detail": {"kind": "people", "created": 1, "updated": 0, "rejected": 1},
        },
    ]  # fmt: skip


@pytest.mark.parametrize("role", ["group_admin", "group_member", "coordinator", "steering_member"])
def test_only_weavers_and_stewards_exchange_csv(client, request, role):
    person = request.getfixturevalue(role)
    PersonFactory(email="secret@example.net")
    client.force_login(person)

    for url in (PAGE, f"{PAGE}people.csv", f"{PAGE}groups.csv"):
        response = client.get(url)
        assert response.status_code == 403
        assert b"secret@example.net" not in b"".join(
            getattr(response, "streaming_content", [response.content])
        )
    assert _upload(client, person, "people", "email\nx@example.net\n").status_code == 403
    assert not User.objects.filter(email="x@example.net").exists()
    assert not AuditEntry.objects.exists()


def test_the_people_export_reads_in_batches_whatever_the_size(client, steward, settings):
    """Queries grow by two per batch of EXPORT_BATCH people, never per person."""

    def count() -> int:
        client.force_login(steward)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{PAGE}people.csv")
            b"".join(response.streaming_content)
        return len(queries)

    PersonFactory.create_batch(3)
    small = count()
    User.objects.bulk_create(
        [User(email=f"bulk{n}@example.net", name=f"Bulk {n}") for n in range(EXPORT_BATCH + 5)]
    )
    large = count()

    assert large == small + 2


def _people_csv(count: int) -> str:
    return _as_csv(
        [
            {"email": f"row{n}@example.net", "first_name": "Row", "last_name": str(n)}
            for n in range(count)
        ]
    )


def test_an_import_over_the_row_cap_is_refused_whole(client, weaver, settings):
    from members.models import User

    settings.CSV_IMPORT_MAX_ROWS = 5
    before = User.objects.count()

    response = _upload(client, weaver, "people", _people_csv(6))

    assert response.status_code == 400
    assert "more than 5 rows" in response.content.decode()
    assert User.objects.count() == before


def test_an_import_at_the_row_cap_is_taken(client, weaver, settings):
    from members.models import User

    settings.CSV_IMPORT_MAX_ROWS = 5

    response = _upload(client, weaver, "people", _people_csv(5))

    assert response.status_code == 200
    assert User.objects.filter(email__startswith="row").count() == 5


def test_the_row_cap_defaults_to_five_thousand():
    from django.conf import settings

    assert settings.CSV_IMPORT_MAX_ROWS == 5000

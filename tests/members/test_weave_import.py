"""Importing prospect groups from CSV: preview, every kind of bad row, one transaction, twice."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signing import dumps
from django.urls import reverse

from coalition.errors import RuleBroken
from coalition.models import PlaceKind
from members.models import Group, Stage, StageChange
from members.services.imports import (
    ProspectRow,
    prospect_import_commit,
    prospect_import_parse,
    prospect_import_stash,
)
from tests.factories import GroupFactory, make_place

pytestmark = pytest.mark.django_db

IMPORT = reverse("members:weave_import")
CONFIRM = reverse("members:weave_import_confirm")
HEADER = "name,kind,place,contact_name,contact_email,website,description\n"

GOOD = HEADER + (
    "Canal Boaters,community,Portville,Cora Canal,cora@example.org,https://canal.example.org,"
    "Boat people\n"
    "Harbour Mosque,Faith Group,Harbour,,imam@example.org,,\n"
    "Dock Union,UNION,Harbour (Portville),,,,\n"
)


@pytest.fixture
def places(db):
    region = make_place("Lowlands", PlaceKind.REGION)
    portville = make_place("Portville", PlaceKind.CITY, region)
    harbour = make_place("Harbour", PlaceKind.NEIGHBOURHOOD, portville)
    return {"region": region, "portville": portville, "harbour": harbour}


def parse(text: str | bytes):
    data = text.encode() if isinstance(text, str) else text
    return prospect_import_parse(data=data, filename="prospects.csv")


def errors_of(result) -> list[tuple[int, str]]:
    return [(error.line, error.reason) for error in result.errors]


def upload(client, content: bytes | str, name: str = "prospects.csv"):
    data = content.encode() if isinstance(content, str) else content
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, data, "text/csv")})


# --- Reading the file ---------------------------------------------------------


def test_a_good_file_gives_good_rows_with_kinds_and_places_resolved(places):
    result = parse(GOOD)

    assert result.errors == []
    assert [(row.line, row.name, row.kind, row.place_id) for row in result.good] == [
        (2, "Canal Boaters", "community", places["portville"].pk),
        (3, "Harbour Mosque", "faith", places["harbour"].pk),
        (4, "Dock Union", "union", places["harbour"].pk),
    ]
    assert result.good[0].contact_email == "cora@example.org"
    assert result.good[0].website == "https://canal.example.org"


def test_a_byte_order_mark_and_windows_line_ends_are_fine(places):
    result = parse(b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode())

    assert [row.name for row in result.good] == ["Canal Boaters", "Harbour Mosque", "Dock Union"]
    assert result.errors == []


def test_columns_may_come_in_any_order_and_only_three_are_needed(places):
    result = parse("Place,Name,Kind\nPortville,Canal Boaters,ngo\n")

    assert [(row.name, row.kind) for row in result.good] == [("Canal Boaters", "ngo")]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (",community,Portville,,,,", "missing name"),
        ("Canal Boaters,,Portville,,,,", "missing kind"),
        ("Canal Boaters,choir,Portville,,,,", "unknown kind “choir”"),
        ("Canal Boaters,community,,,,,", "missing place"),
        ("Canal Boaters,community,Atlantis,,,,", "unknown place “Atlantis”"),
        ("Canal Boaters,community,Portville,,cora@,,", "bad email address “cora@”"),
        ("Canal Boaters,community,Portville,,,javascript:alert(1),", "bad website address"),
        ("x" * 161 + ",community,Portville,,,,", "name is too long (161 characters, at most 160)"),
        ("Canal Boaters,community,Portville,,,," + "d" * 4001, "description is too long"),
        ("Canal Boaters,community,Portville,,,,,surprise", "more values than the header"),
    ],
)
def test_each_bad_row_is_reported_with_its_line_and_reason(places, row, reason):
    result = parse(HEADER + "Good Group,ngo,Portville,,,,\n" + row + "\n")

    assert [row.name for row in result.good] == ["Good Group"]
    assert len(result.errors) == 1
    assert result.errors[0].line == 3
    assert reason in result.errors[0].reason


def test_a_row_with_several_problems_lists_them_all(places):
    result = parse(HEADER + ",choir,Atlantis,,bad-email,,\n")

    assert errors_of(result) == [
        (2, "missing name; unknown kind “choir”; unknown place “Atlantis”; "
            "bad email address “bad-email”"),
    ]  # fmt: skip


def test_an_ambiguous_place_is_reported_and_can_be_told_apart_by_its_parent(places):
    hilltown = make_place("Hilltown", PlaceKind.CITY, places["region"])
    make_place("Harbour", PlaceKind.NEIGHBOURHOOD, hilltown)

    result = parse(
        HEADER + "Mosque,faith,harbour,,,,\nDock Union,union,Harbour (Portville),,,,\n"
        "Hill Union,union,Harbour (Nowhere),,,,\n"
    )

    assert errors_of(result) == [
        (2, "several places are called “harbour”: write one of Harbour (Hilltown), "
            "Harbour (Portville)"),
        (4, "unknown place “Harbour (Nowhere)”"),
    ]  # fmt: skip
    assert [(row.name, row.place_id) for row in result.good] == [
        ("Dock Union", places["harbour"].pk)
    ]


def test_duplicates_of_groups_already_in_the_network_are_reported(places):
    GroupFactory(name="Canal Boaters", place=places["portville"])
    GroupFactory(name="Elsewhere", place=places["region"], contact_email="Imam@Example.org")
    GroupFactory(name="Dock Union", place=places["region"])  # same name, another place

    result = parse(GOOD)

    assert errors_of(result) == [
        (2, "a group called “Canal Boaters” in Portville is already in the network"),
        (3, "a group with the contact email imam@example.org is already in the network"),
    ]
    assert [row.name for row in result.good] == ["Dock Union"]


def test_duplicates_within_the_file_point_to_the_first_line(places):
    result = parse(
        HEADER + "Canal Boaters,community,Portville,,cora@example.org,,\n"
        "canal boaters,ngo,portville,,,,\n"
        "Other Name,ngo,Harbour,,CORA@example.org,,\n"
    )

    assert errors_of(result) == [
        (3, "same group as line 2"),
        (4, "same contact email as line 2"),
    ]


def test_line_numbers_follow_the_file_across_blank_lines_and_quoted_line_breaks(places):
    result = parse(HEADER + '\nGood One,ngo,Portville,,,,"two\nlines"\n\n,ngo,Portville,,,,\n')

    assert [row.line for row in result.good] == [3]
    assert result.good[0].description == "two\nlines"
    assert errors_of(result) == [(6, "missing name")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"\n\n", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "This is not a CSV file."),
        ("name,kind,place\nCafé,ngo,Portville\n".encode("latin-1"), "not UTF-8"),
        (b"Canal Boaters,community,Portville\n", "The first line must name the columns"),
        (b"name,kind\nCanal Boaters,community\n", "missing column: place"),
        (b"name,kind,place,name\n", "The column name appears twice"),
        (b'name,kind,place\n"Canal Boaters,ngo,Portville\n', "cannot be read as CSV"),
        (b"x" * (2 * 1024 * 1024 + 1), "larger than 2 MB"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_clearly(places, content, message):
    with pytest.raises(RuleBroken) as refused:
        parse(content)

    assert message in refused.value.message


def test_more_than_five_thousand_rows_are_refused(places):
    rows = "".join(f"Group {number},ngo,Portville,,,,\n" for number in range(5001))

    with pytest.raises(RuleBroken, match="more than 5,000 rows"):
        parse(HEADER + rows)


def test_five_thousand_rows_are_fine(places):
    rows = "".join(f"Group {number},ngo,Portville,,,,\n" for number in range(5000))

    assert len(parse(HEADER + rows).good) == 5000


# --- Writing the groups -------------------------------------------------------


def test_commit_creates_prospects_with_their_history(places, weaver):
    rows = parse(GOOD).good

    assert prospect_import_commit(rows=rows, by=weaver, filename="prospects.csv") == 3

    canal = Group.objects.get(name="Canal Boaters")
    assert canal.stage == Stage.PROSPECT
    assert (canal.contact_name, canal.contact_email) == ("Cora Canal", "cora@example.org")
    assert canal.created_by == weaver
    change = StageChange.objects.get(group=canal)
    assert change.reason == "Imported from prospects.csv"
    assert change.changed_by == weaver


def test_commit_is_all_or_nothing(places, weaver):
    rows = [
        *parse(GOOD).good,
        ProspectRow(line=9, name="  ", kind="ngo", place_id=places["harbour"].pk, place_name="x"),
    ]

    with pytest.raises(RuleBroken):
        prospect_import_commit(rows=rows, by=weaver, filename="prospects.csv")

    assert not Group.objects.exists()
    assert not StageChange.objects.exists()


def test_commit_skips_rows_that_became_duplicates_after_the_preview(places, weaver):
    rows = parse(GOOD).good
    GroupFactory(name="CANAL BOATERS", place=places["portville"])

    assert prospect_import_commit(rows=rows, by=weaver, filename="prospects.csv") == 2
    assert Group.objects.filter(name__iexact="canal boaters").count() == 1


# --- The pages ----------------------------------------------------------------


def test_the_preview_shows_good_and_bad_rows_and_saves_nothing(client, weaver, places):
    client.force_login(weaver)

    response = upload(client, GOOD + ",ngo,Portville,,,,\n")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Canal Boaters" in page and "faith group" in page
    assert "missing name" in page
    assert "3 groups can be imported." in page and "1 row cannot." in page
    assert not Group.objects.exists()
    assert response.context["confirm_form"] is not None


def test_preview_then_confirm_imports_the_good_rows(client, weaver, places):
    client.force_login(weaver)
    token = upload(client, GOOD).context["confirm_form"].initial["token"]

    response = client.post(CONFIRM, {"token": token})

    assert response.status_code == 302
    assert response["Location"] == reverse("members:weave")
    assert set(Group.objects.values_list("name", flat=True)) == {
        "Canal Boaters", "Harbour Mosque", "Dock Union",
    }  # fmt: skip
    follow = client.get(response["Location"])
    assert "3 prospect groups imported from prospects.csv." in follow.content.decode()


def test_importing_the_same_file_twice_creates_nothing_new(client, weaver, places):
    client.force_login(weaver)
    client.post(CONFIRM, {"token": upload(client, GOOD).context["confirm_form"].initial["token"]})

    again = upload(client, GOOD)

    assert again.context["result"].good == []
    assert [error.line for error in again.context["result"].errors] == [2, 3, 4]
    assert again.context["confirm_form"] is None
    assert Group.objects.count() == 3


def test_confirming_twice_imports_once(client, weaver, places):
    client.force_login(weaver)
    token = upload(client, GOOD).context["confirm_form"].initial["token"]
    client.post(CONFIRM, {"token": token})

    response = client.post(CONFIRM, {"token": token})

    assert response["Location"] == IMPORT
    assert "expired or was already imported" in client.get(IMPORT).content.decode()
    assert Group.objects.count() == 3


def test_a_forged_or_foreign_token_imports_nothing(client, weaver, places, make_person):
    other_weaver = make_person("other-weaver@example.net", roles=("weaver",))
    foreign = prospect_import_stash(rows=parse(GOOD).good, filename="x.csv", by=other_weaver)
    forged = dumps({"key": "guess", "person": weaver.pk}, salt="another.salt")
    client.force_login(weaver)

    for token in (foreign, forged, "not-a-token"):
        response = client.post(CONFIRM, {"token": token})
        assert response.status_code == 302
        assert response["Location"] == IMPORT
    assert not Group.objects.exists()


def test_a_confirmation_without_a_token_is_a_bad_request(client, weaver):
    client.force_login(weaver)

    assert client.post(CONFIRM, {}).status_code == 400
    assert client.get(CONFIRM).status_code == 405


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x00\x01binary\x02", "This is not a CSV file."),
        (b"x" * (2 * 1024 * 1024 + 10), "larger than 2 MB"),
        (b"", "The submitted file is empty."),
    ],
)
def test_a_bad_file_is_a_form_error_on_the_upload_page(client, weaver, places, content, message):
    client.force_login(weaver)

    response = upload(client, content)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert "confirm_form" not in response.context


def test_the_upload_needs_a_file(client, weaver):
    client.force_login(weaver)

    response = client.post(IMPORT, {})

    assert response.status_code == 400
    assert response.context["form"].errors["file"]


def test_the_upload_page_explains_the_columns(client, weaver):
    client.force_login(weaver)

    page = client.get(IMPORT).content.decode()

    assert "name, kind, place, contact_name, contact_email, website, description" in page
    assert 'enctype="multipart/form-data"' in page

"""Long CSV files at /weave/exchange/ are imported by a worker (issue #17): stored, queued
through the outbox, claimed once, saved in batches, reported on a progress page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coalition.models import AuditEntry
from exchange.models import CsvImport
from exchange.services import csv_import
from exchange.tasks import csv_import_run
from members.models import Group, User
from tests.factories import GroupFactory

pytestmark = pytest.mark.django_db

PAGE = "/weave/exchange/"


@pytest.fixture(autouse=True)
def short_files(settings, monkeypatch):
    # A handful of rows is "long" here, and batches of two show progress moving.
    settings.CSV_IMPORT_INLINE_ROWS = 3
    monkeypatch.setattr(csv_import, "IMPORT_BATCH", 2)


def _upload(client, user, what: str, text: str):
    client.force_login(user)
    upload = SimpleUploadedFile(f"{what}.csv", text.encode(), content_type="text/csv")
    return client.post(PAGE, {"what": what, f"{what}-file": upload})


PEOPLE = (
    "first_name,last_name,email,tags\n"
    "Ada,Lovelace,ada@example.net,volunteer\n"
    "Bo,Diddley,not-an-email,\n"
    "Cy,Young,cy@example.net,\n"
    "Di,Prince,di@example.net,\n"
    "Ed,Wood,ADA@example.net,\n"
    "Flo,Jo,flo@example.net,donor\n"
)


def test_a_long_people_file_is_imported_by_the_task_with_bad_rows_by_line(client, weaver):
    response = _upload(client, weaver, "people", PEOPLE)

    run = CsvImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/weave/exchange/imports/{run.pk}/"
    assert (run.status, run.rows_total, run.rows_done) == ("done", 6, 6)
    assert (run.created_count, run.updated_count) == (4, 0)
    assert [error["line"] for error in run.row_errors] == [3, 6]
    assert run.text == "" and run.finished_at is not None
    assert set(User.objects.exclude(pk=weaver.pk).values_list("email", flat=True)) == {
        "ada@example.net", "cy@example.net", "di@example.net", "flo@example.net",
    }  # fmt: skip
    entry = AuditEntry.objects.get(verb="import")
    assert (entry.actor, entry.detail["created"], entry.detail["rejected"]) == (weaver, 4, 2)

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b'http-equiv="refresh"' not in page.content
    assert b"same email as line 2" in page.content


def test_running_the_task_twice_imports_nothing_twice(client, weaver):
    _upload(client, weaver, "people", PEOPLE)
    run = CsvImport.objects.get()

    assert csv_import_run(run.pk) is False

    assert User.objects.count() == 5
    assert AuditEntry.objects.filter(verb="import").count() == 1


def test_a_running_import_whose_worker_was_lost_is_taken_again_without_duplicates(weaver):
    run = CsvImport.objects.create(
        started_by=weaver, kind="people", filename="people.csv", text=PEOPLE, rows_total=6,
        status="running", started_at=timezone.now() - timedelta(hours=1), rows_done=2,
    )  # fmt: skip
    csv_import.people_import(data=PEOPLE.encode(), filename="people.csv", by=weaver)

    assert csv_import_run(run.pk) is True

    run.refresh_from_db()
    assert (run.status, run.created_count, run.updated_count) == ("done", 0, 4)
    assert User.objects.count() == 5


def test_a_running_import_within_the_time_limit_is_left_to_its_worker(weaver):
    run = CsvImport.objects.create(
        started_by=weaver, kind="people", filename="people.csv", text=PEOPLE, rows_total=6,
        status="running", started_at=timezone.now(),
    )  # fmt: skip

    assert csv_import_run(run.pk) is False
    assert User.objects.count() == 1


def test_a_long_groups_file_is_imported_by_the_task(client, weaver, place):
    GroupFactory(name="Known Group", kind="ngo", place=place)
    text = "name,kind,place\n" + "".join(f"Group {n},union,Riverside\n" for n in range(5))
    text += "Known Group,,\nLost Group,union,Atlantis\n"

    _upload(client, weaver, "groups", text)

    run = CsvImport.objects.get()
    assert (run.status, run.created_count, run.updated_count) == ("done", 5, 1)
    assert [error["line"] for error in run.row_errors] == [8]
    assert Group.objects.filter(name__startswith="Group ").count() == 5


def test_the_progress_page_refreshes_itself_until_the_import_is_done(client, weaver):
    run = CsvImport.objects.create(
        started_by=weaver, kind="people", filename="people.csv", text=PEOPLE, rows_total=6,
        status="running", started_at=timezone.now(), rows_done=2,
    )  # fmt: skip
    client.force_login(weaver)

    page = client.get(f"/weave/exchange/imports/{run.pk}/")

    assert page.status_code == 200
    assert b'<meta http-equiv="refresh" content="2">' in page.content
    assert b"2 of 6 rows done." in page.content


def test_another_weaver_may_follow_an_import_and_a_missing_one_is_404(client, weaver, steward):
    _upload(client, weaver, "people", PEOPLE)
    run = CsvImport.objects.get()
    client.force_login(steward)

    assert client.get(f"/weave/exchange/imports/{run.pk}/").status_code == 200
    assert client.get(f"/weave/exchange/imports/{run.pk + 1}/").status_code == 404


def _queries(client, run) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/weave/exchange/imports/{run.pk}/").status_code == 200
    return len(queries)


def test_the_progress_page_takes_the_same_queries_whatever_the_errors(client, weaver):
    client.force_login(weaver)
    small = CsvImport.objects.create(
        started_by=weaver, kind="people", filename="a.csv", status="done",
        row_errors=[{"line": 2, "reason": "bad"}],
    )  # fmt: skip
    large = CsvImport.objects.create(
        started_by=weaver, kind="people", filename="b.csv", status="done",
        row_errors=[{"line": n, "reason": "bad"} for n in range(2, 300)],
    )  # fmt: skip

    assert _queries(client, small) == _queries(client, large)


def test_a_stored_file_that_cannot_be_read_fails_visibly_and_is_cleared(client, weaver):
    run = CsvImport.objects.create(
        started_by=weaver, kind="people", filename="people.csv", text="first_name\nAda\n",
        rows_total=1,
    )  # fmt: skip

    assert csv_import_run(run.pk) is True

    run.refresh_from_db()
    assert (run.status, run.text) == ("failed", "")
    assert "missing: email" in run.problem
    client.force_login(weaver)
    page = client.get(f"/weave/exchange/imports/{run.pk}/")
    assert b"missing: email" in page.content
    assert b'http-equiv="refresh"' not in page.content

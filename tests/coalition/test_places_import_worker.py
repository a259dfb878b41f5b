"""A long places CSV file is imported by a worker (issue #17): stored, queued through the
outbox, claimed once, and followed on a page that says its state and then its result."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from coalition.models import Place, PlaceImport
from coalition.tasks import places_import_run

pytestmark = pytest.mark.django_db

PAGE = "/network/places/add-many/"
TREE = (
    "name,parent,kind\n"
    "Veldria,,nation\n"
    "Port Maren,Veldria,city\n"
    "Harbourside,Port Maren,district\n"
    "Lakeshore,Port Maren,district\n"
)


@pytest.fixture(autouse=True)
def short_files(settings):
    # A handful of rows is "long" here.
    settings.CSV_IMPORT_INLINE_ROWS = 2


def _upload(client, steward, text: str):
    client.force_login(steward)
    upload = SimpleUploadedFile("places.csv", text.encode(), content_type="text/csv")
    return client.post(PAGE, {"form": "csv", "csv-file": upload})


def test_a_long_places_file_is_imported_by_the_task_and_the_page_says_so(client, steward):
    response = _upload(client, steward, TREE)

    run = PlaceImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/network/places/imports/{run.pk}/"
    assert (run.status, run.rows_total, run.rows_done, run.created_count) == ("done", 4, 4, 4)
    assert run.content == "" and run.finished_at is not None
    assert Place.objects.get(name="Harbourside").parent.name == "Port Maren"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b'http-equiv="refresh"' not in page.content
    assert "places.csv: 4 places added." in page.content.decode()


def test_running_the_task_twice_imports_nothing_twice(client, steward):
    _upload(client, steward, TREE)
    run = PlaceImport.objects.get()

    assert places_import_run.apply(kwargs={"import_id": run.pk}).get() is False
    assert Place.objects.filter(name="Lakeshore").count() == 1


def test_a_bad_line_fails_the_import_visibly_and_adds_nothing(client, steward):
    response = _upload(client, steward, TREE + "Dock 4,Nowhere Town,\n")

    run = PlaceImport.objects.get()
    assert run.status == "failed" and run.content == ""
    assert "no place is called “Nowhere Town”" in run.problem
    assert not Place.objects.filter(name="Veldria").exists()
    page = client.get(response["Location"])
    assert "failed" in page.content.decode() and "Nowhere Town" in page.content.decode()


def test_a_waiting_import_refreshes_itself(client, steward):
    run = PlaceImport.objects.create(started_by=steward, filename="places.csv", rows_total=400)
    client.force_login(steward)

    page = client.get(f"/network/places/imports/{run.pk}/")

    assert page.status_code == 200
    assert b'http-equiv="refresh"' in page.content
    assert b"0 of 400 rows done." in page.content


def test_a_short_file_is_still_imported_during_the_request(client, steward):
    response = _upload(client, steward, "name,parent,kind\nVeldria,,nation\n")

    assert response.status_code == 302 and response["Location"] == "/network/places/"
    assert not PlaceImport.objects.exists()
    assert Place.objects.filter(name="Veldria").exists()


def test_a_file_over_the_cap_is_refused_before_anything_is_stored(client, steward, settings):
    settings.CSV_IMPORT_MAX_ROWS = 3

    response = _upload(client, steward, TREE)

    assert response.status_code == 400
    assert "At most 3 places at once" in response.content.decode()
    assert not PlaceImport.objects.exists()

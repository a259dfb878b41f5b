"""Long prospect imports at /weave/import/ are run by a worker (issue #17): stored at the
confirmation, queued through the outbox, claimed once, saved in batches, reported on a
progress page."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from coalition.imports import import_wait_for_claim
from coalition.models import OutboxMessage, PlaceKind
from members.models import Group, ProspectImport, StageChange
from members.services import imports
from members.services.imports import ProspectRow, prospect_import_parse
from members.tasks import prospect_import_run
from tests.factories import GroupFactory, make_place
from tests.support import wait_for

pytestmark = pytest.mark.django_db

IMPORT = reverse("members:weave_import")
CONFIRM = reverse("members:weave_import_confirm")
HEADER = "name,kind,place,contact_name,contact_email,website,description\n"


@pytest.fixture(autouse=True)
def short_files(settings, monkeypatch):
    # A handful of rows is "long" here, and batches of two show progress moving.
    settings.CSV_IMPORT_INLINE_ROWS = 3
    monkeypatch.setattr(imports, "IMPORT_BATCH", 2)


@pytest.fixture
def portville(db):
    return make_place("Portville", PlaceKind.CITY)


def _file(count: int, *, bad: str = "") -> str:
    rows = "".join(
        f"Group {number},ngo,Portville,Cy {number},g{number}@example.org,,\n"
        for number in range(count)
    )
    return HEADER + rows + bad


def _preview(client, user, text: str):
    client.force_login(user)
    upload = SimpleUploadedFile("prospects.csv", text.encode(), "text/csv")
    return client.post(IMPORT, {"file": upload})


def _confirm(client, user, text: str):
    token = _preview(client, user, text).context["confirm_form"].initial["token"]
    return client.post(CONFIRM, {"token": token})


def _progress(run) -> str:
    return reverse("members:weave_import_progress", kwargs={"pk": run.pk})


def _stored(user, text: str, **fields) -> ProspectImport:
    """An import as the confirmation stores it, before any worker took it."""
    result = prospect_import_parse(data=text.encode(), filename="prospects.csv")
    return ProspectImport.objects.create(
        started_by=user, filename="prospects.csv", rows=[asdict(row) for row in result.good],
        rows_total=len(result.good), **fields,
    )  # fmt: skip


def test_a_short_import_stays_in_the_request(client, weaver, portville):
    response = _confirm(client, weaver, _file(3))

    assert response.status_code == 302
    assert response["Location"] == reverse("members:weave")
    assert Group.objects.count() == 3
    assert not ProspectImport.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_a_long_import_is_run_by_the_task_and_the_page_shows_the_result(client, weaver, portville):
    GroupFactory(name="Elsewhere", place=portville, contact_email="g9@example.org")
    text = _file(8, bad="Lost Group,ngo,Atlantis,,,,\n")
    preview = _preview(client, weaver, text)
    assert b"imported in the background" in preview.content
    # A group joins between the preview and the confirmation: its row is skipped.
    GroupFactory(name="Group 5", place=portville)

    response = client.post(CONFIRM, {"token": preview.context["confirm_form"].initial["token"]})

    run = ProspectImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/weave/import/{run.pk}/"
    assert (run.status, run.rows_total, run.rows_done) == ("done", 8, 8)
    assert (run.created_count, run.skipped_count) == (7, 1)
    assert [(error["line"], error["reason"][:20]) for error in run.row_errors] == [
        (7, "its group joined the"),
        (10, "unknown place “Atlan"),
    ]
    assert run.rows == [] and run.started_by == weaver and run.finished_at is not None
    assert Group.objects.filter(name__startswith="Group ").count() == 8
    assert StageChange.objects.filter(changed_by=weaver).count() == 7
    assert OutboxMessage.objects.get().status == "done"

    page = client.get(response["Location"])
    content = page.content.decode()
    assert page.status_code == 200
    assert 'http-equiv="refresh"' not in content
    assert "7 prospect groups created." in content
    assert "1 row skipped: it changed since the preview." in content
    assert "1 row of the file could not be imported." in content
    assert "unknown place “Atlantis”" in content


def test_running_the_task_again_on_a_finished_import_does_nothing(client, weaver, portville):
    _confirm(client, weaver, _file(5))
    run = ProspectImport.objects.get()
    finished_at = run.finished_at

    assert prospect_import_run(run.pk) is False

    run.refresh_from_db()
    assert (run.status, run.created_count, run.finished_at) == ("done", 5, finished_at)
    assert Group.objects.count() == 5


def test_a_running_import_whose_worker_was_lost_resumes_after_its_last_batch(weaver, portville):
    text = _file(6)
    run = _stored(
        weaver, text, status="running", started_at=timezone.now() - timedelta(hours=1),
        rows_done=2, created_count=2,
    )  # fmt: skip
    # What the lost worker committed with its first batch.
    imports.prospect_import_commit(
        rows=[ProspectRow(**row) for row in run.rows[:2]], by=weaver, filename="prospects.csv"
    )

    assert prospect_import_run(run.pk) is True

    run.refresh_from_db()
    assert (run.status, run.rows_done, run.created_count, run.skipped_count) == ("done", 6, 6, 0)
    assert Group.objects.count() == 6


def test_a_lost_import_started_over_creates_no_duplicates(weaver, portville):
    # The worker died after saving a batch but before its progress was known.
    run = _stored(weaver, _file(4), status="running", started_at=timezone.now() - timedelta(1))
    imports.prospect_import_commit(
        rows=[ProspectRow(**row) for row in run.rows[:2]], by=weaver, filename="prospects.csv"
    )

    assert prospect_import_run(run.pk) is True

    run.refresh_from_db()
    assert (run.status, run.created_count, run.skipped_count) == ("done", 2, 2)
    assert Group.objects.count() == 4


def test_a_running_import_within_the_time_limit_is_left_to_its_worker(weaver, portville):
    run = _stored(weaver, _file(4), status="running", started_at=timezone.now())

    assert prospect_import_run(run.pk) is False

    assert not Group.objects.exists()
    assert ProspectImport.objects.get().status == "running"


def test_the_progress_page_refreshes_itself_until_the_import_is_done(client, weaver, portville):
    run = _stored(weaver, _file(6), status="running", started_at=timezone.now(), rows_done=2)
    client.force_login(weaver)

    page = client.get(_progress(run))

    assert page.status_code == 200
    assert b'<meta http-equiv="refresh" content="2">' in page.content
    assert b"2 of 6 rows done." in page.content
    assert b"Refresh now" in page.content


def test_a_failed_import_says_why_and_what_was_created(client, weaver, portville):
    run = _stored(weaver, _file(4), rows_done=2, created_count=2)
    run.rows[2]["name"] = "  "  # a row no group can be created from
    run.save(update_fields=["rows"])

    assert prospect_import_run(run.pk) is True

    run.refresh_from_db()
    assert (run.status, run.rows) == ("failed", [])
    client.force_login(weaver)
    content = client.get(_progress(run)).content.decode()
    assert "A group needs a name." in content
    assert "2 prospect groups were created before it stopped." in content
    assert 'http-equiv="refresh"' not in content


def test_another_weaver_may_follow_an_import_others_may_not(
    client, weaver, steward, make_person, portville
):
    _confirm(client, weaver, _file(5))
    run = ProspectImport.objects.get()
    client.force_login(steward)
    assert client.get(_progress(run)).status_code == 200
    assert client.get(f"/weave/import/{run.pk + 1}/").status_code == 404

    client.force_login(make_person("member@example.net"))
    assert client.get(_progress(run)).status_code == 403
    client.logout()
    assert client.get(_progress(run)).status_code == 302


def test_a_bad_file_is_still_refused_with_its_message(client, weaver, portville):
    response = _preview(client, weaver, "name,kind\nGroup,ngo\n")

    assert response.status_code == 400
    assert "missing column: place" in response.content.decode()
    assert not ProspectImport.objects.exists()


def _queries(client, run, django_assert_num_queries, count: int) -> None:
    with django_assert_num_queries(count):
        assert client.get(_progress(run)).status_code == 200


@pytest.mark.parametrize("status", ["running", "done"])
def test_the_progress_page_takes_the_same_queries_whatever_the_size(
    client, weaver, django_assert_num_queries, status
):
    client.force_login(weaver)
    small = ProspectImport.objects.create(
        started_by=weaver, filename="a.csv", status=status, rows_total=4,
        row_errors=[{"line": 2, "reason": "bad"}], rows=[{"name": "x"}],
    )  # fmt: skip
    large = ProspectImport.objects.create(
        started_by=weaver, filename="b.csv", status=status, rows_total=5000,
        row_errors=[{"line": n, "reason": "bad"} for n in range(2, 2000)],
        rows=[{"name": f"x{n}"} for n in range(3000)],
    )  # fmt: skip
    client.get(_progress(small))  # the session and the roles, read once per request

    _queries(client, small, django_assert_num_queries, 5)
    _queries(client, large, django_assert_num_queries, 5)


class _Retried(Exception):
    pass


class _WorkerTask:
    """Just what import_wait_for_claim reads of a bound Celery task on a real worker."""

    app = SimpleNamespace(conf=SimpleNamespace(task_always_eager=False))
    max_retries = 3

    def __init__(self, retries: int = 0):
        self.request = SimpleNamespace(retries=retries)

    def retry(self, countdown: int):
        return _Retried(countdown)


def test_a_copy_finding_the_import_held_waits_until_the_claim_may_be_taken_over(
    weaver, portville, settings
):
    run = _stored(weaver, _file(4), status="running", started_at=timezone.now())

    with pytest.raises(_Retried) as retried:
        import_wait_for_claim(_WorkerTask(), ProspectImport, pk=run.pk)

    assert retried.value.args == (settings.CELERY_TASK_TIME_LIMIT + 1,)
    # After its last retry, or once the import is finished, it gives up quietly.
    import_wait_for_claim(_WorkerTask(retries=3), ProspectImport, pk=run.pk)
    ProspectImport.objects.filter(pk=run.pk).update(status="done")
    import_wait_for_claim(_WorkerTask(), ProspectImport, pk=run.pk)


@pytest.mark.postgres
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_imports_a_long_preview_handed_over_through_the_outbox(
    celery_worker_process, weaver, portville
):
    # The worker process saves in batches of 200: 450 rows take three.
    rows = prospect_import_parse(data=_file(450).encode(), filename="prospects.csv").good
    with transaction.atomic():
        run = imports.prospect_import_start(
            rows=rows, errors=[], filename="prospects.csv", by=weaver
        )

    def finished():
        run.refresh_from_db()
        return run.finished

    wait_for(finished, timeout=60)
    assert (run.status, run.rows_done, run.created_count) == ("done", 450, 450)
    assert Group.objects.filter(name__startswith="Group ").count() == 450
    assert OutboxMessage.objects.get().status == "done"

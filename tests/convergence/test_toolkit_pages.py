"""Toolkit pages: coordinators add items and versions; files are served as downloads only."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from convergence.models import DayStatus, ToolkitItem
from convergence.services.toolkit import toolkit_item_add, toolkit_item_update
from tests.factories import make_day

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
EDIT_PAGE_QUERIES = 11
PEOPLE = [
    None,
    "outsider",
    "group_member",
    "group_admin",
    "weaver",
    "steering_member",
    "coordinator",
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def day(place):
    return make_day(places=[place], status=DayStatus.DRAFT)


def _login(client, request, person):
    if person:
        client.force_login(request.getfixturevalue(person))


def _add(day, **fields) -> dict:
    data = {"toolkit-kind": "points", "toolkit-title": "Talking points", "toolkit-text": "Air!"}
    data.update({f"toolkit-{key}": value for key, value in fields.items()})
    return data


def test_the_toolkit_addresses():
    assert reverse("convergence:toolkit_add", args=["d"]) == "/days/d/toolkit/add/"
    assert reverse("convergence:toolkit_version", args=["d", 3]) == "/days/d/toolkit/3/version/"
    key = "0b9e4f4e-3c1a-4d2b-9f6a-2f7f3c1d5e8a"
    assert reverse("convergence:toolkit_file", args=["d", key]) == f"/days/d/toolkit/files/{key}/"


@pytest.mark.parametrize(
    ("person", "expected"),
    list(zip(PEOPLE, [302, 403, 403, 403, 403, 302, 302], strict=True)),
)
def test_who_may_add_to_the_toolkit(client, request, day, person, expected):
    _login(client, request, person)

    response = client.post(reverse("convergence:toolkit_add", args=[day.slug]), _add(day))

    assert response.status_code == expected
    if person is None:
        assert response["Location"].startswith(reverse("account_login"))
    added = ToolkitItem.objects.filter(day=day).exists()
    assert added == (person in {"steering_member", "coordinator"})


@pytest.mark.parametrize(
    ("person", "expected"),
    list(zip(PEOPLE, [302, 403, 403, 403, 403, 302, 302], strict=True)),
)
def test_who_may_make_a_new_version(client, request, coordinator, day, person, expected):
    item = toolkit_item_add(day=day, kind="points", title="T", text="one", by=coordinator)
    _login(client, request, person)

    response = client.post(
        reverse("convergence:toolkit_version", args=[day.slug, item.pk]),
        {f"item-{item.pk}-title": "T", f"item-{item.pk}-text": "two"},
    )

    assert response.status_code == expected
    assert item.versions.count() == (2 if person in {"steering_member", "coordinator"} else 1)


def test_a_coordinator_adds_a_file_and_sees_it_listed(client, coordinator, day):
    client.force_login(coordinator)

    response = client.post(
        reverse("convergence:toolkit_add", args=[day.slug]),
        _add(day, kind="file", title="Flyer", text="", file=SimpleUploadedFile("flyer.pdf", PDF)),
        follow=True,
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "The item is added to the toolkit." in page
    version = ToolkitItem.objects.get(day=day).current
    assert reverse("convergence:toolkit_file", args=[day.slug, version.key]) in page


def test_a_pdf_that_is_really_a_page_is_refused_on_the_page(client, coordinator, day):
    client.force_login(coordinator)

    response = client.post(
        reverse("convergence:toolkit_add", args=[day.slug]),
        _add(day, kind="file", title="Flyer", file=SimpleUploadedFile("flyer.pdf", HTML)),
    )

    assert response.status_code == 400
    assert "Only PDF, images (PNG, JPEG, GIF), text and office documents can be uploaded." in (
        response.content.decode()
    )
    assert not ToolkitItem.objects.exists()


def test_an_oversized_upload_is_refused_on_the_page(client, coordinator, day, settings):
    settings.TOOLKIT_MAX_UPLOAD_MB = 1
    client.force_login(coordinator)

    response = client.post(
        reverse("convergence:toolkit_add", args=[day.slug]),
        _add(
            day,
            kind="file",
            title="Big",
            file=SimpleUploadedFile("big.pdf", PDF + b"0" * (3 * 1024 * 1024)),
        ),
    )

    assert response.status_code == 400
    assert "This file is 4 MB; the limit is 1 MB." in response.content.decode()


def test_a_bad_kind_or_missing_title_is_answered_with_the_form(client, coordinator, day):
    client.force_login(coordinator)

    response = client.post(
        reverse("convergence:toolkit_add", args=[day.slug]), _add(day, kind="macro", title="")
    )

    assert response.status_code == 400
    assert not ToolkitItem.objects.exists()


def test_a_new_version_through_the_page_keeps_the_old_one_listed(client, coordinator, day):
    item = toolkit_item_add(
        day=day, kind="points", title="Points", text="First draft", by=coordinator
    )
    client.force_login(coordinator)

    response = client.post(
        reverse("convergence:toolkit_version", args=[day.slug, item.pk]),
        {f"item-{item.pk}-title": "Points", f"item-{item.pk}-text": "Second draft"},
        follow=True,
    )

    page = response.content.decode()
    assert "Version 2 of “Points” is now the one hosts see." in page
    assert "First draft" in page and "Second draft" in page
    item.refresh_from_db()
    assert item.current.number == 2


def test_a_version_of_another_days_item_is_not_found(client, coordinator, day, place):
    other = make_day(places=[place], slug="other-day")
    item = toolkit_item_add(day=other, kind="points", title="T", text="x", by=coordinator)
    client.force_login(coordinator)

    response = client.post(
        reverse("convergence:toolkit_version", args=[day.slug, item.pk]),
        {f"item-{item.pk}-title": "T", f"item-{item.pk}-text": "y"},
    )

    assert response.status_code == 404
    assert item.versions.count() == 1


def test_a_bad_new_version_is_answered_on_the_edit_page(client, coordinator, day):
    item = toolkit_item_add(
        day=day, kind="link", title="Facts", url="https://example.org", by=coordinator
    )
    client.force_login(coordinator)

    response = client.post(
        reverse("convergence:toolkit_version", args=[day.slug, item.pk]),
        {f"item-{item.pk}-title": "Facts", f"item-{item.pk}-url": "javascript:alert(1)"},
    )

    assert response.status_code == 400
    assert "starting with https://" in response.content.decode()
    assert item.versions.count() == 1


@pytest.mark.parametrize("size", [3, 30])
def test_the_edit_page_lists_versions_in_a_fixed_number_of_queries(
    client, coordinator, place, size, django_assert_num_queries
):
    day = make_day(places=[place], status=DayStatus.DRAFT)
    for n in range(size):
        item = toolkit_item_add(day=day, kind="points", title=f"P{n}", text="a", by=coordinator)
        toolkit_item_update(item=item, text="b", by=coordinator)
    client.force_login(coordinator)
    url = reverse("convergence:day_edit", args=[day.slug])

    # session, person, roles, the day, its places and hub groups, the choices of
    # places and hub groups, the toolkit items and their versions, the coalition
    with django_assert_num_queries(EDIT_PAGE_QUERIES):
        response = client.get(url)

    assert response.status_code == 200
    assert response.content.decode().count("Make a new version") == size


# --- Serving files -------------------------------------------------------------


def _file_version(day, coordinator, content=PDF, name="flyer.pdf"):
    item = toolkit_item_add(
        day=day,
        kind="file",
        title="Flyer",
        file=SimpleUploadedFile(name, content),
        by=coordinator,
    )
    return item.current


@pytest.mark.parametrize("person", PEOPLE)
def test_a_published_days_files_are_downloads_for_everyone(
    client, request, coordinator, place, person
):
    day = make_day(places=[place], status=DayStatus.OPEN)
    version = _file_version(day, coordinator)
    _login(client, request, person)

    response = client.get(reverse("convergence:toolkit_file", args=[day.slug, version.key]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "flyer" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("person", "expected"),
    list(zip(PEOPLE, [404, 404, 404, 404, 404, 200, 200], strict=True)),
)
def test_a_drafts_files_are_only_for_coordinators(
    client, request, coordinator, day, person, expected
):
    version = _file_version(day, coordinator)
    _login(client, request, person)

    response = client.get(reverse("convergence:toolkit_file", args=[day.slug, version.key]))

    assert response.status_code == expected


def test_a_file_is_found_only_under_its_own_day(client, coordinator, place):
    day = make_day(places=[place], status=DayStatus.OPEN)
    draft = make_day(places=[place], status=DayStatus.DRAFT, slug="secret-draft")
    version = _file_version(draft, coordinator)

    response = client.get(reverse("convergence:toolkit_file", args=[day.slug, version.key]))

    assert response.status_code == 404


def test_a_version_without_a_file_is_not_found(client, coordinator, place):
    day = make_day(places=[place], status=DayStatus.OPEN)
    item = toolkit_item_add(day=day, kind="points", title="T", text="x", by=coordinator)

    response = client.get(reverse("convergence:toolkit_file", args=[day.slug, item.current.key]))

    assert response.status_code == 404


def test_a_file_missing_from_the_disk_is_not_found(client, coordinator, place, media):
    day = make_day(places=[place], status=DayStatus.OPEN)
    version = _file_version(day, coordinator)
    (media / version.file.name).unlink()

    response = client.get(reverse("convergence:toolkit_file", args=[day.slug, version.key]))

    assert response.status_code == 404


def test_text_files_are_downloads_too(client, coordinator, place):
    day = make_day(places=[place], status=DayStatus.OPEN)
    version = _file_version(day, coordinator, content=b"plain words", name="points.txt")

    response = client.get(reverse("convergence:toolkit_file", args=[day.slug, version.key]))

    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")


def test_earlier_versions_stay_downloadable(client, coordinator, place):
    day = make_day(places=[place], status=DayStatus.OPEN)
    first = _file_version(day, coordinator)
    toolkit_item_update(
        item=first.item,
        file=SimpleUploadedFile("flyer.pdf", b"%v2\n".join([PDF[:9], PDF[9:]])),
        by=coordinator,
    )

    response = client.get(reverse("convergence:toolkit_file", args=[day.slug, first.key]))

    assert b"".join(response.streaming_content) == PDF


def test_a_file_cannot_be_fetched_by_its_sequential_number(client, coordinator, place):
    day = make_day(places=[place], status=DayStatus.OPEN)
    version = _file_version(day, coordinator)

    by_number = client.get(f"/days/{day.slug}/toolkit/files/{version.pk}/")
    by_key = client.get(f"/days/{day.slug}/toolkit/files/{version.key}/")

    assert by_number.status_code == 404
    assert by_key.status_code == 200
    assert str(version.key) not in {str(version.pk), str(version.number)}
    assert len(version.key.hex) == 32

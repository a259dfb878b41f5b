"""The toolkit: items keep every version; uploads are checked by extension and content."""

from __future__ import annotations

import io
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from coalition.errors import RuleBroken
from convergence.models import ToolkitItem, ToolkitKind, ToolkitVersion
from convergence.services.toolkit import toolkit_item_add, toolkit_item_update
from tests.factories import make_day

pytestmark = pytest.mark.django_db

WRONG_TYPE = "Only PDF, images (PNG, JPEG, GIF), text and office documents can be uploaded."
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")


# A real 1×1 PNG: signature, IHDR, IDAT, IEND.
PNG = (
    b"\x89PNG\r\n\x1a\n"
    + _chunk(b"IHDR", (1).to_bytes(4, "big") * 2 + b"\x08\x02\x00\x00\x00")
    + _chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
    + _chunk(b"IEND", b"")
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
GIF = b"GIF89a" + b"\x00" * 40
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries:
            archive.writestr(name, content)
    return buffer.getvalue()


ODT = _zip(
    [
        ("mimetype", b"application/vnd.oasis.opendocument.text"),
        ("content.xml", b"<office:document-content/>"),
    ]
)
DOCX = _zip([("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w:document/>")])
PPTX = _zip([("[Content_Types].xml", b"<Types/>"), ("ppt/presentation.xml", b"<p:presentation/>")])


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def day(place):
    return make_day(places=[place])


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_a_talking_point_is_added_with_its_first_version(coordinator, day):
    item = toolkit_item_add(
        day=day,
        kind=ToolkitKind.TALKING_POINTS,
        title="Talking points",
        text="Air!",
        by=coordinator,
    )

    assert item.current.number == 1
    assert item.current.text == "Air!"
    assert item.current.created_by == coordinator
    assert item.position == 0


def test_items_are_added_in_order(coordinator, day):
    first = toolkit_item_add(day=day, kind="points", title="One", text="1", by=coordinator)
    second = toolkit_item_add(day=day, kind="points", title="Two", text="2", by=coordinator)

    assert (first.position, second.position) == (0, 1)


def test_every_change_is_a_new_version_and_earlier_ones_are_kept(coordinator, day):
    item = toolkit_item_add(day=day, kind="points", title="Points", text="First", by=coordinator)

    second = toolkit_item_update(item=item, text="Second", by=coordinator)
    third = toolkit_item_update(item=item, text="Third", title="Better points", by=coordinator)

    item.refresh_from_db()
    assert item.current == third
    assert item.title == "Better points"
    assert [(v.number, v.text) for v in item.versions.order_by("number")] == [
        (1, "First"),
        (2, "Second"),
        (3, "Third"),
    ]
    assert second.created_at <= third.created_at


def test_a_new_version_without_a_new_file_keeps_the_file(coordinator, day):
    item = toolkit_item_add(
        day=day, kind="file", title="Flyer", file=upload("flyer.pdf", PDF), by=coordinator
    )

    version = toolkit_item_update(item=item, text="Print it in colour", by=coordinator)

    assert version.number == 2
    assert version.file.name == item.versions.get(number=1).file.name
    assert version.content_type == "application/pdf"
    assert version.size == len(PDF)


def test_a_new_file_makes_a_new_version_and_the_old_file_stays(coordinator, day, media):
    item = toolkit_item_add(
        day=day, kind="file", title="Flyer", file=upload("flyer.pdf", PDF), by=coordinator
    )
    newer = PDF.replace(b"1.7", b"2.0")

    version = toolkit_item_update(item=item, file=upload("flyer.pdf", newer), by=coordinator)

    first = item.versions.get(number=1)
    assert version.file.name != first.file.name
    assert (media / first.file.name).read_bytes() == PDF
    assert (media / version.file.name).read_bytes() == newer
    assert version.file.name.startswith(f"toolkit/{day.pk}/{item.pk}/")


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("flyer.pdf", PDF, "application/pdf"),
        ("poster.PNG", PNG, "image/png"),
        ("photo.jpg", JPEG, "image/jpeg"),
        ("photo.jpeg", JPEG, "image/jpeg"),
        ("banner.gif", GIF, "image/gif"),
        ("points.txt", "Air for all — l’air pour tous".encode(), "text/plain; charset=utf-8"),
        ("places.csv", b"place,events\nPort Maren,3\n", "text/csv; charset=utf-8"),
        ("guide.odt", ODT, "application/vnd.oasis.opendocument.text"),
        (
            "guide.docx",
            DOCX,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "slides.pptx",
            PPTX,
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
    ],
)
def test_allowed_files_are_kept_with_their_real_type(coordinator, day, name, content, content_type):
    item = toolkit_item_add(
        day=day, kind="file", title="A file", file=upload(name, content), by=coordinator
    )

    assert item.current.content_type == content_type
    assert item.current.size == len(content)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("flyer.pdf", HTML),  # a page pretending to be a PDF
        ("poster.png", PDF),  # a PDF named as an image
        ("logo.svg", SVG),  # SVG can carry scripts: never
        ("page.html", HTML),
        ("notes.txt", HTML),  # a page pretending to be text
        ("notes.txt", b"\x00\x01binary\x00"),
        ("guide.docx", ODT),  # an ODF document named as Word
        ("guide.odt", DOCX),
        ("guide.docx", b"PK\x03\x04 not really a zip"),
        ("slides.pptx", DOCX),
        ("virus.exe", b"MZ\x90\x00"),
        ("noextension", PDF),
        ("flyer.pdf.exe", PDF),
    ],
)
def test_wrong_types_are_refused_whatever_their_name(coordinator, day, name, content):
    with pytest.raises(RuleBroken) as refused:
        toolkit_item_add(
            day=day, kind="file", title="A file", file=upload(name, content), by=coordinator
        )

    assert refused.value.message == WRONG_TYPE
    assert refused.value.field == "file"
    assert not ToolkitItem.objects.exists()


def test_an_oversized_file_is_refused_with_its_size_and_the_limit(coordinator, day):
    big = upload("big.pdf", PDF + b"0" * (14 * 1024 * 1024 - len(PDF)))

    with pytest.raises(RuleBroken) as refused:
        toolkit_item_add(day=day, kind="file", title="Big", file=big, by=coordinator)

    assert refused.value.message == "This file is 14 MB; the limit is 10 MB."
    assert not ToolkitVersion.objects.exists()


def test_the_limit_is_a_setting(coordinator, day, settings):
    settings.TOOLKIT_MAX_UPLOAD_MB = 1
    file = upload("two.pdf", PDF + b"0" * (2 * 1024 * 1024))

    with pytest.raises(RuleBroken, match="the limit is 1 MB"):
        toolkit_item_add(day=day, kind="file", title="Two", file=file, by=coordinator)


def test_a_file_of_exactly_the_limit_is_taken(coordinator, day, settings):
    settings.TOOLKIT_MAX_UPLOAD_MB = 1
    padding = b"%" + b"0" * (1024 * 1024 - len(PDF) - 2) + b"\n"
    file = upload("one.pdf", PDF[:9] + padding + PDF[9:])

    item = toolkit_item_add(day=day, kind="file", title="One", file=file, by=coordinator)

    assert item.current.size == 1024 * 1024


def test_an_empty_file_is_refused(coordinator, day):
    with pytest.raises(RuleBroken, match="This file is empty"):
        toolkit_item_add(
            day=day, kind="file", title="Empty", file=upload("e.pdf", b""), by=coordinator
        )


def test_an_oversized_new_version_is_refused_and_the_current_one_stays(coordinator, day, settings):
    item = toolkit_item_add(
        day=day, kind="file", title="F", file=upload("f.pdf", PDF), by=coordinator
    )
    settings.TOOLKIT_MAX_UPLOAD_MB = 1

    with pytest.raises(RuleBroken, match="limit is 1 MB"):
        toolkit_item_update(
            item=item, file=upload("f.pdf", PDF + b"0" * 2 * 1024 * 1024), by=coordinator
        )

    item.refresh_from_db()
    assert item.current.number == 1
    assert item.versions.count() == 1


def test_a_file_name_is_made_safe(coordinator, day):
    item = toolkit_item_add(
        day=day,
        kind="file",
        title="F",
        file=upload('../../etc/<flyer> "final".pdf', PDF),
        by=coordinator,
    )

    stored = item.current.file.name
    assert stored.startswith(f"toolkit/{day.pk}/{item.pk}/")
    assert ".." not in stored and "<" not in stored and '"' not in stored
    assert stored.endswith(".pdf")


def test_a_link_needs_a_web_address(coordinator, day):
    with pytest.raises(RuleBroken) as refused:
        toolkit_item_add(day=day, kind="link", title="Facts", by=coordinator)
    assert refused.value.field == "url"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.org/x", "not a url"])
def test_only_web_links_are_taken(coordinator, day, url):
    with pytest.raises(RuleBroken) as refused:
        toolkit_item_add(day=day, kind="link", title="Facts", url=url, by=coordinator)
    assert refused.value.field == "url"


def test_a_file_item_needs_a_file(coordinator, day):
    with pytest.raises(RuleBroken) as refused:
        toolkit_item_add(day=day, kind="graphic", title="Poster", text="soon", by=coordinator)
    assert refused.value.field == "file"


def test_an_item_needs_some_content(coordinator, day):
    with pytest.raises(RuleBroken, match="Give the item some content"):
        toolkit_item_add(day=day, kind="points", title="Nothing", by=coordinator)


def test_oversized_text_and_titles_are_refused(coordinator, day):
    with pytest.raises(RuleBroken) as refused:
        toolkit_item_add(day=day, kind="points", title="T", text="x" * 20_001, by=coordinator)
    assert refused.value.field == "text"
    with pytest.raises(RuleBroken) as refused:
        toolkit_item_add(day=day, kind="points", title="x" * 161, text="x", by=coordinator)
    assert refused.value.field == "title"


def test_an_unknown_kind_is_refused(coordinator, day):
    with pytest.raises(RuleBroken) as refused:
        toolkit_item_add(day=day, kind="macro", title="T", text="x", by=coordinator)
    assert refused.value.field == "kind"


@pytest.mark.parametrize("person", ["weaver", "group_admin", "outsider"])
def test_only_coordinators_and_steering_edit_the_toolkit(request, person, coordinator, day):
    someone = request.getfixturevalue(person)
    with pytest.raises(RuleBroken):
        toolkit_item_add(day=day, kind="points", title="T", text="x", by=someone)
    item = toolkit_item_add(day=day, kind="points", title="T", text="x", by=coordinator)
    with pytest.raises(RuleBroken):
        toolkit_item_update(item=item, text="y", by=someone)
    assert item.versions.count() == 1


# --- Polyglots: one file that another program opens as a second format ----------

ZIP_END = b"PK\x05\x06" + b"\x00" * 18


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("poster.png", PNG + b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n"),
        ("poster.png", PNG + b"PK\x03\x04" + b"\x00" * 26 + ZIP_END),
        ("poster.png", PNG[:33] + _chunk(b"tEXt", b"c\x00%PDF-1.7 ") + PNG[33:]),
        ("poster.png", PNG[:-12]),
        ("flyer.pdf", PDF + b"PK\x03\x04" + b"\x00" * 26 + ZIP_END),
        ("flyer.pdf", PDF + PNG),
        ("flyer.pdf", PNG + PDF),
        ("photo.jpg", JPEG + b"%PDF-1.7\n%%EOF\n"),
        ("photo.gif", GIF + ZIP_END),
        ("points.txt", b"notes %PDF-1.4 trailer %%EOF"),
    ],
    ids=[
        "pdf-after-png-iend",
        "zip-after-png-iend",
        "pdf-header-in-png-chunk",
        "png-without-iend",
        "zip-after-pdf-eof",
        "png-after-pdf-eof",
        "pdf-starting-with-png-bytes",
        "pdf-header-in-jpeg",
        "zip-in-gif",
        "pdf-header-in-text",
    ],
)
def test_polyglots_are_refused(coordinator, day, name, content):
    with pytest.raises(RuleBroken, match="Only PDF, images"):
        toolkit_item_add(
            day=day, kind="file", title="Poly", file=upload(name, content), by=coordinator
        )


def test_a_real_png_and_a_pdf_with_an_incremental_update_are_taken(coordinator, day):
    updated = PDF + b"2 0 obj << >> endobj\ntrailer << >>\n%%EOF\r\n"

    png = toolkit_item_add(
        day=day, kind="graphic", title="P", file=upload("p.png", PNG), by=coordinator
    )
    pdf = toolkit_item_add(
        day=day, kind="file", title="F", file=upload("f.pdf", updated), by=coordinator
    )

    assert png.current.content_type == "image/png"
    assert pdf.current.content_type == "application/pdf"

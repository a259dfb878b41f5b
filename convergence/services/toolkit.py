"""A day of action's toolkit: items whose every change is a new, kept version.

Uploaded files are checked twice: by their extension and by what their bytes
really are, so a page disguised as a PDF, or a script disguised as an image,
is refused; so are polyglots, files that another program opens as a second
format (a PNG with bytes after IEND, a PDF header or a ZIP inside an image).
They are only ever served as downloads (see
``convergence.views.events.toolkit_file``), never shown as pages.
"""

from __future__ import annotations

import math
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from coalition.errors import RuleBroken
from coalition.permissions import can_coordinate
from convergence.models import DayOfAction, ToolkitItem, ToolkitKind, ToolkitVersion

TITLE_MAX = 160
TEXT_MAX = 20_000
URL_MAX = 200
FILENAME_MAX = 100
MEGABYTE = 1024 * 1024
# Enough of the file to recognise any of the formats below.
_SNIFF_BYTES = 8192
# An office document lists a few dozen parts; a "document" listing thousands
# is not one we want to open (and reading its names must stay cheap).
_ZIP_MAX_ENTRIES = 5000

_MARKUP = re.compile(rb"^\s*<(!doctype|html|head|body|script|svg|\?xml|iframe|object)", re.I)


def _is_pdf(head: bytes, file) -> bool:
    """Starts as a PDF, and nothing but padding follows its last ``%%EOF`` (where a PDF
    polyglot hides its other file)."""
    if not head.startswith(b"%PDF-"):
        return False
    tail = _tail(file, 1024)
    marker = tail.rfind(b"%%EOF")
    return marker >= 0 and not tail[marker + 5 :].strip(b" \t\r\n\x00")


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _is_png(head: bytes, file) -> bool:
    """A PNG whose chunks, walked from the signature, end with IEND at the end of the file.

    Bytes after IEND are how a PNG carries a second format (a ZIP, a PDF) that
    another program would open; a truncated walk is not a PNG either.
    """
    if not head.startswith(_PNG_SIGNATURE):
        return False
    file.seek(0, 2)
    end = file.tell()
    position = len(_PNG_SIGNATURE)
    try:
        while position + 12 <= end:
            file.seek(position)
            header = file.read(8)
            length, kind = int.from_bytes(header[:4], "big"), header[4:]
            position += 12 + length
            if kind == b"IEND":
                return length == 0 and position == end
        return False
    finally:
        file.seek(0)


def _is_jpeg(head: bytes, _file) -> bool:
    return head.startswith(b"\xff\xd8\xff")


def _is_gif(head: bytes, _file) -> bool:
    return head.startswith((b"GIF87a", b"GIF89a"))


def _is_text(head: bytes, _file) -> bool:
    """Plain text: UTF-8 (a character cut at the end of the sample is fine), no NUL, no markup."""
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as problem:
        if problem.start < len(head) - 3:
            return False
    # Served as text/plain with nosniff it would not run anyway; a page
    # pretending to be text is still refused, so nothing else ever serves it.
    return not _MARKUP.match(head.removeprefix(b"\xef\xbb\xbf"))


def _zip_names(file) -> list[str] | None:
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            infos = archive.infolist()
            if len(infos) > _ZIP_MAX_ENTRIES:
                return None
            names = [info.filename for info in infos]
            if names and names[0] == "mimetype":
                # ODF keeps its type, uncompressed, in the first entry.
                with archive.open(infos[0]) as entry:
                    names[0] = "mimetype:" + entry.read(100).decode("ascii", "replace")
            return names
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    finally:
        file.seek(0)


def _office(*, odf_type: str = "", ooxml_folder: str = ""):
    def check(head: bytes, file) -> bool:
        if not head.startswith(b"PK\x03\x04"):
            return False
        names = _zip_names(file)
        if not names:
            return False
        if odf_type:
            return names[0] == f"mimetype:application/vnd.oasis.opendocument.{odf_type}"
        return "[Content_Types].xml" in names and any(
            name.startswith(ooxml_folder) for name in names
        )

    return check


def _tail(file, size: int) -> bytes:
    file.seek(0, 2)
    end = file.tell()
    file.seek(max(0, end - size))
    tail = file.read(size)
    file.seek(0)
    return tail


# A PDF reader finds "%PDF-" anywhere in the first 1024 bytes, and a ZIP reader
# finds its end record in the last 64 KB (plus a comment): where either sits in
# another kind of file, it is a polyglot that opens as something else.
_PDF_WINDOW = 1024
_ZIP_WINDOW = 66 * 1024


def _is_polyglot(suffix: str, head: bytes, file) -> bool:
    zipped = suffix in {".odt", ".docx", ".pptx"}
    if suffix != ".pdf" and b"%PDF-" in head[:_PDF_WINDOW]:
        return True
    return not zipped and b"PK\x05\x06" in _tail(file, _ZIP_WINDOW)


@dataclass(frozen=True)
class FileType:
    content_type: str
    sniff: object  # (first bytes, file) -> bool


# Allowed by extension AND by content. No SVG: it can carry scripts.
FILE_TYPES: dict[str, FileType] = {
    ".pdf": FileType("application/pdf", _is_pdf),
    ".png": FileType("image/png", _is_png),
    ".jpg": FileType("image/jpeg", _is_jpeg),
    ".jpeg": FileType("image/jpeg", _is_jpeg),
    ".gif": FileType("image/gif", _is_gif),
    ".txt": FileType("text/plain; charset=utf-8", _is_text),
    ".csv": FileType("text/csv; charset=utf-8", _is_text),
    ".odt": FileType("application/vnd.oasis.opendocument.text", _office(odf_type="text")),
    ".docx": FileType(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _office(ooxml_folder="word/"),
    ),
    ".pptx": FileType(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        _office(ooxml_folder="ppt/"),
    ),
}


def max_upload_bytes() -> int:
    return settings.TOOLKIT_MAX_UPLOAD_MB * MEGABYTE


def _wrong_type() -> RuleBroken:
    return RuleBroken(
        _("Only PDF, images (PNG, JPEG, GIF), text and office documents can be uploaded."),
        field="file",
    )


@dataclass(frozen=True)
class CheckedFile:
    file: UploadedFile
    name: str
    content_type: str
    size: int


def toolkit_file_check(file: UploadedFile) -> CheckedFile:
    """The upload's safe name, real type and size, or RuleBroken saying what is wrong."""
    size = file.size or 0
    limit = settings.TOOLKIT_MAX_UPLOAD_MB
    if size > limit * MEGABYTE:
        raise RuleBroken(
            _("This file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": math.ceil(size / MEGABYTE), "limit": limit},
            field="file",
        )
    if size == 0:
        raise RuleBroken(_("This file is empty."), field="file")
    original = PurePath((file.name or "").replace("\\", "/")).name
    suffix = PurePath(original).suffix.lower()
    kind = FILE_TYPES.get(suffix)
    if kind is None:
        raise _wrong_type()
    file.seek(0)
    head = file.read(_SNIFF_BYTES)
    file.seek(0)
    if not kind.sniff(head, file) or _is_polyglot(suffix, head, file):
        raise _wrong_type()
    stem = get_valid_filename(PurePath(original).stem)[: FILENAME_MAX - len(suffix)] or "file"
    return CheckedFile(file=file, name=stem + suffix, content_type=kind.content_type, size=size)


def _check_can_coordinate(by) -> None:
    if not can_coordinate(by):
        raise RuleBroken(_("Only coordinators and the steering committee edit the toolkit."))


def _check_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise RuleBroken(_("Give the item a title."), field="title")
    if len(title) > TITLE_MAX:
        raise RuleBroken(
            _("A title is at most %(max)s characters.") % {"max": TITLE_MAX}, field="title"
        )
    return title


def _check_text(text: str) -> str:
    if len(text) > TEXT_MAX:
        raise RuleBroken(
            _("This text is %(length)s characters long; the limit is %(max)s.")
            % {"length": len(text), "max": TEXT_MAX},
            field="text",
        )
    return text.strip()


def _check_url(url: str) -> str:
    url = url.strip()
    if not url:
        return ""
    if len(url) > URL_MAX:
        raise RuleBroken(_("A link is at most %(max)s characters.") % {"max": URL_MAX}, field="url")
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise RuleBroken(
            _("Give a full web address, starting with https:// or http://."), field="url"
        ) from None
    return url


def _check_content(kind: str, *, text: str, url: str, has_file: bool) -> None:
    if kind == ToolkitKind.LINK and not url:
        raise RuleBroken(_("A link needs its web address."), field="url")
    if kind in (ToolkitKind.FILE, ToolkitKind.GRAPHIC) and not has_file:
        raise RuleBroken(_("Upload the file."), field="file")
    if not (text or url or has_file):
        raise RuleBroken(_("Give the item some content: a text, a link or a file."), field="text")


def _new_version(
    item: ToolkitItem,
    *,
    number: int,
    text: str,
    url: str,
    checked: CheckedFile | None,
    by,
    keep_file_of: ToolkitVersion | None = None,
) -> ToolkitVersion:
    version = ToolkitVersion(item=item, number=number, text=text, url=url, created_by=by)
    if checked is not None:
        version.content_type = checked.content_type
        version.size = checked.size
        # Saved under MEDIA_ROOT/toolkit/<day>/<item>/; the storage renames on a clash.
        version.file.save(checked.name, checked.file, save=False)
    elif keep_file_of is not None:
        # The same stored file: versions are never deleted, so it stays.
        version.file.name = keep_file_of.file.name
        version.content_type = keep_file_of.content_type
        version.size = keep_file_of.size
    version.save()
    item.current = version
    item.save(update_fields=["current"])
    return version


@transaction.atomic
def toolkit_item_add(
    *,
    day: DayOfAction,
    kind: str,
    title: str,
    text: str = "",
    url: str = "",
    file: UploadedFile | None = None,
    by,
) -> ToolkitItem:
    """A new toolkit item with its first version."""
    _check_can_coordinate(by)
    if kind not in ToolkitKind.values:
        raise RuleBroken(_("Choose a kind of item from the list."), field="kind")
    title = _check_title(title)
    text = _check_text(text)
    url = _check_url(url)
    checked = toolkit_file_check(file) if file is not None else None
    _check_content(kind, text=text, url=url, has_file=checked is not None)
    last = ToolkitItem.objects.filter(day=day).aggregate(top=Max("position"))["top"]
    item = ToolkitItem.objects.create(
        day=day, kind=kind, title=title, position=0 if last is None else last + 1
    )
    _new_version(item, number=1, text=text, url=url, checked=checked, by=by)
    return item


@transaction.atomic
def toolkit_item_update(
    *,
    item: ToolkitItem,
    by,
    title: str | None = None,
    text: str | None = None,
    url: str | None = None,
    file: UploadedFile | None = None,
) -> ToolkitVersion:
    """A new version of ``item`` (numbered after the last); earlier ones are kept.

    ``None`` keeps what the current version has; a version without a new file
    keeps pointing at the current one's file.
    """
    _check_can_coordinate(by)
    # Locked, so two coordinators saving at once get versions n+1 and n+2.
    locked = (
        ToolkitItem.objects.select_for_update(of=("self",))
        .select_related("current")
        .get(pk=item.pk)
    )
    current = locked.current
    text = _check_text(text) if text is not None else (current.text if current else "")
    url = _check_url(url) if url is not None else (current.url if current else "")
    checked = toolkit_file_check(file) if file is not None else None
    kept_file = current is not None and bool(current.file) and checked is None
    _check_content(locked.kind, text=text, url=url, has_file=checked is not None or kept_file)
    if title is not None:
        new_title = _check_title(title)
        if new_title != locked.title:
            locked.title = new_title
            locked.save(update_fields=["title"])
    number = (locked.versions.aggregate(top=Max("number"))["top"] or 0) + 1
    version = _new_version(
        locked, number=number, text=text, url=url, checked=checked, by=by,
        keep_file_of=current if kept_file else None,
    )  # fmt: skip
    item.current = version
    item.title = locked.title
    return version

"""Importing people and groups from CSV files as organising tools export them.

Each file is read whole (``members.services.imports`` decodes and limits it the
same way as the prospect import); every bad row is reported with its line
number and reason, the good rows are saved in one transaction, and importing
the same file twice changes nothing: people are matched by email, groups by
name (ignoring case).
"""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from coalition import audit
from coalition.errors import RuleBroken
from coalition.imports import (
    import_batches,
    import_claim,
    import_current,
    import_fail,
    import_finish,
)
from coalition.models import AuditVerb
from exchange.models import CsvImport, GroupAddress
from exchange.services.people import PersonDetails, person_details_check, person_upsert
from exchange.services.tags import group_tags_add, tag_names_clean, tags_get_or_create
from members.models import Group
from members.services.groups import group_create
from members.services.imports import RowError, _decode, _kinds, _PlaceFinder

logger = logging.getLogger(__name__)

_CHUNK = 500
# Rows saved per transaction by a worker: each batch commits with its progress, so
# the page moves every second or two and no lock is held for the whole file.
IMPORT_BATCH = 200
_TAG_SPLIT = re.compile(r"[,;|]")

# Column names other tools use, to ours.
PEOPLE_ALIASES = {
    "first_name": "first_name", "given_name": "first_name", "firstname": "first_name",
    "last_name": "last_name", "family_name": "last_name", "lastname": "last_name",
    "surname": "last_name",
    "email": "email", "email_address": "email", "e_mail": "email",
    "phone": "phone", "phone_number": "phone", "mobile": "phone",
    "zip_code": "zip_code", "zip": "zip_code", "zipcode": "zip_code", "postcode": "zip_code",
    "postal_code": "zip_code", "post_code": "zip_code",
    "tags": "tags", "tag_list": "tags",
}  # fmt: skip
GROUP_ALIASES = {
    "name": "name", "group": "name", "group_name": "name",
    "kind": "kind", "type": "kind",
    "place": "place",
    "email": "email", "contact_email": "email",
    "website": "website", "url": "website",
    "zip_code": "zip_code", "zip": "zip_code", "zipcode": "zip_code", "postcode": "zip_code",
    "postal_code": "zip_code", "post_code": "zip_code",
    "tags": "tags",
}  # fmt: skip
PEOPLE_COLUMNS = ("first_name", "last_name", "email", "phone", "zip_code", "tags")
GROUP_COLUMNS = ("name", "kind", "place", "email", "website", "zip_code", "tags")


@dataclass
class ImportReport:
    """What an import did: counts of created and updated rows, and every bad row."""

    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def saved(self) -> int:
        return self.created + self.updated


def _rows(data: bytes | str, aliases: dict[str, str], required: tuple[str, ...]):
    """(line, {column: value}) for each non-blank row; unreadable files raise RuleBroken.

    ``data`` is the uploaded bytes, or the text a ``CsvImport`` kept once decoded.
    """
    text = data if isinstance(data, str) else _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str | None] | None = None
    previous_line = 0
    count = 0
    try:
        for cells in reader:
            line = previous_line + 1
            previous_line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                names = [cell.strip().lower().replace(" ", "_").replace("-", "_") for cell in cells]
                # Columns we do not know are ignored: exports of other tools have many.
                header = [aliases.get(name) for name in names]
                missing = [name for name in required if name not in header]
                if missing:
                    raise RuleBroken(
                        _("The first line must name the columns; missing: %(names)s.")
                        % {"names": ", ".join(missing)}
                    )
                continue
            count += 1
            if count > settings.CSV_IMPORT_MAX_ROWS:
                # Refused whole, before anything is written (the import is one transaction).
                raise RuleBroken(
                    _("The file has more than %(max)s rows. Split it into smaller files.")
                    % {"max": f"{settings.CSV_IMPORT_MAX_ROWS:,}"}
                )
            values: dict[str, str] = {}
            for name, cell in zip(header, cells, strict=False):
                if name and not values.get(name):
                    values[name] = _undefused(cell.strip())
            yield line, values, len(cells) > len(header)
    except csv.Error as error:
        raise RuleBroken(
            _("Line %(line)s cannot be read as CSV (%(error)s).")
            % {"line": reader.line_num, "error": error}
        ) from None
    if header is None:
        raise RuleBroken(_("The file is empty."))


def _undefused(value: str) -> str:
    """Our exports prefix formula-like cells with ' (CSV injection): take it off again,
    so a phone number like +44… survives a round trip."""
    if value[:1] == "'" and value[1:2] in {"=", "+", "-", "@"}:
        return value[1:]
    return value


def _tags(cell: str) -> list[str]:
    return tag_names_clean(_TAG_SPLIT.split(cell)) if cell else []


def _people_parse(data: bytes | str) -> tuple[list, ImportReport]:
    """The good rows of a people file, and a report holding its bad ones."""
    report = ImportReport()
    seen: dict[str, int] = {}
    good: list[tuple[int, PersonDetails, list[str]]] = []
    for line, values, too_many in _rows(data, PEOPLE_ALIASES, ("email",)):
        if too_many:
            report.errors.append(RowError(line, _("more values than the header has columns")))
            continue
        try:
            details = person_details_check(
                PersonDetails(
                    email=values.get("email", ""),
                    given_name=values.get("first_name", ""),
                    family_name=values.get("last_name", ""),
                    phone=values.get("phone", ""),
                    postal_code=values.get("zip_code", ""),
                )
            )
            tags = _tags(values.get("tags", ""))
        except RuleBroken as error:
            report.errors.append(RowError(line, error.message))
            continue
        if details.email in seen:
            report.errors.append(
                RowError(line, _("same email as line %(line)s") % {"line": seen[details.email]})
            )
            continue
        seen[details.email] = line
        good.append((line, details, tags))
    return good, report


def _people_save(good: list, report: ImportReport, cache: dict) -> None:
    for _line, details, tags in good:
        _person, created = person_upsert(details=details, tags=tags, cache=cache)
        if created:
            report.created += 1
        else:
            report.updated += 1


def _audit(by, *, kind: str, filename: str, report: ImportReport) -> None:
    audit.record(
        by,
        AuditVerb.IMPORT,
        f"{kind} CSV {filename}",
        kind=kind,
        created=report.created,
        updated=report.updated,
        rejected=len(report.errors),
    )


@transaction.atomic
def people_import(*, data: bytes, filename: str, by) -> ImportReport:
    """Create or update a person per good row (matched by email); report the bad ones."""
    good, report = _people_parse(data)
    _people_save(good, report, {})
    _audit(by, kind="people", filename=filename, report=report)
    return report


def _groups_by_name(names: set[str]) -> dict[str, list[Group]]:
    found: dict[str, list[Group]] = {}
    listed = sorted(names)
    for start in range(0, len(listed), _CHUNK):
        for group in (
            Group.objects.annotate(lower_name=Lower("name"))
            .filter(lower_name__in=listed[start : start + _CHUNK])
            .select_related("place")
        ):
            found.setdefault(group.name.lower(), []).append(group)
    return found


def _check_group(values: dict[str, str], kinds: dict[str, str]) -> list[str]:
    reasons = []
    limits = {"name": 160, "email": 254, "website": 200, "zip_code": 20}
    for column, limit in limits.items():
        if len(values.get(column, "")) > limit:
            reasons.append(
                _("%(column)s is too long (at most %(limit)s characters)")
                % {"column": column, "limit": limit}
            )
    if not values.get("name"):
        reasons.append(_("missing name"))
    if values.get("kind") and values["kind"].lower() not in kinds:
        reasons.append(_("unknown kind “%(kind)s”") % {"kind": values["kind"]})
    if values.get("email"):
        try:
            validate_email(values["email"])
        except ValidationError:
            reasons.append(_("bad email address “%(email)s”") % {"email": values["email"]})
    if values.get("website"):
        try:
            URLValidator(schemes=["http", "https"])(values["website"])
        except ValidationError:
            reasons.append(_("bad website address “%(url)s”") % {"url": values["website"]})
    return reasons


def _groups_parse(data: bytes | str, kinds: dict[str, str]) -> tuple[list, ImportReport]:
    """The rows of a groups file that pass the checks, and a report holding the others."""
    report = ImportReport()
    parsed: list[tuple[int, dict[str, str], list[str]]] = []
    seen: dict[str, int] = {}
    for line, values, too_many in _rows(data, GROUP_ALIASES, ("name",)):
        if too_many:
            report.errors.append(RowError(line, _("more values than the header has columns")))
            continue
        reasons = _check_group(values, kinds)
        try:
            tags = _tags(values.get("tags", ""))
        except RuleBroken as error:
            reasons.append(error.message)
        key = values.get("name", "").lower()
        if not reasons and key in seen:
            reasons.append(_("same group as line %(line)s") % {"line": seen[key]})
        if reasons:
            report.errors.append(RowError(line, "; ".join(reasons)))
            continue
        seen[key] = line
        parsed.append((line, values, tags))
    return parsed, report


@dataclass
class _GroupSaver:
    """What saving groups needs across batches: known names, kinds, places, tags."""

    kinds: dict[str, str]
    existing: dict[str, list[Group]]
    by: object
    filename: str
    places: _PlaceFinder = field(default_factory=_PlaceFinder)
    cache: dict = field(default_factory=dict)

    def save(self, parsed: list, report: ImportReport) -> None:
        for line, values, tags in parsed:
            self._save_one(line, values, tags, report)

    def _save_one(self, line: int, values: dict, tags: list[str], report: ImportReport) -> None:
        kinds, existing = self.kinds, self.existing
        matches = existing.get(values["name"].lower(), [])
        kind = kinds.get(values.get("kind", "").lower(), "")
        if len(matches) > 1:
            report.errors.append(
                RowError(
                    line,
                    _("several groups are called “%(name)s”: change them in the app")
                    % {"name": values["name"]},
                )
            )
            return
        if matches:
            group = matches[0]
            changed = []
            for attribute, value in (
                ("kind", kind),
                ("contact_email", values.get("email", "").lower()),
                ("website", values.get("website", "")),
            ):
                if value and getattr(group, attribute) != value:
                    setattr(group, attribute, value)
                    changed.append(attribute)
            if changed:
                group.save(update_fields=changed)
            report.updated += 1
        else:
            problems = []
            if not kind:
                problems.append(_("missing kind (needed for a new group)"))
            place = None
            if not values.get("place"):
                problems.append(_("missing place (needed for a new group)"))
            else:
                place, problem = self.places.find(values["place"])
                if problem:
                    problems.append(problem)
            if problems:
                report.errors.append(RowError(line, "; ".join(problems)))
                return
            group = group_create(
                name=values["name"],
                kind=kind,
                place=place,
                website=values.get("website", ""),
                contact_email=values.get("email", "").lower(),
                created_by=self.by,
                reason=(_("Imported from %(filename)s") % {"filename": self.filename})[:300],
            )
            existing[values["name"].lower()] = [group]
            report.created += 1
        if values.get("zip_code"):
            GroupAddress.objects.update_or_create(
                group=group, defaults={"postal_code": values["zip_code"]}
            )
        group_tags_add(group=group, tags=tags_get_or_create(names=tags, cache=self.cache))


def _group_saver(parsed: list, *, kinds: dict[str, str], by, filename: str) -> _GroupSaver:
    existing = _groups_by_name({values["name"].lower() for _line, values, _tags in parsed})
    return _GroupSaver(kinds=kinds, existing=existing, by=by, filename=filename)


@transaction.atomic
def groups_import(*, data: bytes, filename: str, by) -> ImportReport:
    """Create a prospect group per new name, update the group of a known name; report bad rows.

    A known group keeps its name and place; a given kind, email, website or
    postal code replaces the old one, and tags are added.
    """
    kinds = _kinds()
    parsed, report = _groups_parse(data, kinds)
    _group_saver(parsed, kinds=kinds, by=by, filename=filename).save(parsed, report)
    report.errors.sort(key=lambda error: error.line)
    _audit(by, kind="groups", filename=filename, report=report)
    return report


# --- Long files, imported by a worker ------------------------------------------


def _row_count(data: bytes, kind: str) -> int:
    """How many data rows the file holds; an unreadable file raises RuleBroken here."""
    if kind == "people":
        return sum(1 for _row in _rows(data, PEOPLE_ALIASES, ("email",)))
    return sum(1 for _row in _rows(data, GROUP_ALIASES, ("name",)))


def csv_import_start(*, kind: str, data: bytes, filename: str, by) -> ImportReport | CsvImport:
    """Import a people or groups file: now if it is short (the report), else by a worker.

    A file of more than ``CSV_IMPORT_INLINE_ROWS`` rows is stored in a
    ``CsvImport`` and its task queued through the outbox, so a broker that is
    down loses nothing. A file that cannot be read is refused here, before
    anything is stored.
    """
    if kind not in {"people", "groups"}:
        raise RuleBroken(_("Choose what the file holds."))
    total = _row_count(data, kind)
    if total <= settings.CSV_IMPORT_INLINE_ROWS:
        importer = people_import if kind == "people" else groups_import
        return importer(data=data, filename=filename, by=by)
    from coalition.outbox import outbox_add
    from exchange.tasks import csv_import_run as run_task

    with transaction.atomic():
        run = CsvImport.objects.create(
            started_by=by, kind=kind, filename=filename[:200], text=_decode(data),
            rows_total=total,
        )  # fmt: skip
        outbox_add(run_task, import_id=run.pk)
    return run


def csv_import_run(*, import_id: int) -> bool:
    """Import a stored file in batches; True if this call ran it, False if there was nothing to do.

    The row is claimed once (``coalition.imports``), so a second run does
    nothing. Saving is idempotent (people by email, groups by name), so an
    import taken over after a lost worker starts over and saves nothing twice.
    The audit entry is written once, with the result; the stored text is cleared.
    """
    now = import_claim(CsvImport, pk=import_id, rows_done=0)
    if now is None:
        return False
    run = CsvImport.objects.select_related("started_by").get(pk=import_id)
    try:
        report = _run_batches(run, claimed_at=now)
    except RuleBroken as error:
        import_fail(CsvImport, pk=run.pk, claimed_at=now, problem=error.message, text="")
        return True
    except Exception:
        logger.exception("CSV import %s failed", import_id)
        import_fail(
            CsvImport, pk=run.pk, claimed_at=now, text="",
            problem=_("The import stopped on an unexpected error."),
        )  # fmt: skip
        return True
    report.errors.sort(key=lambda error: error.line)
    with transaction.atomic():
        finished = import_finish(
            CsvImport,
            pk=run.pk,
            claimed_at=now,
            text="",
            rows_done=run.rows_total,
            created_count=report.created,
            updated_count=report.updated,
            row_errors=[{"line": error.line, "reason": error.reason} for error in report.errors],
        )
        if finished:
            _audit(run.started_by, kind=run.kind, filename=run.filename, report=report)
    return finished


def _run_batches(run: CsvImport, *, claimed_at) -> ImportReport:
    data = run.text
    if run.kind == "people":
        good, report = _people_parse(data)
        cache: dict = {}

        def save(batch: list) -> None:
            _people_save(batch, report, cache)
    else:
        kinds = _kinds()
        good, report = _groups_parse(data, kinds)
        saver = _group_saver(good, kinds=kinds, by=run.started_by, filename=run.filename)

        def save(batch: list) -> None:
            saver.save(batch, report)

    done = len(report.errors)
    for batch in import_batches(good, IMPORT_BATCH):
        with transaction.atomic():
            save(batch)
            done += len(batch)
            import_current(CsvImport, pk=run.pk, claimed_at=claimed_at).update(rows_done=done)
    return report

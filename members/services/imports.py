"""Importing prospect groups from a CSV file: parse and check, then commit in one transaction.

A weaver first sees a preview (``prospect_import_parse``): the rows that would
be imported and every bad row with its line number and reason. The good rows
are then kept server-side (``prospect_import_stash``) under a random key that
travels to the confirm step inside a signed token, so nothing the browser
sends back is trusted, and the browser does not have to send the file twice.
``prospect_import_start`` creates the groups during the request for a few
hundred rows (``prospect_import_commit``), and hands longer previews to a
worker (``prospect_import_run``) that saves them in batches while the weaver
watches a progress page. Rows that have become duplicates since the preview
are skipped, so importing a file twice creates nothing new.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import translation
from django.utils.translation import gettext as _

from coalition.errors import RuleBroken
from coalition.imports import (
    import_batches,
    import_claim,
    import_current,
    import_fail,
    import_finish,
)
from coalition.models import Place
from members.models import Group, GroupKind, ProspectImport, User
from members.services.groups import group_create

logger = logging.getLogger(__name__)

MAX_BYTES = 2 * 1024 * 1024
COLUMNS = ("name", "kind", "place", "contact_name", "contact_email", "website", "description")
REQUIRED_COLUMNS = ("name", "kind", "place")
# The model's own limits, so a row that passes here is never cut short on save.
MAX_LENGTHS = {
    "name": Group._meta.get_field("name").max_length,
    "contact_name": Group._meta.get_field("contact_name").max_length,
    "contact_email": 254,
    "website": Group._meta.get_field("website").max_length,
    "description": Group._meta.get_field("description").max_length,
}
STASH_SECONDS = 60 * 60
_STASH_SALT = "members.weave.import"
# Database IN lists are kept short enough for every backend.
_CHUNK = 500
# Rows saved per transaction by a worker: each batch commits with its progress, so
# the page moves every second or two, no lock is held for the whole file, and a
# worker taking over after a lost one resumes after the last batch.
IMPORT_BATCH = 200
_NAME_WITH_PARENT = re.compile(r"^(?P<name>.+?)\s*\((?P<parent>[^()]+)\)$")


@dataclass(frozen=True)
class ProspectRow:
    """A good row of the file: a prospect group ready to be created."""

    line: int
    name: str
    kind: str
    place_id: int
    place_name: str
    contact_name: str = ""
    contact_email: str = ""
    website: str = ""
    description: str = ""

    @property
    def kind_label(self) -> str:
        return GroupKind(self.kind).label


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str


@dataclass
class ImportResult:
    good: list[ProspectRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _kinds() -> dict[str, str]:
    """Kind values and their English labels, lowercased, to the value."""
    with translation.override("en"):
        known = {str(label).lower(): value for value, label in GroupKind.choices}
    known.update({value: value for value in GroupKind.values})
    return known


class _PlaceFinder:
    """Finds places by name (case-insensitive) or as "Name (Parent)", from one query."""

    def __init__(self) -> None:
        self.by_name: dict[str, list[Place]] = defaultdict(list)
        for place in Place.objects.select_related("parent").only(
            "id", "name", "parent__id", "parent__name"
        ):
            self.by_name[place.name.strip().lower()].append(place)

    def find(self, text: str) -> tuple[Place | None, str]:
        """The place, or None and the reason it could not be chosen."""
        candidates = self.by_name.get(text.lower(), [])
        if len(candidates) == 1:
            return candidates[0], ""
        if not candidates:
            match = _NAME_WITH_PARENT.match(text)
            if match:
                name, parent = match["name"].strip().lower(), match["parent"].strip().lower()
                candidates = [
                    place
                    for place in self.by_name.get(name, [])
                    if place.parent is not None and place.parent.name.lower() == parent
                ]
                if len(candidates) == 1:
                    return candidates[0], ""
        if not candidates:
            return None, _("unknown place “%(place)s”") % {"place": text}
        options = ", ".join(
            sorted(
                f"{place.name} ({place.parent.name})" if place.parent else place.name
                for place in candidates
            )
        )
        return None, _("several places are called “%(place)s”: write one of %(options)s") % {
            "place": text,
            "options": options,
        }


def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise RuleBroken(_("The file is larger than 2 MB. Split it into smaller files."))
    if not data.strip():
        raise RuleBroken(_("The file is empty."))
    # A NUL byte never appears in a text file: this is a spreadsheet or an image.
    if b"\x00" in data:
        raise RuleBroken(
            _("This is not a CSV file. Save the spreadsheet as “CSV UTF-8” and try again.")
        )
    try:
        # utf-8-sig drops the byte order mark some spreadsheets write first.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RuleBroken(
            _("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again.")
        ) from None


def _header(row: list[str]) -> list[str]:
    names = [cell.strip().lower().replace(" ", "_").replace("-", "_") for cell in row]
    unknown = [name for name in names if name and name not in COLUMNS]
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if unknown or missing:
        raise RuleBroken(
            _("The first line must name the columns (%(expected)s); %(problem)s.")
            % {
                "expected": ", ".join(COLUMNS),
                "problem": _("unknown column: %(names)s") % {"names": ", ".join(unknown)}
                if unknown
                else _("missing column: %(names)s") % {"names": ", ".join(missing)},
            }
        )
    repeated = sorted({name for name in names if name and names.count(name) > 1})
    if repeated:
        raise RuleBroken(
            _("The column %(names)s appears twice in the first line.")
            % {"names": ", ".join(repeated)}
        )
    return names


def _existing_duplicates(
    names: set[str], emails: set[str]
) -> tuple[set[tuple[str, int]], set[str]]:
    """(lowercased name, place id) pairs and lowercased contact emails already in the network."""
    pairs: set[tuple[str, int]] = set()
    known_emails: set[str] = set()
    name_list, email_list = sorted(names), sorted(emails)
    for start in range(0, len(name_list), _CHUNK):
        pairs.update(
            Group.objects.annotate(lower_name=Lower("name"))
            .filter(lower_name__in=name_list[start : start + _CHUNK])
            .values_list("lower_name", "place_id")
        )
    for start in range(0, len(email_list), _CHUNK):
        known_emails.update(
            Group.objects.annotate(lower_email=Lower("contact_email"))
            .filter(lower_email__in=email_list[start : start + _CHUNK])
            .values_list("lower_email", flat=True)
        )
    return pairs, known_emails


def _check_row(
    values: dict[str, str], line: int, kinds: dict[str, str], places: _PlaceFinder
) -> tuple[ProspectRow | None, list[str]]:
    reasons = []
    for column, limit in MAX_LENGTHS.items():
        if len(values[column]) > limit:
            reasons.append(
                _("%(column)s is too long (%(length)s characters, at most %(limit)s)")
                % {"column": column, "length": len(values[column]), "limit": limit}
            )
    if not values["name"]:
        reasons.append(_("missing name"))
    kind = kinds.get(values["kind"].lower())
    if not values["kind"]:
        reasons.append(_("missing kind"))
    elif kind is None:
        reasons.append(_("unknown kind “%(kind)s”") % {"kind": values["kind"]})
    place = None
    if not values["place"]:
        reasons.append(_("missing place"))
    else:
        place, problem = places.find(values["place"])
        if problem:
            reasons.append(problem)
    email = values["contact_email"].lower()
    if email:
        try:
            EmailValidator()(email)
        except ValidationError:
            reasons.append(_("bad email address “%(email)s”") % {"email": values["contact_email"]})
    if values["website"]:
        try:
            URLValidator(schemes=["http", "https"])(values["website"])
        except ValidationError:
            reasons.append(_("bad website address “%(url)s”") % {"url": values["website"]})
    if reasons or place is None or kind is None:
        return None, reasons
    return (
        ProspectRow(
            line=line,
            name=values["name"],
            kind=kind,
            place_id=place.pk,
            place_name=place.name,
            contact_name=values["contact_name"],
            contact_email=email,
            website=values["website"],
            description=values["description"],
        ),
        [],
    )


def prospect_import_parse(*, data: bytes, filename: str) -> ImportResult:
    """Check every row of a CSV of prospect groups; nothing is written.

    A file that cannot be read at all (too big, not UTF-8 text, no header,
    too many rows) raises RuleBroken. Otherwise each row is either good or
    reported with its line number (the header is line 1) and every reason it
    cannot be imported, duplicates of existing groups and of earlier lines
    of the file included.
    """
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    kinds = _kinds()
    places = _PlaceFinder()
    result = ImportResult()
    candidates: list[ProspectRow] = []
    header: list[str] | None = None
    rows = 0
    previous_line = 0
    try:
        for cells in reader:
            line = previous_line + 1  # where this record starts
            previous_line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = _header(cells)
                continue
            rows += 1
            if rows > settings.CSV_IMPORT_MAX_ROWS:
                # Refused whole, before anything is written (the import is one transaction).
                raise RuleBroken(
                    _("The file has more than %(max)s rows. Split it into smaller files.")
                    % {"max": f"{settings.CSV_IMPORT_MAX_ROWS:,}"}
                )
            if len(cells) > len(header):
                result.errors.append(RowError(line, _("more values than the header has columns")))
                continue
            cells = cells + [""] * (len(header) - len(cells))
            values = dict.fromkeys(COLUMNS, "")
            values.update(
                (name, cell.strip()) for name, cell in zip(header, cells, strict=True) if name
            )
            row, reasons = _check_row(values, line, kinds, places)
            if row is None:
                result.errors.append(RowError(line, "; ".join(reasons)))
            else:
                candidates.append(row)
    except csv.Error as error:
        raise RuleBroken(
            _("Line %(line)s cannot be read as CSV (%(error)s).")
            % {"line": reader.line_num, "error": error}
        ) from None
    if header is None:
        raise RuleBroken(_("The file is empty."))

    existing_pairs, existing_emails = _existing_duplicates(
        {row.name.lower() for row in candidates},
        {row.contact_email for row in candidates if row.contact_email},
    )
    seen_pairs: dict[tuple[str, int], int] = {}
    seen_emails: dict[str, int] = {}
    for row in candidates:
        pair = (row.name.lower(), row.place_id)
        if pair in existing_pairs:
            reason = _("a group called “%(name)s” in %(place)s is already in the network") % {
                "name": row.name,
                "place": row.place_name,
            }
        elif row.contact_email and row.contact_email in existing_emails:
            reason = _("a group with the contact email %(email)s is already in the network") % {
                "email": row.contact_email
            }
        elif pair in seen_pairs:
            reason = _("same group as line %(line)s") % {"line": seen_pairs[pair]}
        elif row.contact_email and row.contact_email in seen_emails:
            reason = _("same contact email as line %(line)s") % {
                "line": seen_emails[row.contact_email]
            }
        else:
            seen_pairs[pair] = row.line
            if row.contact_email:
                seen_emails[row.contact_email] = row.line
            result.good.append(row)
            continue
        result.errors.append(RowError(row.line, reason))
    result.errors.sort(key=lambda error: error.line)
    return result


def _prospects_save(
    rows: list[ProspectRow], *, by: User | None, filename: str
) -> tuple[int, list[RowError]]:
    """Create a prospect group per row, in the caller's transaction: (created, skipped rows).

    Rows that have become duplicates since the preview (the same file
    imported meanwhile, a group that joined) are skipped, so saving the same
    rows twice creates nothing new. The places the rows sit in are locked
    first, so two imports into the same places run one after the other and
    the second sees the first one's groups.
    """
    if not rows:
        return 0, []
    place_ids = sorted({row.place_id for row in rows})
    places = {
        place.pk: place for place in Place.objects.select_for_update().filter(pk__in=place_ids)
    }
    existing_pairs, existing_emails = _existing_duplicates(
        {row.name.lower() for row in rows},
        {row.contact_email.lower() for row in rows if row.contact_email},
    )
    reason = _("Imported from %(filename)s") % {"filename": filename}
    created = 0
    skipped: list[RowError] = []
    for row in rows:
        pair = (row.name.lower(), row.place_id)
        email = row.contact_email.lower()
        if row.place_id not in places:
            skipped.append(
                RowError(row.line, _("its place was removed since the preview; not imported"))
            )
            continue
        if pair in existing_pairs or (email and email in existing_emails):
            skipped.append(
                RowError(row.line, _("its group joined the network since the preview; skipped"))
            )
            continue
        group_create(
            name=row.name,
            kind=row.kind,
            place=places[row.place_id],
            description=row.description,
            website=row.website,
            contact_name=row.contact_name,
            contact_email=email,
            created_by=by,
            reason=reason[:300],
        )
        existing_pairs.add(pair)
        if email:
            existing_emails.add(email)
        created += 1
    return created, skipped


@transaction.atomic
def prospect_import_commit(*, rows: list[ProspectRow], by: User | None, filename: str) -> int:
    """Create a prospect group for each row, all or none; return how many were created.

    Rows that have become duplicates since the preview are skipped.
    """
    created, _skipped = _prospects_save(rows, by=by, filename=filename)
    return created


def prospect_import_start(
    *, rows: list[ProspectRow], errors: list[RowError], filename: str, by: User
) -> int | ProspectImport:
    """Import the confirmed preview: now if it is short (how many were created), else by a worker.

    More than ``CSV_IMPORT_INLINE_ROWS`` good rows are stored in a
    ``ProspectImport``, with the preview's bad rows for its report, and its
    task queued through the outbox, so a broker that is down loses nothing.
    """
    if len(rows) <= settings.CSV_IMPORT_INLINE_ROWS:
        return prospect_import_commit(rows=rows, by=by, filename=filename)
    from coalition.outbox import outbox_add
    from members.tasks import prospect_import_run as run_task

    with transaction.atomic():
        run = ProspectImport.objects.create(
            started_by=by,
            filename=filename[:200],
            rows=[asdict(row) for row in rows],
            rows_total=len(rows),
            row_errors=_as_json(errors),
        )
        outbox_add(run_task, import_id=run.pk)
    return run


class _ClaimLost(Exception):
    """Another worker took the import over (this one had passed the time limit)."""


def _as_json(errors: list[RowError]) -> list[dict]:
    return [{"line": error.line, "reason": error.reason} for error in errors]


def prospect_import_run(*, import_id: int) -> bool:
    """Import a stored preview in batches; True if this call ran it, False if nothing to do.

    The row is claimed once (``coalition.imports``), so a second run of a
    finished import does nothing. Each batch commits its groups together with
    the progress, so an import taken over after a lost worker resumes after
    the last batch saved; the duplicate check skips anything saved twice
    anyway. The stored rows are cleared at the end.
    """
    claimed_at = import_claim(ProspectImport, pk=import_id)
    if claimed_at is None:
        return False
    run = ProspectImport.objects.select_related("started_by").get(pk=import_id)
    try:
        _run_batches(run, claimed_at=claimed_at)
    except _ClaimLost:
        logger.warning("Prospect import %s was taken over by another worker.", import_id)
        return False
    except RuleBroken as error:
        import_fail(
            ProspectImport, pk=run.pk, claimed_at=claimed_at, problem=error.message, rows=[]
        )
        return True
    except Exception:
        logger.exception("Prospect import %s failed", import_id)
        import_fail(
            ProspectImport, pk=run.pk, claimed_at=claimed_at, rows=[],
            problem=_("The import stopped on an unexpected error."),
        )  # fmt: skip
        return True
    return import_finish(ProspectImport, pk=run.pk, claimed_at=claimed_at, rows=[])


def _run_batches(run: ProspectImport, *, claimed_at) -> None:
    errors = list(run.row_errors)
    rows = [ProspectRow(**row) for row in run.rows[run.rows_done :]]
    for batch in import_batches(rows, IMPORT_BATCH):
        with transaction.atomic():
            current = import_current(ProspectImport, pk=run.pk, claimed_at=claimed_at)
            # Locked for the batch: a worker taking over waits until it commits,
            # then resumes after it; a worker that lost its claim stops here.
            if not list(current.select_for_update().values_list("pk", flat=True)):
                raise _ClaimLost
            created, skipped = _prospects_save(batch, by=run.started_by, filename=run.filename)
            changes = {
                "rows_done": F("rows_done") + len(batch),
                "created_count": F("created_count") + created,
            }
            if skipped:
                errors = sorted([*errors, *_as_json(skipped)], key=lambda error: error["line"])
                changes.update(skipped_count=F("skipped_count") + len(skipped), row_errors=errors)
            current.update(**changes)


# --- Between the preview and the confirmation ---------------------------------


def prospect_import_stash(
    *, rows: list[ProspectRow], filename: str, by: User, errors: Sequence[RowError] = ()
) -> str:
    """Keep the previewed good rows (and the bad ones, for a worker's report) server-side;
    return the signed token that finds them."""
    key = secrets.token_urlsafe(24)
    cache.set(
        f"weave-import:{key}",
        {
            "person": by.pk,
            "filename": filename,
            "rows": [asdict(row) for row in rows],
            "errors": [[error.line, error.reason] for error in errors],
        },
        STASH_SECONDS,
    )
    return signing.dumps({"key": key, "person": by.pk}, salt=_STASH_SALT)


def prospect_import_unstash(
    *, token: str, by: User
) -> tuple[list[ProspectRow], str, list[RowError]]:
    """The good rows, file name and bad rows behind ``token``, once: the stash is removed
    as it is read."""
    expired = RuleBroken(
        _("This preview has expired or was already imported. Upload the file again.")
    )
    try:
        claim = signing.loads(token, salt=_STASH_SALT, max_age=STASH_SECONDS)
    except signing.BadSignature:
        raise expired from None
    if not isinstance(claim, dict) or claim.get("person") != by.pk:
        raise expired
    cache_key = f"weave-import:{claim.get('key')}"
    stash = cache.get(cache_key)
    # delete() tells whether this request removed it: a double click imports once.
    if not stash or stash.get("person") != by.pk or not cache.delete(cache_key):
        raise expired
    return (
        [ProspectRow(**row) for row in stash["rows"]],
        stash["filename"],
        [RowError(line, reason) for line, reason in stash.get("errors", [])],
    )

"""A person's data: downloading it (JSON, or a ZIP of CSVs) and erasing it.

The same for an account (logged in) and for an email address that only
RSVPed or was written to (through a signed link sent to that address).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from actions.services.participation import rate_limit_hit
from coalition import audit
from coalition.errors import RuleBroken
from coalition.mail import email_queue
from coalition.models import AuditVerb
from privacy import registry

ADDRESS_SALT = "privacy.address-data"
# A link to an address's data works for a day; after that, ask for a new one.
ADDRESS_LINK_SECONDS = 24 * 3600
# The request form is open to anyone: a few a quarter-hour per connection, and
# one email per address and quarter-hour, so it cannot flood an inbox.
REQUESTS_PER_WINDOW = 5
REQUEST_WINDOW_SECONDS = 15 * 60
CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _collect(rows_by_kind) -> dict[str, list[dict]]:
    return {name: rows for name, rows in rows_by_kind if rows}


def person_data(person) -> dict[str, list[dict]]:
    """Everything each app holds about ``person``, by kind (kinds with nothing left out)."""
    return _collect((p.name, p.export(person)) for p in registry.providers())


def address_data(email: str) -> dict[str, list[dict]]:
    """Everything tied to a bare email address (RSVPs, email sent to it)."""
    email = email.strip().lower()
    return _collect((p.name, p.export_address(email)) for p in registry.address_providers())


def as_json(data: dict[str, list[dict]]) -> bytes:
    document = {"generated_at": timezone.now().isoformat(), "data": data}
    return json.dumps(document, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False).encode()


def _cell(value) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet would run a cell starting with these as a formula.
    return "'" + text if text.startswith(CSV_FORMULA_START) else text


def as_zip(data: dict[str, list[dict]]) -> bytes:
    """One CSV per kind of data, zipped."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, rows in data.items():
            columns: list[str] = []
            for row in rows:
                columns += [key for key in row if key not in columns]
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow(columns)
            for row in rows:
                writer.writerow([_cell(row.get(column)) for column in columns])
            archive.writestr(f"{name}.csv", text.getvalue())
    return buffer.getvalue()


def person_export(*, person, kind: str) -> bytes:
    """The person's data as ``json`` or ``zip``; the download is audited (no data in the entry)."""
    data = person_data(person)
    audit.record(
        person,
        AuditVerb.EXPORT,
        f"own data (#{person.pk})",
        format=kind,
        kinds=len(data),
        rows=sum(len(rows) for rows in data.values()),
    )
    return as_json(data) if kind == "json" else as_zip(data)


def address_export(*, email: str, kind: str) -> bytes:
    data = address_data(email)
    audit.record(
        None,
        AuditVerb.EXPORT,
        "data of an email address (by emailed link)",
        format=kind,
        rows=sum(len(rows) for rows in data.values()),
    )
    return as_json(data) if kind == "json" else as_zip(data)


def _erase_confirmed(person, *, password: str, phrase: str) -> bool:
    if password and person.has_usable_password() and person.check_password(password):
        return True
    typed = " ".join(phrase.split()).lower()
    # The words in the person's language, or the English ones, both confirm.
    return typed in {erase_phrase().lower(), ERASE_PHRASE.lower()}


ERASE_PHRASE = "erase my account"


def erase_phrase() -> str:
    """The words a person types to confirm erasure, in their language."""
    return _("erase my account")


@transaction.atomic
def person_erase(*, person, password: str = "", phrase: str = "") -> dict[str, int]:
    """Erase ``person``'s account: personal data removed or anonymised, records kept.

    Confirmed by their password or by typing ``ERASE_PHRASE``. Every provider
    runs in one transaction, the account itself last; the audit entry names
    only the account number.
    """
    if not _erase_confirmed(person, password=password, phrase=phrase):
        raise RuleBroken(
            _("Type your password, or the words “%(phrase)s”, to confirm.")
            % {"phrase": erase_phrase()},
            field="confirm",
        )
    pk = person.pk
    counts = {p.name: p.erase(person) for p in registry.providers()}
    audit.record(
        None,
        AuditVerb.ERASURE,
        f"account #{pk}",
        rows=sum(counts.values()),
        kinds=sorted(name for name, count in counts.items() if count),
    )
    return counts


@transaction.atomic
def address_erase(*, email: str) -> dict[str, int]:
    """Erase what is tied to a bare address (not an account: that needs its owner's login)."""
    email = email.strip().lower()
    counts = {p.name: p.erase_address(email) for p in registry.address_providers()}
    audit.record(
        None,
        AuditVerb.ERASURE,
        "data of an email address (by emailed link)",
        rows=sum(counts.values()),
    )
    return counts


# --- The link sent to an address --------------------------------------------


def address_token(email: str) -> str:
    return signing.dumps({"email": email.strip().lower()}, salt=ADDRESS_SALT, compress=True)


def address_from_token(token: str) -> str:
    """The address a link was sent to; RuleBroken if it is forged, altered or too old."""
    try:
        value = signing.loads(token, salt=ADDRESS_SALT, max_age=ADDRESS_LINK_SECONDS)
    except signing.SignatureExpired:
        raise RuleBroken(_("This link has expired. Ask for a new one.")) from None
    except signing.BadSignature:
        raise RuleBroken(_("This link is not valid. Ask for a new one.")) from None
    email = value.get("email") if isinstance(value, dict) else None
    if not isinstance(email, str) or "@" not in email:
        raise RuleBroken(_("This link is not valid. Ask for a new one."))
    return email


def data_request_rate_check(*, ip: str) -> None:
    rate_limit_hit(
        key=f"privacy:data-request:{ip}",
        limit=REQUESTS_PER_WINDOW,
        seconds=REQUEST_WINDOW_SECONDS,
        message=_("Too many requests from your connection. Please wait a quarter of an hour."),
    )


def data_request_send(*, email: str) -> bool:
    """Email ``email`` a link to its data, if we hold any; True if an email was queued.

    The page answers the same either way, so it never says whether an address
    is known.
    """
    email = email.strip().lower()
    if not address_data(email):
        return False
    digest = hashlib.sha256(email.encode()).hexdigest()
    if not cache.add(f"privacy:data-request:to:{digest}", 1, REQUEST_WINDOW_SECONDS):
        return False
    link = settings.SITE_URL + reverse("privacy:address_data", args=[address_token(email)])
    context = {"link": link, "hours": ADDRESS_LINK_SECONDS // 3600}
    email_queue(
        EmailMessage(
            subject=render_to_string("privacy/email/data_link_subject.txt", context).strip(),
            body=render_to_string("privacy/email/data_link.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[email],
        )
    )
    return True

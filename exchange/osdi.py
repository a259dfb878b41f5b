"""OSDI (Open Supporter Data Interface, v1.x) documents: HAL+JSON built from our records.

Field names follow the OSDI examples (opensupporter.github.io/osdi-docs):
people, events, attendances, tags and taggings, each with ``identifiers``
("coalition:<id>"), ``created_date``/``modified_date`` and ``_links``; collections
carry ``per_page``, ``page``, ``_links`` (self, next, prev and the list of
members) and ``_embedded``, plus ``total_records`` and ``total_pages`` when the
collection holds at most ``TOTAL_LIMIT`` records (OSDI lets a server leave them
out: counting 100,000 people for every page costs more than the page).

Paging never skips rows it does not show: ``next`` carries the last record's
position (a signed ``after``), so the next page starts there from an index.
A bare ``?page=N`` (a client jumping) is served within the first
``OFFSET_LIMIT`` records; past that a 400 says to follow the ``next`` links.
"""

from __future__ import annotations

import datetime
import math
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q
from django.urls import reverse
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer

from actions.models import Action, ActionStatus, Participation, ParticipationStatus
from exchange.models import PersonAddress, Supporter, Tag, Tagging
from members.models import SuppressionReason, User

OSDI_VERSION = "1.1.1"
PREFIX = "coalition"
MAX_PAGESIZE = 100
DEFAULT_PAGESIZE = 25
# Collections up to this size give their totals; larger ones leave them out.
TOTAL_LIMIT = 1000
# How deep a bare ?page=N may reach; past it, pages are reached through next.
OFFSET_LIMIT = 1000
CURSOR_SALT = "exchange.osdi.cursor"


def _bad_link() -> ValidationError:
    return ValidationError(
        {"after": [_("This page link is not valid: follow the next link of the page before.")]}
    )


class HalJSONRenderer(JSONRenderer):
    media_type = "application/hal+json"


def iso(moment) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def identifier(pk: int) -> str:
    return f"{PREFIX}:{pk}"


def link(request, name: str, *args, query: str = "") -> dict:
    href = request.build_absolute_uri(reverse(f"exchange:{name}", args=args))
    return {"href": href + (f"?{query}" if query else "")}


def curies(request) -> list[dict]:
    return [
        {
            "name": "osdi",
            "href": "https://opensupporter.github.io/osdi-docs/{rel}",
            "templated": True,
        }
    ]


# --- Pagination ------------------------------------------------------------------


@dataclass(frozen=True)
class Paging:
    page: int
    per_page: int
    # The last record of the page before (its order's values), from ``next``.
    after: list | None = None

    @property
    def offset(self) -> int:
        return 0 if self.after is not None else (self.page - 1) * self.per_page


def paging_from(request) -> Paging:
    """``page`` (from 1), ``per_page`` (1 to MAX_PAGESIZE) and ``after`` from the query;
    bad values: 400."""

    def number(name: str, default: int, low: int, high: int | None) -> int:
        raw = request.query_params.get(name, "")
        if raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or value < low or (high is not None and value > high):
            bound = (
                _("a whole number from %(low)s to %(high)s") % {"low": low, "high": high}
                if high is not None
                else _("a whole number from %(low)s") % {"low": low}
            )
            raise ValidationError({name: [_("Must be %(bound)s.") % {"bound": bound}]})
        return value

    page = number("page", 1, 1, 1_000_000)
    per_page = number("per_page", DEFAULT_PAGESIZE, 1, MAX_PAGESIZE)
    after = None
    raw = request.query_params.get("after", "")
    if raw:
        try:
            after = signing.loads(raw[:500], salt=CURSOR_SALT)
        except signing.BadSignature:
            after = None
        if not isinstance(after, list) or not after:
            raise _bad_link()
    elif (page - 1) * per_page >= OFFSET_LIMIT:
        raise ValidationError(
            {
                "page": [
                    _(
                        "Pages past the first %(limit)s records are reached through each "
                        "page's next link."
                    )
                    % {"limit": OFFSET_LIMIT}
                ]
            }
        )
    return Paging(page=page, per_page=per_page, after=after)


@dataclass
class CollectionPage:
    """What a selector gives for one page: its rows, whether more follow, and the total
    (``None`` past ``TOTAL_LIMIT``)."""

    rows: list
    has_next: bool
    total: int | None
    next_after: list | None = None


def _key_value(row, name: str):
    value = getattr(row, name)
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    return value


def page_of(queryset, *, order: tuple[str, ...], paging: Paging) -> CollectionPage:
    """One page of ``queryset`` in ``order`` (ascending fields ending with ``pk``), read
    from ``paging.after`` by keyset or from a bounded offset; two queries: the rows
    (one more than the page, to know whether another follows) and a count up to
    ``TOTAL_LIMIT``."""
    rows_query = queryset.order_by(*order)
    if paging.after is not None:
        if len(paging.after) != len(order):
            raise _bad_link()
        rows_query = rows_query.filter(keyset_after_q(order, paging.after))
    rows = list(rows_query[paging.offset : paging.offset + paging.per_page + 1])
    has_next = len(rows) > paging.per_page
    rows = rows[: paging.per_page]
    counted = queryset.order_by().values("pk")[: TOTAL_LIMIT + 1].count()
    next_after = [_key_value(rows[-1], name) for name in order] if has_next else None
    return CollectionPage(
        rows=rows,
        has_next=has_next,
        total=counted if counted <= TOTAL_LIMIT else None,
        next_after=next_after,
    )


def keyset_after_q(order: tuple[str, ...], values: list) -> Q:
    """Rows strictly after ``values`` in the ascending ``order``."""
    clauses = Q(pk__in=[])
    for index, name in enumerate(order):
        equal = {order[i]: values[i] for i in range(index)}
        clauses |= Q(**equal, **{f"{name}__gt": values[index]})
    return clauses


@dataclass(frozen=True)
class ModifiedRange:
    """``filter=modified_date gt '…'`` and/or ``lt '…'``: the bounds, exclusive."""

    after: datetime.datetime | None = None
    before: datetime.datetime | None = None


_CLAUSE = re.compile(r"^modified_date\s+(gt|lt)\s+'([^']{1,40})'$", re.IGNORECASE)


def modified_range_from(request) -> ModifiedRange:
    """The OData ``filter`` OSDI defines, as far as we serve it: ``modified_date`` compared
    with ``gt`` or ``lt`` to a quoted date or date-time, two clauses joined by ``and``.
    Anything else is a 400 that says so, never silently ignored (a sync would trust it)."""
    raw = request.query_params.get("filter", "").strip()
    if not raw:
        return ModifiedRange()
    bad = ValidationError(
        {
            "filter": [
                _(
                    "Only modified_date can be filtered, with gt or lt and a quoted date, "
                    "for example: modified_date gt '2026-01-31T00:00:00Z'."
                )
            ]
        }
    )
    clauses = re.split(r"\s+and\s+", raw, flags=re.IGNORECASE)
    if len(raw) > 200 or len(clauses) > 2:
        raise bad
    bounds: dict[str, datetime.datetime] = {}
    for clause in clauses:
        found = _CLAUSE.match(clause.strip())
        if found is None:
            raise bad
        operator, moment = found.group(1).lower(), _moment(found.group(2))
        if moment is None or operator in bounds:
            raise bad
        bounds[operator] = moment
    return ModifiedRange(after=bounds.get("gt"), before=bounds.get("lt"))


def _moment(text: str) -> datetime.datetime | None:
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            moment = datetime.datetime.combine(day, datetime.time.min) if day else None
    except ValueError:
        return None
    if moment is None or not 1900 <= moment.year <= 2999:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment


def collection(
    request,
    *,
    rel: str,
    found: CollectionPage,
    paging: Paging,
    items: list[dict],
    self_name: str,
    args=(),
) -> dict:
    """An OSDI collection document around already built resource documents."""
    base = request.build_absolute_uri(reverse(f"exchange:{self_name}", args=args))
    kept = request.query_params.get("filter", "")

    def page_href(page: int, after: list | None = None) -> dict:
        query = {"page": page, "per_page": paging.per_page, **({"filter": kept} if kept else {})}
        if after is not None:
            query["after"] = signing.dumps(after, salt=CURSOR_SALT)
        return {"href": f"{base}?{urlencode(query)}"}

    links: dict = {"self": page_href(paging.page, paging.after), "curies": curies(request)}
    if found.has_next:
        links["next"] = page_href(paging.page + 1, found.next_after)
    # "prev" by number, within the pages a bare number reaches.
    if paging.page > 1 and (paging.page - 2) * paging.per_page < OFFSET_LIMIT:
        last = math.ceil(found.total / paging.per_page) if found.total is not None else None
        previous = paging.page - 1 if last is None else min(paging.page - 1, max(last, 1))
        links["prev"] = page_href(previous)
    links[rel] = [item["_links"]["self"] for item in items]
    document: dict = {"per_page": paging.per_page, "page": paging.page}
    if found.total is not None:
        document["total_pages"] = max(1, math.ceil(found.total / paging.per_page))
        document["total_records"] = found.total
    return {**document, "_links": links, "_embedded": {rel: items}}


# --- Resources --------------------------------------------------------------------


def split_name(name: str) -> tuple[str, str]:
    given, _sep, family = (name or "").strip().partition(" ")
    return given, family.strip()


def person_doc(request, person: User) -> dict:
    given, family = split_name(person.name)
    address = _address(person)
    postal = []
    if address is not None and (address.postal_code or address.locality or address.country):
        postal.append(
            {
                "primary": True,
                "postal_code": address.postal_code,
                "locality": address.locality,
                "country": address.country,
            }
        )
    # The record's parts, as exchange.selectors.people_modified_q reads them: a new tag or
    # an unsubscribe changes the document, so a sync asking for changes must see it.
    suppressed = getattr(person, "suppression_at", None)
    modified = max(
        [person.date_joined, person.updated_at]
        + ([address.modified_at] if address is not None else [])
        + ([suppressed] if suppressed is not None else [])
        + [tagging.created_at for tagging in person.taggings.all()],
    )
    return {
        "identifiers": [identifier(person.pk)],
        "origin_system": settings.COALITION_NAME,
        "created_date": iso(person.date_joined),
        "modified_date": iso(modified),
        "given_name": given,
        "family_name": family,
        "email_addresses": [
            {"address": person.email, "primary": True, "status": email_status(person)}
        ],
        "phone_numbers": (
            [{"number": person.phone, "primary": True, "number_type": "Mobile"}]
            if person.phone
            else []
        ),
        "postal_addresses": postal,
        "custom_fields": {"tags": [tagging.tag.name for tagging in person.taggings.all()]},
        "_links": {
            "self": link(request, "osdi_person", person.pk),
            "osdi:taggings": link(request, "osdi_person_taggings", person.pk),
        },
    }


# Outreach suppressions as OSDI email statuses: a syncing tool must not subscribe
# again someone who unsubscribed, complained or whose address bounces.
_EMAIL_STATUS = {
    SuppressionReason.UNSUBSCRIBED: "unsubscribed",
    SuppressionReason.COMPLAINED: "unsubscribed",
    SuppressionReason.BOUNCED: "bouncing",
}


def email_status(person: User) -> str:
    """From the ``suppression_reason`` the selectors annotate (no query here)."""
    return _EMAIL_STATUS.get(getattr(person, "suppression_reason", None), "subscribed")


def _address(person: User) -> PersonAddress | None:
    # Read through select_related: a missing row is cached too, so no query either way.
    try:
        return person.postal_address
    except PersonAddress.DoesNotExist:
        return None


def supporter_doc(request, supporter: Supporter) -> dict:
    """The signup helper's answer: the calling group's own record, built from it alone, so
    it reads the same whether or not the address has an account."""
    postal = []
    if supporter.postal_code or supporter.locality or supporter.country:
        postal.append(
            {
                "primary": True,
                "postal_code": supporter.postal_code,
                "locality": supporter.locality,
                "country": supporter.country,
            }
        )
    return {
        "identifiers": [f"{PREFIX}-supporter:{supporter.pk}"],
        "origin_system": settings.COALITION_NAME,
        "created_date": iso(supporter.created_at),
        "modified_date": iso(supporter.updated_at),
        "given_name": supporter.given_name,
        "family_name": supporter.family_name,
        "email_addresses": [{"address": supporter.email, "primary": True}],
        "phone_numbers": (
            [{"number": supporter.phone, "primary": True, "number_type": "Mobile"}]
            if supporter.phone
            else []
        ),
        "postal_addresses": postal,
        "custom_fields": {
            "group": supporter.group.slug,
            "tags": sorted(tag.name for tag in supporter.tags.all()),
        },
        "notice": _("Thank you: the supporter is recorded for %(group)s.")
        % {"group": supporter.group.name},
        "_links": {"curies": curies(request)},
    }


_EVENT_STATUS = {
    ActionStatus.PLANNED: "confirmed",
    ActionStatus.DONE: "confirmed",
    ActionStatus.CANCELLED: "cancelled",
}


def _event_tags(event: Action) -> list[str]:
    """The address of the day of action the event is registered for, as OSDI tags: a
    coalition following this one adds the events to its own day by that tag."""
    try:
        day_event = event.day_event
    except ObjectDoesNotExist:
        return []
    return [day_event.day.slug]


def event_doc(request, event: Action) -> dict:
    location: dict = {
        "venue": event.address or event.place.name,
        "address_lines": [event.address] if event.address else [],
        "locality": event.place.name,
        "postal_code": "",
    }
    if event.latitude is not None and event.longitude is not None:
        location["location"] = {
            "latitude": float(event.latitude),
            "longitude": float(event.longitude),
        }
    return {
        "identifiers": [identifier(event.pk)],
        "created_date": iso(event.created_at),
        "modified_date": iso(event.updated_at),
        "title": event.title,
        "name": event.title,
        "description": event.description,
        "browser_url": settings.SITE_URL + reverse("actions:detail", args=[event.pk]),
        "start_date": iso(event.starts_at),
        "end_date": iso(event.ends_at),
        "status": _EVENT_STATUS.get(event.status, "confirmed"),
        "visibility": "public" if event.visibility == "public" else "private",
        "capacity": event.capacity,
        "total_accepted": event.rsvp_count,
        "location": location,
        "tags": _event_tags(event),
        "_links": {
            "self": link(request, "osdi_event", event.pk),
            "osdi:attendances": link(request, "osdi_event_attendances", event.pk),
        },
    }


def attendance_doc(request, attendance: Participation) -> dict:
    """An RSVP. OSDI's status is "accepted" or, once cancelled, "declined".

    RSVPs without an account have no people resource to link to, so the
    person's name and email travel embedded (only people who may see RSVPs
    read attendances at all).
    """
    given, family = split_name(attendance.name)
    links = {
        "self": link(request, "osdi_attendance", attendance.pk),
        "osdi:event": link(request, "osdi_event", attendance.action_id),
    }
    if attendance.person_id:
        links["osdi:person"] = link(request, "osdi_person", attendance.person_id)
    return {
        "identifiers": [identifier(attendance.pk)],
        "created_date": iso(attendance.created_at),
        "modified_date": iso(attendance.cancelled_at or attendance.created_at),
        "action_date": iso(attendance.created_at),
        "status": "declined" if attendance.status == ParticipationStatus.CANCELLED else "accepted",
        "_links": links,
        "_embedded": {
            "osdi:person": {
                "given_name": given,
                "family_name": family,
                "email_addresses": [{"address": attendance.email, "primary": True}],
            }
        },
    }


def tag_doc(request, tag: Tag) -> dict:
    return {
        "identifiers": [identifier(tag.pk)],
        "created_date": iso(tag.created_at),
        "modified_date": iso(tag.created_at),
        "name": tag.name,
        "_links": {
            "self": link(request, "osdi_tag", tag.pk),
            "osdi:taggings": link(request, "osdi_tag_taggings", tag.pk),
        },
    }


def tagging_doc(request, tagging: Tagging) -> dict:
    return {
        "identifiers": [identifier(tagging.pk)],
        "created_date": iso(tagging.created_at),
        "modified_date": iso(tagging.created_at),
        "_links": {
            "self": link(request, "osdi_tagging", tagging.pk),
            "osdi:tag": link(request, "osdi_tag", tagging.tag_id),
            "osdi:person": link(request, "osdi_person", tagging.person_id),
        },
    }

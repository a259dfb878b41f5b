"""Sources: add another OSDI server, sync its events into ours, attach them to days of action.

Imported events are ``actions.Action`` rows with ``origin_system`` set to the
source's; a sync fetches everything first (within the client's limits) and
only then applies it in one transaction, so a run that fails half-way changes
nothing and keeps the last good data.
"""

from __future__ import annotations

import datetime
import html
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from urllib.parse import urljoin, urlsplit

import nh3
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from actions.models import Action, ActionKind, ActionStatus, Visibility
from actions.services.posting import without_control_characters
from coalition.errors import RuleBroken
from coalition.permissions import (
    can_coordinate,
    can_count_sources_in_figures,
    can_manage_group,
    can_manage_source,
    can_steward,
)
from convergence.models import DayOfAction, Event
from exchange.keys import key_decrypt, key_encrypt
from exchange.models import Source
from exchange.osdi_client import OsdiClient, OsdiError

# A full listing (which notices remote events that are gone) at least this often;
# runs in between ask only for what changed since the newest modified_date seen.
FULL_SYNC_EVERY = datetime.timedelta(hours=24)
# A claim older than this belongs to a worker that died: the source may be synced again.
CLAIM_STALE = datetime.timedelta(minutes=15)
# Remote descriptions keep only these tags before they become text: block breaks
# are kept as new lines, links as their text.
ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "strong", "em", "b", "i", "a"}


# --- Adding a source ---------------------------------------------------------------


def _origin_system(entry_point: str) -> str:
    return urlsplit(entry_point).netloc.lower()[:200]


@transaction.atomic
def source_create(
    *,
    by,
    name: str,
    entry_point: str,
    place,
    api_key: str = "",
    group=None,
    is_federation: bool = False,
    network_name: str = "",
    tag: str = "",
    window_start: datetime.date | None = None,
    window_end: datetime.date | None = None,
    counts_in_figures: bool = False,
    attach_day: DayOfAction | None = None,
    attach_tag: str = "",
) -> Source:
    """Add a source. ``by`` None is the command line (trusted); a person must manage it."""
    if by is not None:
        if group is None and not (can_steward(by) or can_coordinate(by)):
            raise RuleBroken(_("Choose one of your groups for this source."), field="group")
        if group is not None and not (
            can_steward(by) or can_coordinate(by) or can_manage_group(by, group)
        ):
            raise RuleBroken(_("Only the group's admins add sources for it."), field="group")
    if counts_in_figures and by is not None and not can_count_sources_in_figures(by):
        raise RuleBroken(
            _("Only the steering committee counts a source's events in our own figures."),
            field="counts_in_figures",
        )
    if urlsplit(entry_point).scheme not in {"http", "https"}:
        raise RuleBroken(
            _("The entry point must be an http or https address."), field="entry_point"
        )
    if window_start and window_end and window_end < window_start:
        raise RuleBroken(_("The window cannot end before it starts."), field="window_end")
    source = Source.objects.create(
        name=without_control_characters(name).strip()[:160],
        entry_point=entry_point,
        api_key_encrypted=key_encrypt(api_key.strip()),
        group=group,
        place=place,
        is_federation=is_federation,
        network_name=without_control_characters(network_name).strip()[:160],
        tag=tag.strip(),
        window_start=window_start,
        window_end=window_end,
        counts_in_figures=counts_in_figures,
        attach_day=attach_day,
        attach_tag=attach_tag.strip(),
        # Unique per source: two groups may follow the same server with their own keys.
        origin_system=f"pending:{timezone.now().timestamp()}",
        created_by=by,
    )
    source.origin_system = f"{_origin_system(entry_point)}#{source.pk}"
    source.save(update_fields=["origin_system"])
    return source


@transaction.atomic
def source_figures_set(*, source: Source, counted: bool, by) -> int:
    """The steering committee's choice: count the source's events in our own figures, or
    apart (the default). Applies to the events already imported; returns how many."""
    if not can_count_sources_in_figures(by):
        raise RuleBroken(
            _("Only the steering committee counts a source's events in our own figures.")
        )
    Source.objects.filter(pk=source.pk).update(counts_in_figures=counted)
    source.counts_in_figures = counted
    return Action.objects.filter(origin_system=source.origin_system).update(origin_counted=counted)


def source_rule_set(*, source: Source, day: DayOfAction | None, tag: str, by) -> None:
    """Set (or, without a day, clear) the rule that adds the source's events tagged ``tag``
    (by default the day's address) inside the day's window to the day, at each sync.

    The next sync reads the source whole, so events imported before the rule join too.
    """
    if not can_manage_source(by, source):
        raise RuleBroken(_("Only the source's managers can change its rule."))
    tag = without_control_characters(tag).strip()[:100]
    if day is None:
        tag = ""
    elif not tag:
        tag = day.slug
    Source.objects.filter(pk=source.pk).update(attach_day=day, attach_tag=tag, watermark=None)
    source.attach_day, source.attach_tag, source.watermark = day, tag, None
    if day is not None:
        source_sync_request(source=source, by=by)


def source_sync_request(*, source: Source, by) -> None:
    """Queue a sync now (the button on the source's page); the page never waits for it."""
    from coalition.outbox import outbox_add
    from exchange.tasks import source_sync as task

    if by is not None and not can_manage_source(by, source):
        raise RuleBroken(_("Only the source's managers can sync it."))
    outbox_add(task, source_id=source.pk)


# --- Reading remote events ----------------------------------------------------------


@dataclass
class RemoteEvent:
    origin_id: str
    title: str
    description: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    cancelled: bool
    public: bool
    modified: datetime.datetime | None
    url: str
    rsvp_url: str
    address: str
    latitude: Decimal | None
    longitude: Decimal | None
    tags: set[str] = field(default_factory=set)


def _text(item: dict, name: str, *, required: bool = False) -> str:
    value = item.get(name)
    if value is None or value == "":
        if required:
            raise OsdiError(f"An event has no {name}.")
        return ""
    if not isinstance(value, str):
        raise OsdiError(f"An event's {name} is not text.")
    return without_control_characters(value)


def _moment(item: dict, name: str, *, required: bool = False) -> datetime.datetime | None:
    raw = _text(item, name, required=required)
    if not raw:
        return None
    try:
        moment = parse_datetime(raw)
    except ValueError:
        moment = None
    if moment is None or not 1900 <= moment.year <= 2999:
        raise OsdiError(f"An event's {name} is not a date and time: {raw[:40]!r}.")
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def _web_address(value) -> str:
    if isinstance(value, str) and urlsplit(value).scheme in {"http", "https"} and len(value) <= 500:
        return value
    return ""


def description_text(raw: str) -> str:
    """Remote HTML cleaned to the allow-list by nh3, then kept as plain text (shown
    escaped, like local text): paragraphs and list items become new lines."""
    cleaned = nh3.clean(raw, tags=ALLOWED_TAGS, attributes={"a": {"href"}},
                        url_schemes={"http", "https", "mailto"})  # fmt: skip
    cleaned = re.sub(r"(?i)<br\s*/?>|</p>|</li>", "\n", cleaned)
    plain = html.unescape(nh3.clean(cleaned, tags=set()))
    plain = re.sub(r"\n{3,}", "\n\n", plain).strip()
    return without_control_characters(plain)[:10_000]


def _coordinate(value, low: int, high: int) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise OsdiError("An event's coordinates are not numbers.")
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except InvalidOperation:
        raise OsdiError("An event's coordinates are not numbers.") from None
    if not low <= number <= high:
        raise OsdiError("An event's coordinates are not on Earth.")
    return number


def _tags(item: dict) -> set[str]:
    found = item.get("tags")
    custom = item.get("custom_fields")
    if found is None and isinstance(custom, dict):
        found = custom.get("tags")
    if found is None:
        return set()
    if not isinstance(found, list):
        raise OsdiError("An event's tags are not a list.")
    names = set()
    for tag in found:
        name = tag.get("name") if isinstance(tag, dict) else tag
        if isinstance(name, str):
            names.add(name.strip().lower())
    return names


def remote_event(item: dict) -> RemoteEvent:
    """One OSDI event resource read strictly: a wrong type is an OsdiError naming it."""
    identifiers = item.get("identifiers")
    if not isinstance(identifiers, list) or not identifiers:
        raise OsdiError("An event has no identifiers.")
    if not all(isinstance(one, str) and one for one in identifiers):
        raise OsdiError("An event's identifiers are not text.")
    title = (_text(item, "title") or _text(item, "name")).strip()
    if not title:
        raise OsdiError("An event has no title.")
    starts_at = _moment(item, "start_date", required=True)
    ends_at = _moment(item, "end_date") or starts_at
    if ends_at < starts_at:
        ends_at = starts_at
    location = item.get("location") or {}
    if not isinstance(location, dict):
        raise OsdiError("An event's location is not an object.")
    lines = location.get("address_lines") or []
    if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
        raise OsdiError("An event's address lines are not a list of text.")
    parts = [location.get("venue"), *lines, location.get("locality")]
    address = ", ".join(dict.fromkeys(p.strip() for p in parts if isinstance(p, str) and p.strip()))
    point = location.get("location") or {}
    if not isinstance(point, dict):
        raise OsdiError("An event's coordinates are not an object.")
    latitude = _coordinate(point.get("latitude"), -90, 90)
    longitude = _coordinate(point.get("longitude"), -180, 180)
    if latitude is None or longitude is None:
        latitude = longitude = None
    links = item.get("_links") if isinstance(item.get("_links"), dict) else {}
    self_link = OsdiClient.link({"_links": links}, "self") or ""
    return RemoteEvent(
        origin_id=identifiers[0][:200],
        title=title[:160],
        description=description_text(_text(item, "description")),
        starts_at=starts_at,
        ends_at=ends_at,
        cancelled=_text(item, "status").lower() == "cancelled",
        public=_text(item, "visibility").lower() in {"", "public"},
        modified=_moment(item, "modified_date"),
        url=_web_address(item.get("browser_url")) or _web_address(self_link),
        rsvp_url=_web_address(
            OsdiClient.link({"_links": links}, "osdi:record_attendance_helper") or ""
        ),
        address=without_control_characters(address)[:300],
        latitude=latitude,
        longitude=longitude,
        tags=_tags(item),
    )


def _wanted(source: Source, event: RemoteEvent) -> bool:
    if source.tag and source.tag.lower() not in event.tags:
        return False
    day = event.starts_at.date()
    if source.window_start and day < source.window_start:
        return False
    return not (source.window_end and day > source.window_end)


def _fetch(source: Source, *, full: bool) -> tuple[list[RemoteEvent], bool]:
    key = key_decrypt(source.api_key_encrypted)
    if key is None:
        raise OsdiError(
            "The API key cannot be read (it was saved under another SOURCES_KEY): enter it again."
        )
    client = OsdiClient(source.entry_point, api_key=key)
    entry = client.get(source.entry_point)
    events_url = client.link(entry, "osdi:events")
    if events_url is None:
        raise OsdiError("The entry point has no osdi:events link: this server offers no events.")
    events_url = urljoin(source.entry_point, events_url)
    params = None
    if not full and source.watermark is not None and source.filter_supported:
        moment = source.watermark.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        params = {"filter": f"modified_date gt '{moment}'"}
    try:
        # Read as they come: a wrong item stops the run before more pages are fetched.
        events = [
            remote_event(item) for item in client.collection(events_url, "osdi:events", params)
        ]
    except OsdiError as problem:
        if params is None or " answered 400" not in str(problem):
            raise
        # The server does not filter: remember it, and read everything from now on.
        Source.objects.filter(pk=source.pk).update(filter_supported=False)
        source.filter_supported = False
        events = [remote_event(item) for item in client.collection(events_url, "osdi:events")]
        full = True
    return events, full


# --- Applying ----------------------------------------------------------------------


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    cancelled: int = 0
    unchanged: int = 0
    error: str = ""
    skipped: bool = False

    def line(self, name: str) -> str:
        if self.error:
            return f"{name}: error: {self.error}"
        return (
            f"{name}: created {self.created}, updated {self.updated}, "
            f"cancelled {self.cancelled}, unchanged {self.unchanged}"
        )


def _host_group(source: Source):
    """The group that hosts the source's events: its own, or one standing for the network."""
    if source.group_id:
        return source.group
    from members.models import Group, GroupKind, Stage

    group, _made = Group.objects.get_or_create(
        slug=f"followed-{source.pk}",
        defaults={
            "name": source.shown_name[:160],
            "kind": GroupKind.OTHER,
            "place": source.place,
            "stage": Stage.LAPSED,
            "description": _("Events followed from %(url)s.") % {"url": source.entry_point},
        },
    )
    return group


def _fields(source: Source, event: RemoteEvent) -> dict:
    return {
        "title": event.title,
        "description": event.description,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "address": event.address,
        "latitude": event.latitude,
        "longitude": event.longitude,
        "visibility": Visibility.PUBLIC if event.public else Visibility.NETWORK,
        "origin_url": event.url,
        "origin_rsvp_url": event.rsvp_url,
        "origin_name": source.shown_name[:160],
        "origin_counted": source.counts_in_figures,
    }


def _apply(source: Source, remote: list[RemoteEvent], *, full: bool) -> SyncResult:
    result = SyncResult()
    group = _host_group(source)
    existing = {
        action.origin_id: action
        for action in Action.objects.select_for_update().filter(origin_system=source.origin_system)
    }
    seen: set[str] = set()
    attach: list[Action] = []
    for event in remote:
        if event.origin_id in seen:
            continue
        seen.add(event.origin_id)
        action = existing.get(event.origin_id)
        wanted = _wanted(source, event)
        if action is None:
            if event.cancelled or not wanted:
                continue
            action = Action.objects.create(
                host_group=group, kind=ActionKind.EVENT, place=source.place,
                origin_system=source.origin_system, origin_id=event.origin_id,
                origin_modified=event.modified, **_fields(source, event),
            )  # fmt: skip
            result.created += 1
        elif event.cancelled or not wanted:
            if action.status != ActionStatus.CANCELLED:
                Action.objects.filter(pk=action.pk).update(
                    status=ActionStatus.CANCELLED, origin_modified=event.modified,
                    updated_at=timezone.now(),
                )  # fmt: skip
                result.cancelled += 1
            else:
                result.unchanged += 1
            continue
        else:
            changes = {
                name: value
                for name, value in _fields(source, event).items()
                if getattr(action, name) != value
            }
            if action.status == ActionStatus.CANCELLED:
                changes["status"] = ActionStatus.PLANNED
            if changes:
                for name, value in changes.items():
                    setattr(action, name, value)
                action.origin_modified = event.modified
                action.save()
                result.updated += 1
            else:
                result.unchanged += 1
        if source.attach_tag and source.attach_tag.lower() in event.tags:
            attach.append(action)
    if full:
        # Gone from the other side (deleted, made private, out of the filter): cancelled
        # here, never deleted, so RSVPs and links stay.
        gone = [
            action.pk
            for origin_id, action in existing.items()
            if origin_id not in seen and action.status != ActionStatus.CANCELLED
        ]
        result.cancelled += Action.objects.filter(pk__in=gone).update(
            status=ActionStatus.CANCELLED, updated_at=timezone.now()
        )
    if source.attach_day_id and attach:
        _attach(source.attach_day, attach, by=None)
    return result


def _attach(day: DayOfAction, actions: list[Action], *, by) -> int:
    added = 0
    taken = set(Event.objects.filter(action__in=actions).values_list("action_id", flat=True))
    for action in actions:
        if action.pk in taken:
            continue
        if action.starts_at < day.starts_at or action.starts_at > day.ends_at:
            continue
        Event.objects.create(day=day, action=action, registered_by=by)
        added += 1
    return added


def source_sync(*, source_id: int, full: bool | None = None) -> SyncResult:
    """Fetch the source's events and apply the changes; the outcome is recorded on it.

    Never raises for a remote problem: the error is kept on the source (its page shows
    it) and the previous data stays. A source already being synced is skipped.
    """
    now = timezone.now()
    claimed = Source.objects.filter(
        Q(sync_claimed_at__isnull=True) | Q(sync_claimed_at__lt=now - CLAIM_STALE), pk=source_id
    ).update(sync_claimed_at=now)
    if not claimed:
        return SyncResult(skipped=True, error=_("A sync of this source is already running."))
    source = Source.objects.select_related("group", "place", "attach_day").get(pk=source_id)
    if full is None:
        full = (
            source.watermark is None
            or not source.filter_supported
            or (
                source.last_good_sync_at is None or source.last_good_sync_at < now - FULL_SYNC_EVERY
            )
        )
    try:
        if not source.take_events:
            remote, full = [], False
        else:
            remote, full = _fetch(source, full=full)
        with transaction.atomic():
            result = _apply(source, remote, full=full)
    except OsdiError as problem:
        result = SyncResult(error=str(problem)[:2000])
    except Exception as problem:  # a bug must not leave the source claimed forever
        Source.objects.filter(pk=source_id).update(
            sync_claimed_at=None, last_sync_at=timezone.now(),
            last_error=f"{problem.__class__.__name__}: {problem}"[:2000],
        )  # fmt: skip
        raise
    finished = timezone.now()
    record: dict = {"sync_claimed_at": None, "last_sync_at": finished}
    if result.error:
        record.update(last_error=result.error, failures=source.failures + 1)
    else:
        newest = max((event.modified for event in remote if event.modified), default=None)
        record.update(
            last_error="", failures=0, last_good_sync_at=finished,
            created_count=result.created, updated_count=result.updated,
            cancelled_count=result.cancelled, unchanged_count=result.unchanged,
        )  # fmt: skip
        if newest is not None and (source.watermark is None or newest > source.watermark):
            record["watermark"] = newest
    Source.objects.filter(pk=source_id).update(**record)
    return result


def sources_due() -> list[int]:
    """The sources whose last sync is older than SOURCES_SYNC_MINUTES (with backoff after
    failures: 1, 2, 4 … times longer, at most a day)."""
    now = timezone.now()
    due = []
    for source in Source.objects.filter(take_events=True).only("pk", "last_sync_at", "failures"):
        wait = datetime.timedelta(minutes=settings.SOURCES_SYNC_MINUTES) * 2 ** min(
            source.failures, 5
        )
        if (
            source.last_sync_at is None
            or source.last_sync_at + min(wait, datetime.timedelta(days=1)) <= now
        ):
            due.append(source.pk)
    return due


# --- Days of action ----------------------------------------------------------------


@transaction.atomic
def source_events_attach(*, source: Source, day: DayOfAction, action_ids: list[int], by) -> int:
    """Add the source's imported events to a day of action in one step; how many joined."""
    if not can_manage_source(by, source):
        raise RuleBroken(_("Only the source's managers can add its events to a day of action."))
    actions = list(
        Action.objects.filter(origin_system=source.origin_system, pk__in=action_ids).exclude(
            status=ActionStatus.CANCELLED
        )
    )
    if not actions:
        raise RuleBroken(_("Choose at least one imported event."), field="events")
    outside = [a.title for a in actions if not day.starts_at <= a.starts_at <= day.ends_at]
    if outside:
        raise RuleBroken(
            _("These events are outside the day's window: %(titles)s.")
            % {"titles": ", ".join(outside)},
            field="events",
        )
    return _attach(day, actions, by=by)


# --- RSVPs at the origin -------------------------------------------------------------


def source_for_action(action: Action) -> Source | None:
    if not action.origin_system:
        return None
    return Source.objects.filter(origin_system=action.origin_system).first()


def rsvp_forward(*, action_id: int, given_name: str, family_name: str, email: str) -> str:
    """Record an attendance at the origin's OSDI record attendance helper; "" or the error."""
    action = Action.objects.get(pk=action_id)
    source = source_for_action(action)
    if source is None or not action.origin_rsvp_url:
        return "no helper"
    body = {
        "person": {
            "given_name": given_name,
            "family_name": family_name,
            "email_addresses": [{"address": email, "primary": True}],
        }
    }
    try:
        OsdiClient(source.entry_point, api_key=key_decrypt(source.api_key_encrypted) or "").post(
            action.origin_rsvp_url, body
        )
    except OsdiError as problem:
        return str(problem)
    return ""

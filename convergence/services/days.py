"""Creating, editing, publishing and reporting days of action (coordinators, steering)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from actions.models import ActionStatus
from actions.services.posting import without_control_characters
from coalition.errors import RuleBroken
from coalition.mail import language_for
from coalition.models import Coalition, Place
from coalition.permissions import can_coordinate, can_report_day
from convergence import notification_kinds
from convergence.models import DayOfAction, DayStatus, Event
from members.models import Group, OutreachMessage, Stage
from members.selectors_outreach import audience_recipients
from members.services.outreach import outreach_create, outreach_send

logger = logging.getLogger(__name__)

TITLE_MAX = 160
PURPOSE_MAX = 4000
TARGET_MAX = 300
ASK_MAX = 2000
GOAL_MAX = 10_000_000
SLUG_MAX = 70  # leaves room for "-123" inside the field's 80 characters
# Fixed addresses under /days/ that a day's own address must not shadow.
RESERVED_SLUGS = frozenset({"new", "feed", "calendar", "map", "search"})
# Stages of the groups a published day is announced to: those that signed.
ANNOUNCED_STAGES = (Stage.ALIGNED, Stage.PRODUCING)
# A day's window or places may change while it has events only in ways that
# keep every event inside; a cancelled event no longer holds the day to it.
_LIVE_EVENT = ~Q(action__status=ActionStatus.CANCELLED)


def day_path(day: DayOfAction) -> str:
    """The public page's path, for links within the site."""
    try:
        return reverse("convergence:day", args=[day.slug])
    except NoReverseMatch:  # the public page lives in another module of the app
        return f"/days/{day.slug}/"


def day_url(day: DayOfAction) -> str:
    """The public page's full address, for email."""
    return settings.SITE_URL + day_path(day)


def window_text(starts_at: datetime, ends_at: datetime) -> str:
    """“12 May 2026, 9 a.m. – 13 May 2026, 6 p.m.” in the current time zone and language."""
    start = formats.date_format(timezone.localtime(starts_at), "DATETIME_FORMAT")
    end = formats.date_format(timezone.localtime(ends_at), "DATETIME_FORMAT")
    return f"{start} – {end}"


def _coalition_name() -> str:
    name = Coalition.objects.filter(pk=1).values_list("name", flat=True).first()
    return name or settings.COALITION_NAME


def _check_can_coordinate(by) -> None:
    if not can_coordinate(by):
        raise RuleBroken(_("Only coordinators and the steering committee run days of action."))


def _check_text(value: str, *, field: str, limit: int, required: bool = True) -> str:
    # Control characters break the calendar and the emails the day's words go into.
    value = without_control_characters(value).strip()
    if required and not value:
        raise RuleBroken(_("This field is required."), field=field)
    if len(value) > limit:
        raise RuleBroken(
            _("This is %(length)s characters long; the limit is %(limit)s.")
            % {"length": len(value), "limit": limit},
            field=field,
        )
    return value


def _check_window(starts_at: datetime, ends_at: datetime) -> None:
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise RuleBroken(_("Give the time zone of the window."), field="starts_at")
    if ends_at <= starts_at:
        raise RuleBroken(_("The window must end after it starts."), field="ends_at")


def _check_places(places: Iterable[Place]) -> list[Place]:
    places = list(places)
    if not places:
        raise RuleBroken(_("Choose at least one place the day of action covers."), field="places")
    return places


def _check_goal(value: int | None, *, field: str) -> int | None:
    if value is None:
        return None
    if not 1 <= value <= GOAL_MAX:
        raise RuleBroken(
            _("A goal is a number from 1 to %(max)s; leave it empty for none.") % {"max": GOAL_MAX},
            field=field,
        )
    return value


def _clean(fields: dict) -> dict:
    """Every rule on a day's own fields; returns them cleaned."""
    clean = {
        "title": _check_text(fields["title"], field="title", limit=TITLE_MAX),
        "purpose": _check_text(fields["purpose"], field="purpose", limit=PURPOSE_MAX),
        "target": _check_text(fields["target"], field="target", limit=TARGET_MAX),
        "ask": _check_text(fields["ask"], field="ask", limit=ASK_MAX),
        "starts_at": fields["starts_at"],
        "ends_at": fields["ends_at"],
        "goal_events": _check_goal(fields.get("goal_events"), field="goal_events"),
        "goal_participants": _check_goal(
            fields.get("goal_participants"), field="goal_participants"
        ),
    }
    _check_window(clean["starts_at"], clean["ends_at"])
    return clean


def _unique_slug(title: str) -> str:
    """The title as an address; "-2", "-3"… when it is taken (one query)."""
    base = slugify(title)[:SLUG_MAX].strip("-") or "day-of-action"
    taken = set(DayOfAction.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    taken |= RESERVED_SLUGS
    slug, number = base, 2
    while slug in taken:
        slug = f"{base}-{number}"
        number += 1
    return slug


@transaction.atomic
def day_create(
    *,
    by,
    title: str,
    purpose: str,
    target: str,
    ask: str,
    starts_at: datetime,
    ends_at: datetime,
    places: Iterable[Place],
    hub_groups: Iterable[Group] = (),
    goal_events: int | None = None,
    goal_participants: int | None = None,
) -> DayOfAction:
    """A draft day of action; its address comes from the title and never changes."""
    _check_can_coordinate(by)
    clean = _clean(
        {
            "title": title, "purpose": purpose, "target": target, "ask": ask,
            "starts_at": starts_at, "ends_at": ends_at, "goal_events": goal_events,
            "goal_participants": goal_participants,
        }
    )  # fmt: skip
    places = _check_places(places)
    for _attempt in range(5):
        try:
            # A savepoint: two coordinators choosing the same title at the same
            # moment both pass the lookup; the loser takes the next free slug.
            with transaction.atomic():
                day = DayOfAction.objects.create(
                    slug=_unique_slug(clean["title"]), created_by=by, **clean
                )
            break
        except IntegrityError:
            continue
    else:
        raise RuleBroken(_("Another day of action took this address; please try again."))
    day.places.set(places)
    day.hub_groups.set(list(hub_groups))
    return day


def _events_outside(
    day: DayOfAction, *, starts_at, ends_at, places: list[Place]
) -> tuple[int, int]:
    """How many registered (not cancelled) events the new window or places would leave out."""
    events = Event.objects.filter(_LIVE_EVENT, day=day)
    outside_window = events.filter(
        Q(action__starts_at__lt=starts_at) | Q(action__ends_at__gt=ends_at)
    ).count()
    inside = Q(pk__in=[])
    for place in places:
        inside |= Q(action__place__path__startswith=place.path)
    outside_places = events.exclude(inside).count()
    return outside_window, outside_places


@transaction.atomic
def day_update(
    *,
    day: DayOfAction,
    by,
    title: str,
    purpose: str,
    target: str,
    ask: str,
    starts_at: datetime,
    ends_at: datetime,
    places: Iterable[Place],
    hub_groups: Iterable[Group] = (),
    goal_events: int | None = None,
    goal_participants: int | None = None,
) -> DayOfAction:
    """Change a day's details (not its address); registered events must stay inside it."""
    _check_can_coordinate(by)
    clean = _clean(
        {
            "title": title, "purpose": purpose, "target": target, "ask": ask,
            "starts_at": starts_at, "ends_at": ends_at, "goal_events": goal_events,
            "goal_participants": goal_participants,
        }
    )  # fmt: skip
    places = _check_places(places)
    # Locked, so an event registered while this runs is checked against
    # either the old day or the new one, never half of each.
    locked = DayOfAction.objects.select_for_update().get(pk=day.pk)
    outside_window, outside_places = _events_outside(
        locked, starts_at=clean["starts_at"], ends_at=clean["ends_at"], places=places
    )
    if outside_window:
        raise RuleBroken(
            translation.ngettext(
                "%(count)s registered event would fall outside this window; "
                "keep the window around it.",
                "%(count)s registered events would fall outside this window; "
                "keep the window around them.",
                outside_window,
            )
            % {"count": outside_window},
            field="starts_at",
        )
    if outside_places:
        raise RuleBroken(
            translation.ngettext(
                "%(count)s registered event would fall outside these places; "
                "keep its place covered.",
                "%(count)s registered events would fall outside these places; "
                "keep their places covered.",
                outside_places,
            )
            % {"count": outside_places},
            field="places",
        )
    for name, value in clean.items():
        setattr(locked, name, value)
    locked.save(update_fields=list(clean))
    locked.places.set(places)
    locked.hub_groups.set(list(hub_groups))
    if locked.status != DayStatus.DRAFT:
        # A draft concerns no one yet; a published day's groups hear of the change.
        notification_kinds.tell_changed(day=locked, by=by)
    return locked


def _quoted(text: str) -> str:
    # The announcement goes through outreach, which reads "{{ … }}" as merge
    # fields and refuses unknown ones: a day's own words are never merge fields.
    return text.replace("{{", "{ {").replace("}}", "} }")


def _announcement(day: DayOfAction) -> tuple[str, str]:
    """Subject and body of the announcement, in the coalition's language."""
    coalition = _coalition_name()
    with translation.override(language_for()):
        window = window_text(day.starts_at, day.ends_at)
        subject = _("Day of action: %(title)s, %(window)s") % {
            "title": _quoted(" ".join(day.title.split())),
            "window": window,
        }
        body = _(
            "Hello {{ person.first_name }},\n\n"
            "%(coalition)s calls every group to act together: %(title)s.\n\n"
            "When: %(window)s\n"
            "Who we press: %(target)s\n\n"
            "The ask: %(ask)s\n\n"
            "Why: %(purpose)s\n\n"
            "{{ group.name }} can register a local event, and find the toolkit, here:\n"
            "%(link)s\n\n"
            "Thank you,\n%(coalition)s"
        ) % {
            "coalition": _quoted(coalition),
            "title": _quoted(day.title),
            "window": window,
            "target": _quoted(day.target),
            "ask": _quoted(day.ask),
            "purpose": _quoted(day.purpose),
            "link": day_url(day),
        }
    return subject[:200], body


@transaction.atomic
def day_publish(*, day: DayOfAction, by) -> OutreachMessage | None:
    """Open a draft for registration and announce it to the signed groups in its places.

    The draft is claimed with a conditional UPDATE, so a double click (or two
    coordinators at once) publishes, and announces, once. The announcement is
    an outreach message to every aligned or producing group whose place is in
    (or under) one of the day's places; ``None`` when there is no one to tell.
    """
    _check_can_coordinate(by)
    if day.ends_at <= timezone.now():
        raise RuleBroken(_("The window of this day of action is over; move it before publishing."))
    claimed = DayOfAction.objects.filter(pk=day.pk, status=DayStatus.DRAFT).update(
        status=DayStatus.OPEN, published_at=timezone.now()
    )
    if not claimed:
        raise RuleBroken(_("This day of action is already published: it was announced once."))
    day.refresh_from_db()
    notification_kinds.tell_published(day=day, by=by)
    audience = {
        "stages": list(ANNOUNCED_STAGES),
        "places": list(day.places.values_list("pk", flat=True)),
    }
    if not audience_recipients(audience):
        logger.info("Day of action %s published; no group to announce it to", day.pk)
        return None
    subject, body = _announcement(day)
    message = outreach_create(
        subject=subject, body=body, audience=audience, by=by, sender_name=_coalition_name()
    )
    sent = outreach_send(message=message, by=by)
    logger.info("Day of action %s published by %s; announced to %s", day.pk, by.pk, sent)
    return message


@transaction.atomic
def day_report(*, day: DayOfAction, by) -> DayOfAction:
    """The steering committee marks a closed day as reported (once)."""
    if not can_report_day(by):
        raise RuleBroken(_("Only the steering committee marks a day of action as reported."))
    now = timezone.now()
    done = DayOfAction.objects.filter(pk=day.pk, status=DayStatus.CLOSED).update(
        status=DayStatus.REPORTED, reported_at=now, reported_by=by
    )
    if not done:
        current = DayOfAction.objects.filter(pk=day.pk).values_list("status", flat=True).first()
        if current == DayStatus.REPORTED:
            raise RuleBroken(_("This day of action is already marked as reported."))
        raise RuleBroken(
            _("Only a closed day of action can be marked as reported; this one is %(status)s.")
            % {"status": DayStatus(current).label if current else "?"}
        )
    day.refresh_from_db()
    return day

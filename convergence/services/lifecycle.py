"""A day of action's life after publishing: live, closed with its totals, and hosts' outcomes.

Celery beat runs ``days_advance`` every few minutes: an open day goes live
when its window opens, and an open or live day closes when its window
closes. Closing computes the day's totals of outcomes once.

Totals count the events *held*: public or network events (group-only
events are the host group's own business and stay out of the network's
figures), not cancelled, not hidden by the stewards, that have ended.
Participants are what hosts reported; an event whose host reported nothing
counts its confirmed RSVPs instead (``rsvp_count``), so an unreported event
is neither lost nor inflated beyond what the network knew. Letters,
signatures and media pieces count only what was reported.

Hosts often report a few days after the window closed. While the day is
``closed`` every outcome saved through ``event_outcomes_record`` recounts
the totals (``day_totals_refresh``); once the steering committee marks the
day ``reported`` its totals are frozen as signed off, and later reports
only change the event's own record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from actions.models import ActionStatus, Visibility
from actions.services.posting import action_update
from coalition.errors import RuleBroken
from coalition.permissions import can_edit_action
from convergence.models import DayOfAction, DayStatus, Event

# Which events count in the totals shown on the day's public page: public ones
# only, like the live counts, so the public page never reflects network-only
# or group-only events, not even as a number.
TOTALS_VISIBILITIES = (Visibility.PUBLIC,)
OPEN_STATUSES = (DayStatus.OPEN, DayStatus.LIVE)
STORY_MAX = 4000


def day_totals(*, day: DayOfAction, now: datetime | None = None) -> dict[str, int]:
    """The day's outcomes as they stand: one aggregate query."""
    now = now or timezone.now()
    held = Q(
        day_id=day.pk,
        action__visibility__in=TOTALS_VISIBILITIES,
        action__hidden_at__isnull=True,
        action__ends_at__lte=now,
    ) & ~Q(action__status=ActionStatus.CANCELLED)
    totals = Event.objects.filter(held).aggregate(
        events=Count("pk"),
        participants=Coalesce(Sum(Coalesce("action__participants", "action__rsvp_count")), 0),
        letters=Coalesce(Sum("action__letters_sent"), 0),
        signatures=Coalesce(Sum("action__signatures_gathered"), 0),
        media=Coalesce(Sum("action__media_pieces"), 0),
    )
    return {
        "total_events": totals["events"],
        "total_participants": totals["participants"],
        "total_letters": totals["letters"],
        "total_signatures": totals["signatures"],
        "total_media": totals["media"],
    }


def _store_totals(day: DayOfAction, totals: dict[str, int], at: datetime) -> None:
    DayOfAction.objects.filter(pk=day.pk).update(**totals, totals_at=at)
    for name, value in totals.items():
        setattr(day, name, value)
    day.totals_at = at


@transaction.atomic
def day_close(*, day: DayOfAction, now: datetime | None = None) -> bool:
    """Close an open or live day and total its outcomes; True if this call closed it.

    The status moves with one conditional UPDATE, which also locks the row
    until the totals are stored: of two workers closing the same day, the
    second finds it no longer open and does nothing, so totals are computed
    once. It does not look at the window: ``days_advance`` calls it when the
    window has closed; a coordinator may call it earlier to end a day.
    """
    now = now or timezone.now()
    closed = DayOfAction.objects.filter(pk=day.pk, status__in=OPEN_STATUSES).update(
        status=DayStatus.CLOSED
    )
    if not closed:
        return False
    day.status = DayStatus.CLOSED
    _store_totals(day, day_totals(day=day, now=now), now)
    return True


@transaction.atomic
def day_totals_refresh(*, day: DayOfAction) -> bool:
    """Recount a closed day's totals after a late report; True if recounted.

    Only ``closed`` days: open and live days are totalled when they close,
    reported days keep the totals the steering committee signed off. The
    day's row is locked first, so concurrent recounts run one after the
    other and the last one sees every committed report.
    """
    locked = DayOfAction.objects.select_for_update().filter(pk=day.pk).first()
    if locked is None or locked.status != DayStatus.CLOSED:
        return False
    now = timezone.now()
    _store_totals(day, day_totals(day=locked, now=now), now)
    return True


@dataclass(frozen=True)
class Advanced:
    went_live: int
    closed: list[int]


def days_advance(*, now: datetime | None = None) -> Advanced:
    """Move days along their windows; safe to run twice or at the same time."""
    now = now or timezone.now()
    went_live = DayOfAction.objects.filter(
        status=DayStatus.OPEN, starts_at__lte=now, ends_at__gt=now
    ).update(status=DayStatus.LIVE)
    closed = [
        day.pk
        for day in DayOfAction.objects.filter(status__in=OPEN_STATUSES, ends_at__lte=now)
        if day_close(day=day, now=now)
    ]
    return Advanced(went_live=went_live, closed=closed)


# --- Outcomes reported by hosts ---------------------------------------------


def event_outcomes_refusal(*, event: Event, now: datetime | None = None) -> str | None:
    """Why outcomes cannot be reported for ``event`` yet (None: they can)."""
    action = event.action
    if action.status == ActionStatus.CANCELLED:
        return _("This event was cancelled: there are no outcomes to report.")
    if action.ends_at > (now or timezone.now()):
        return _("You can report what came of this event once it has ended.")
    return None


@transaction.atomic
def event_outcomes_record(
    *,
    event: Event,
    by,
    participants: int | None,
    letters_sent: int | None,
    signatures_gathered: int | None,
    media_pieces: int | None,
    story: str = "",
) -> Event:
    """Record what came of an event (the action becomes done) and recount a closed day.

    The day's row is locked before its status is read, the same lock
    ``day_close`` takes: a report saved while the day is closing is either
    counted by the closing or recounts after it, never missed.
    """
    if not can_edit_action(by, event.action):
        raise RuleBroken(_("Only the event's hosts can report its outcomes."))
    refusal = event_outcomes_refusal(event=event)
    if refusal:
        raise RuleBroken(refusal)
    for name, value in (
        ("participants", participants),
        ("letters_sent", letters_sent),
        ("signatures_gathered", signatures_gathered),
        ("media_pieces", media_pieces),
    ):
        if value is not None and value < 0:
            raise RuleBroken(_("Give a number of zero or more."), field=name)
    story = story.strip()
    if len(story) > STORY_MAX:
        raise RuleBroken(
            _("Tell the story in at most %(max)s characters.") % {"max": STORY_MAX}, field="story"
        )
    day = DayOfAction.objects.select_for_update().get(pk=event.day_id)
    changes = {
        "participants": participants,
        "letters_sent": letters_sent,
        "signatures_gathered": signatures_gathered,
        "media_pieces": media_pieces,
        "story": story,
    }
    if event.action.status == ActionStatus.PLANNED:
        # Reported zeros are outcomes too: mark it done whatever the numbers.
        changes["status"] = ActionStatus.DONE
    event.action = action_update(action=event.action, by=by, **changes)
    if day.status == DayStatus.CLOSED:
        day_totals_refresh(day=day)
    event.day = day
    return event

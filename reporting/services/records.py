"""Writes of wins and climate signals: the rules every page, import and API call obeys."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from actions.models import Action
from actions.selectors import actions_visible_to
from coalition.errors import RuleBroken
from coalition.models import Place
from convergence.models import DayOfAction
from convergence.selectors import days_visible_to
from reporting.models import ClimateSignal, SignalKind, Stance, Win, WinLevel

TITLE_MAX = 200
SOURCE_MAX = 200
WIN_DESCRIPTION_MAX = 4000
SIGNAL_SUMMARY_MAX = 2000
URL_MAX = 200


def _check_date(value: datetime.date, *, field: str) -> None:
    if value > timezone.localdate():
        raise RuleBroken(_("The date cannot be in the future."), field=field)


def _check_link(url: str, *, field: str) -> None:
    # Only web links: a javascript: or data: link would run in the reader's browser.
    if not url:
        return
    parts = urlsplit(url)
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        raise RuleBroken(_("The link must start with http:// or https://."), field=field)
    if len(url) > URL_MAX:
        raise RuleBroken(
            _("The link is too long (at most %(max)s characters).") % {"max": URL_MAX},
            field=field,
        )


def _check_text(value: str, limit: int, *, field: str, required: bool = False) -> None:
    if required and not value.strip():
        raise RuleBroken(_("This field is required."), field=field)
    if len(value) > limit:
        raise RuleBroken(
            _("This text is too long (at most %(max)s characters).") % {"max": limit},
            field=field,
        )


def _visible_days(
    by, days: Iterable[DayOfAction], *, field: str = "days_of_action"
) -> list[DayOfAction]:
    days = list(days)
    ids = {day.pk for day in days}
    if ids and days_visible_to(by).filter(pk__in=ids).count() != len(ids):
        raise RuleBroken(_("Choose days of action you can see."), field=field)
    return days


def _visible_actions(by, actions: Iterable[Action]) -> list[Action]:
    actions = list(actions)
    ids = {action.pk for action in actions}
    if ids and actions_visible_to(by).filter(pk__in=ids).count() != len(ids):
        raise RuleBroken(_("Choose actions you can see."), field="actions")
    return actions


@transaction.atomic
def win_save(
    *,
    by,
    title: str,
    won_on: datetime.date,
    place: Place,
    level: str,
    win: Win | None = None,
    description: str = "",
    evidence_url: str = "",
    days_of_action: Iterable[DayOfAction] = (),
    actions: Iterable[Action] = (),
    shifted_climate: bool = False,
    is_public: bool = False,
) -> Win:
    """Record a new win (``win`` None) or correct one, with the days and actions that led to it.

    The days and actions must be ones ``by`` may see, so nobody links (and
    learns the existence of) a group-only action through a win.
    """
    title = title.strip()
    _check_text(title, TITLE_MAX, field="title", required=True)
    _check_text(description, WIN_DESCRIPTION_MAX, field="description")
    _check_date(won_on, field="won_on")
    _check_link(evidence_url, field="evidence_url")
    if level not in WinLevel.values:
        raise RuleBroken(_("Choose a level: partial or full."), field="level")
    days = _visible_days(by, days_of_action)
    chosen_actions = _visible_actions(by, actions)
    if win is None:
        win = Win(recorded_by=by)
    win.title = title
    win.won_on = won_on
    win.place = place
    win.level = level
    win.description = description
    win.evidence_url = evidence_url
    win.shifted_climate = shifted_climate
    win.is_public = is_public
    if win.pk is not None:
        # Links the editor cannot see stay as they were: they could not have
        # unticked them, and must not learn of them by losing them.
        days += list(win.days_of_action.exclude(pk__in=days_visible_to(by).values("pk")))
        chosen_actions += list(win.actions.exclude(pk__in=actions_visible_to(by).values("pk")))
    win.save()
    win.days_of_action.set(days)
    win.actions.set(chosen_actions)
    return win


@transaction.atomic
def signal_save(
    *,
    by,
    kind: str,
    source: str,
    said_on: datetime.date,
    stance: str,
    place: Place,
    signal: ClimateSignal | None = None,
    url: str = "",
    summary: str = "",
    day_of_action: DayOfAction | None = None,
) -> ClimateSignal:
    """Record a new climate signal (``signal`` None) or correct one."""
    source = source.strip()
    _check_text(source, SOURCE_MAX, field="source", required=True)
    _check_text(summary, SIGNAL_SUMMARY_MAX, field="summary")
    _check_date(said_on, field="said_on")
    _check_link(url, field="url")
    if kind not in SignalKind.values:
        raise RuleBroken(_("Choose what kind of signal this is."), field="kind")
    if stance not in Stance.values:
        raise RuleBroken(_("Choose a stance."), field="stance")
    if day_of_action is not None:
        _visible_days(by, [day_of_action], field="day_of_action")
    if signal is None:
        signal = ClimateSignal(recorded_by=by)
    signal.kind = kind
    signal.source = source
    signal.said_on = said_on
    signal.stance = stance
    signal.url = url
    signal.summary = summary
    signal.place = place
    signal.day_of_action = day_of_action
    signal.save()
    return signal

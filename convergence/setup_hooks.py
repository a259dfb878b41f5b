"""The "plan a day of action" next step, registered with the frame (coalition/next_steps.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from coalition import next_steps
from convergence.models import DayOfAction


def _day_planned() -> bool:
    return DayOfAction.objects.exists()


def register() -> None:
    next_steps.register(
        "day",
        title=_("Plan a day of action"),
        explanation=_(
            "A day when groups act together, each in its own place: set its window, "
            "its ask and its toolkit."
        ),
        link_label=_("Plan a day"),
        url_name="convergence:day_new",
        path="/days/new/",
        done=_day_planned,
        order=40,
    )

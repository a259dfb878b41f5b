"""The steward's first steps after setup, each with a check of whether it is done.

Steps about the frame (the statement, the first roles) are written here;
higher apps register theirs (the first group invitations, the first day of
action) from their ``AppConfig.ready()``, so the frame never imports them.
Each check is one query, so the page costs one query per step whatever the
size of the network.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Subquery
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from coalition.models import NetworkRole, Role, StatementVersion

# The menu shows "Next steps" to stewards on every page, so it must cost no
# query: it shows the entry unless the cache remembers that the page last found
# every step done. Losing the cache only brings the entry back until the next
# visit to the page.
ALL_DONE_CACHE_KEY = "coalition:next_steps:all_done"
ALL_DONE_CACHE_SECONDS = 30 * 24 * 3600


@dataclass(frozen=True)
class NextStep:
    key: str
    title: str | Promise
    explanation: str | Promise
    link_label: str | Promise
    # A URL name to reverse; ``path`` is used while that page does not exist.
    url_name: str
    path: str
    done: Callable[[], bool]
    order: int = 50

    @property
    def url(self) -> str:
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return self.path


@dataclass(frozen=True)
class StepState:
    step: NextStep
    done: bool


_steps: dict[str, NextStep] = {}


def register(
    key: str,
    *,
    title: str | Promise,
    explanation: str | Promise,
    link_label: str | Promise,
    url_name: str,
    path: str,
    done: Callable[[], bool],
    order: int = 50,
) -> NextStep:
    """Add (or replace, by key) a next step; ``done()`` answers in one query."""
    step = NextStep(key, title, explanation, link_label, url_name, path, done, order)
    _steps[key] = step
    return step


def steps() -> list[StepState]:
    """Every step in order, with whether it is done (one query each)."""
    states = [
        StepState(step, bool(step.done()))
        for step in sorted(_steps.values(), key=lambda s: (s.order, s.key))
    ]
    if all(state.done for state in states):
        cache.set(ALL_DONE_CACHE_KEY, True, ALL_DONE_CACHE_SECONDS)
    else:
        cache.delete(ALL_DONE_CACHE_KEY)
    return states


def known_all_done() -> bool:
    """Whether the page last found every step done (from the cache: no query)."""
    return cache.get(ALL_DONE_CACHE_KEY) is True


def _statement_published() -> bool:
    return StatementVersion.objects.filter(published_at__isnull=False).exists()


def _people_invited() -> bool:
    """Someone other than the first steward holds the weaver or steering role."""
    first_steward = (
        NetworkRole.objects.filter(role=Role.STEWARD).order_by("granted_at", "pk").values("person")
    )
    return (
        NetworkRole.objects.filter(role__in=[Role.WEAVER, Role.STEERING])
        .exclude(person__in=Subquery(first_steward[:1]))
        .exists()
    )


register(
    "statement",
    title=_("Publish the unity statement"),
    explanation=_(
        "Your statement is saved as a draft. Share it with the founding groups, "
        "then publish it so groups can sign."
    ),
    link_label=_("Statement versions"),
    url_name="statement_versions",
    path="/statement/versions/",
    done=_statement_published,
    order=10,
)
register(
    "people",
    title=_("Invite weavers and steering committee members"),
    explanation=_(
        "Weavers find and invite groups; the steering committee plans days of action "
        "and watches the dashboard. Nobody should run the network alone."
    ),
    link_label=_("People and roles"),
    url_name="network_people",
    path="/network/people/",
    done=_people_invited,
    order=20,
)

"""The reporting demo: wins, climate signals and a year of history, created once."""

from __future__ import annotations

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    from actions.models import Action
    from members.models import LadderStep, RelationalMeeting, StageChange, User
    from reporting.models import ClimateSignal, Win

    models = [Action, LadderStep, RelationalMeeting, StageChange, User, ClimateSignal, Win]
    return {model.__name__: model.objects.count() for model in models}


def _seed() -> None:
    with open("/dev/null", "w") as quiet:
        call_command("seed_demo", stdout=quiet)


def test_the_demo_has_wins_signals_and_a_year_of_history():
    from actions.models import Action
    from members.models import RelationalMeeting
    from reporting.models import ClimateSignal, Win

    _seed()

    assert Win.objects.filter(is_public=True).exists()
    assert Win.objects.filter(is_public=False).exists()
    assert {w.level for w in Win.objects.all()} == {"partial", "full"}
    assert {s.stance for s in ClimateSignal.objects.all()} == {
        "supportive",
        "neutral",
        "opposed",
    }
    months = {a.starts_at.strftime("%Y-%m") for a in Action.objects.filter(status="done")}
    assert len(months) >= 10
    assert len({a.kind for a in Action.objects.filter(status="done")}) >= 5
    assert len({m.met_on.strftime("%Y-%m") for m in RelationalMeeting.objects.all()}) >= 8


def test_seeding_twice_changes_nothing():
    _seed()
    first = _counts()

    _seed()

    assert _counts() == first

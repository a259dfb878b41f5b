"""The playbook: a done action is written up as a tactic that other groups can adopt."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Count, Min
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from actions.models import Action, ActionStatus, Tactic
from coalition.errors import RuleBroken
from coalition.permissions import can_edit_action

TITLE_MAX = 160
SUMMARY_MAX = 4000
WHY_MAX = 4000
HOW_TO_MAX = 10_000
RESOURCES_MAX = 4000
# Room for "-NN" after the title's slug within the field's 80 characters.
SLUG_BASE_MAX = 72


def _free_slug(title: str) -> str:
    """The title's slug, or the first of slug-2, slug-3… that no tactic has yet."""
    base = slugify(title)[:SLUG_BASE_MAX].strip("-") or "tactic"
    taken = set(Tactic.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def _check_lengths(**fields: str) -> None:
    limits = {
        "title": TITLE_MAX,
        "summary": SUMMARY_MAX,
        "why_it_worked": WHY_MAX,
        "how_to": HOW_TO_MAX,
        "resources": RESOURCES_MAX,
    }
    for name, value in fields.items():
        if len(value) > limits[name]:
            raise RuleBroken(
                _("This is too long: at most %(max)s characters.") % {"max": limits[name]},
                field=name,
            )


@transaction.atomic
def tactic_create(
    *,
    action: Action,
    by,
    title: str,
    summary: str,
    why_it_worked: str = "",
    how_to: str = "",
    resources: str = "",
) -> Tactic:
    """Write up a done action as a tactic in the playbook (once per action)."""
    if not can_edit_action(by, action):
        raise RuleBroken(_("Only the action's hosts can write it up."))
    locked = Action.objects.select_for_update().get(pk=action.pk)
    if locked.hidden_at is not None:
        raise RuleBroken(_("A hidden action cannot be written up."))
    if locked.status != ActionStatus.DONE:
        raise RuleBroken(
            _("Only an action that has happened can be written up: record its outcomes first.")
        )
    existing = Tactic.objects.filter(source_action=locked).first()
    if existing is not None:
        raise RuleBroken(
            _("This action is already written up as “%(title)s”.") % {"title": existing.title}
        )
    title = " ".join(title.split())
    summary = summary.strip()
    if not title:
        raise RuleBroken(_("Give the tactic a title."), field="title")
    if not summary:
        raise RuleBroken(_("Say what was done."), field="summary")
    fields = {
        "title": title,
        "summary": summary,
        "why_it_worked": why_it_worked.strip(),
        "how_to": how_to.strip(),
        "resources": resources.strip(),
    }
    _check_lengths(**fields)
    # Two write-ups with the same title at the same moment: the loser of the
    # unique slug tries the next free one.
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Tactic.objects.create(
                    slug=_free_slug(title), source_action=locked, written_by=by, **fields
                )
        except IntegrityError:
            continue
    raise RuleBroken(_("Please try again: another tactic took this address at the same time."))


def tactic_spread_refresh() -> int:
    """Count every tactic's public adoptions, places and months onto the tactic; returns how many.

    The playbook and a tactic's page read these stored figures instead of
    counting tens of thousands of adoptions per request. The rollup job runs
    this every 10 minutes (``reporting.tasks.rollups_refresh``), so a new
    adoption shows within that time; ``manage.py tactic_spread_refresh``
    runs it at once. Counted among public, shown actions, the same for every
    reader. Three grouped queries over the adoptions, then one bulk update.
    """
    from actions.selectors import actions_public
    from actions.selectors_playbook import PLACES_SHOWN

    adoptions = actions_public().filter(tactic__isnull=False).order_by()
    totals = {
        row["tactic"]: row
        for row in adoptions.values("tactic").annotate(
            n=Count("pk"), places=Count("place", distinct=True)
        )
    }
    months: dict[int, list] = {}
    for row in (
        adoptions.annotate(month=TruncMonth("starts_at"))
        .values("tactic", "month")
        .annotate(n=Count("pk"))
        .order_by("tactic", "month")
    ):
        months.setdefault(row["tactic"], []).append([row["month"].date().isoformat(), row["n"]])
    places: dict[int, list] = {}
    for row in (
        adoptions.values("tactic", "place_id", "place__name")
        .annotate(first=Min("starts_at"), n=Count("pk"))
        .order_by("tactic", "first", "place__name")
    ):
        shown = places.setdefault(row["tactic"], [])
        if len(shown) <= PLACES_SHOWN:  # one more than shown tells the page some were cut
            shown.append([row["place_id"], row["place__name"], row["first"].isoformat(), row["n"]])
    now = timezone.now()
    tactics = list(Tactic.objects.only("pk"))
    for tactic in tactics:
        total = totals.get(tactic.pk, {})
        tactic.adoption_count = total.get("n", 0)
        tactic.place_count = total.get("places", 0)
        tactic.spread = {"months": months.get(tactic.pk, []), "places": places.get(tactic.pk, [])}
        tactic.counted_at = now
    Tactic.objects.bulk_update(
        tactics, ["adoption_count", "place_count", "spread", "counted_at"], batch_size=500
    )
    return len(tactics)

"""The relationships, leaders and outputs cells of the dashboard, and every single figure.

Charts read the monthly rollups (``reporting.rollups``) through the one shared
query of ``metrics.rollup_sums``. A few figures need a small read at page time:

- the tie graph (density, groups with no ties, bridging groups) reads the
  rolled-up ties of the range (one row per pair of groups) and the active groups
  of the place; both are bounded by the number of groups, not by the number of
  meetings or actions, and the graph is walked in Python in time linear in
  groups + ties;
- groups per stage is one grouped count over the groups of the place;
- conversion sums the rolled-up first arrivals at each stage up to the end of
  the range (one query); the ladder levels' and skills' names are one query each.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

from reporting.metrics import (
    CHARTS,
    FIGURES,
    Chart,
    Filters,
    cached,
    metric_series,
    metric_series_by_key,
    metric_total,
    rollup_sums,
    rollup_totals_to_end,
)

ACTIVE_STAGES = ("aligned", "producing")
WINS_LISTED = 20
# Names of groups with no ties (or bridging ones) shown; the counts say how many in all.
GROUPS_LISTED = 50


# --- Relationships ----------------------------------------------------------


def meetings_chart(filters: Filters) -> Chart:
    return Chart(
        slug="meetings",
        cell="relationships",
        title=str(_("Relational meetings")),
        series=[
            metric_series(filters, "meetings", "all", _("all meetings")),
            metric_series(filters, "meetings", "between", _("between people of different groups")),
        ],
        unit=str(_("meetings")),
        kind="line",
    )


def tie_pairs(filters: Filters) -> set[tuple[int, int]]:
    """Pairs of groups (lower id first) tied during the range with both groups in the
    place: the rolled-up ties whose common place is in the place's subtree."""
    from reporting.models import Rollup

    rows = Rollup.objects.filter(
        metric="ties", month__gte=filters.start.replace(day=1), month__lte=filters.end
    )
    if filters.place is not None:
        rows = rows.filter(place_path__startswith=filters.place.path)
    pairs = set()
    for key in rows.order_by().values_list("key", flat=True).distinct():
        low, _sep, high = key.partition(":")
        if low.isdigit() and high.isdigit():
            pairs.add((int(low), int(high)))
    return pairs


def articulation_points(nodes: Iterable[int], edges: Iterable[tuple[int, int]]) -> set[int]:
    """The nodes whose removal splits their part of the graph in two or more.

    Tarjan's depth-first search (low-link values), written iteratively so a long
    chain of groups cannot exhaust Python's recursion limit. Linear in
    nodes + edges; both come from the rolled-up ties, so the cost follows the
    number of groups and ties, never the number of meetings or actions.
    """
    neighbours: dict[int, list[int]] = {node: [] for node in nodes}
    for a, b in edges:
        if a != b and a in neighbours and b in neighbours:
            neighbours[a].append(b)
            neighbours[b].append(a)
    order: dict[int, int] = {}
    low: dict[int, int] = {}
    found: set[int] = set()
    counter = 0
    for root in neighbours:
        if root in order:
            continue
        order[root] = low[root] = counter
        counter += 1
        root_children = 0
        stack = [(root, None, iter(neighbours[root]))]
        while stack:
            node, parent, pending = stack[-1]
            advanced = False
            for nxt in pending:
                if nxt == parent:
                    continue
                if nxt in order:
                    low[node] = min(low[node], order[nxt])
                    continue
                order[nxt] = low[nxt] = counter
                counter += 1
                stack.append((nxt, node, iter(neighbours[nxt])))
                advanced = True
                break
            if advanced:
                continue
            stack.pop()
            if parent is None:
                continue
            low[parent] = min(low[parent], low[node])
            if parent == root:
                root_children += 1
            elif low[node] >= order[parent]:
                found.add(parent)
        if root_children >= 2:
            found.add(root)
    return found


def _groups_of_place(filters: Filters, *stages: str) -> QuerySet:
    from coalition.selectors import in_place
    from members.models import Group

    groups = Group.objects.filter(in_place(filters.place))
    return groups.filter(stage__in=stages) if stages else groups


def _tie_graph(filters: Filters) -> dict[str, object]:
    """Ties between the active groups of the place, and what their graph says.

    Bounded by the number of groups and of pairs tied in the range, never by the
    number of meetings or actions; cached per filter until the rollups change.
    """
    active = list(
        _groups_of_place(filters, *ACTIVE_STAGES).order_by("name", "id").values_list("id", "name")
    )
    ids = {pk for pk, _name in active}
    ties = {(a, b) for a, b in tie_pairs(filters) if a in ids and b in ids}
    tied = {a for a, _b in ties} | {b for _a, b in ties}
    bridges = articulation_points([pk for pk, _name in active], ties)
    isolated = [name for pk, name in active if pk not in tied]
    bridging = [name for pk, name in active if pk in bridges]
    possible = len(ids) * (len(ids) - 1) // 2
    return {
        "active_groups": len(ids),
        "ties": len(ties),
        "possible_ties": possible,
        "tie_density": len(ties) / possible if possible else None,
        "isolated_groups": isolated[:GROUPS_LISTED],
        "isolated_groups_count": len(isolated),
        "bridging_groups": bridging[:GROUPS_LISTED],
        "bridging_groups_count": len(bridging),
    }


def relationship_figures(filters: Filters) -> dict[str, object]:
    total = metric_total(filters, "meetings", "all")
    between = metric_total(filters, "meetings", "between")
    return {
        "meetings_total": total,
        "meetings_between_groups": between,
        "meetings_between_share": between / total if total else None,
        **cached(filters, "ties", lambda: _tie_graph(filters)),
    }


# --- Leaders ----------------------------------------------------------------


def _levels(filters: Filters) -> list:
    cached = getattr(filters, "_levels", None)
    if cached is None:
        from members.models import LadderLevel

        cached = list(LadderLevel.objects.order_by("rank").values("id", "name", "counts_as_leader"))
        filters._levels = cached
    return cached


def ladder_chart(filters: Filters) -> Chart:
    return Chart(
        slug="ladder-levels",
        cell="leaders",
        title=str(_("People per ladder level (at the end of each month)")),
        series=metric_series_by_key(
            filters, "ladder_level", [(level["id"], level["name"]) for level in _levels(filters)]
        ),
        unit=str(_("people")),
    )


def new_leaders_chart(filters: Filters) -> Chart:
    return Chart(
        slug="new-leaders",
        cell="leaders",
        title=str(_("New leaders")),
        series=[metric_series(filters, "new_leaders", "", _("new leaders"))],
        unit=str(_("people")),
        note=str(_("People stepping onto a leader level for the first time.")),
    )


def leader_figures(filters: Filters) -> dict[str, object]:
    from members.models import Skill

    sums = rollup_sums(filters)
    # Skills are a snapshot: the latest one taken within the range.
    skill_months = [month for (metric, _k, month) in sums if metric == "skill"]
    skill_month = max(skill_months, default=None)
    per_skill = {
        key: value
        for (metric, key, month), value in sums.items()
        if metric == "skill" and month == skill_month
    }
    skills = [
        (name, per_skill.get(str(pk), 0))
        for pk, name in Skill.objects.order_by("name").values_list("id", "name")
    ]
    return {
        "leaders_now": leaders_at_end(filters),
        "new_leaders": metric_total(filters, "new_leaders"),
        "skills": skills,
        "skills_as_of": skill_month,
    }


def leaders_at_end(filters: Filters) -> int:
    """People on a level that counts as a leader at the end of the range's last month."""
    last = filters.months[-1] if filters.months else None
    leader_keys = {str(level["id"]) for level in _levels(filters) if level["counts_as_leader"]}
    return sum(
        value
        for (metric, key, month), value in rollup_sums(filters).items()
        if metric == "ladder_level" and month == last and key in leader_keys
    )


def trend_figures(filters: Filters) -> dict[str, int]:
    """What the dashboard's trends compare, and nothing else: read for the previous
    period from the same single read of the sums (plus the ladder's levels)."""
    return {
        "wins_total": metric_total(filters, "wins"),
        "signals_total": metric_total(filters, "climate"),
        "meetings_total": metric_total(filters, "meetings", "all"),
        "leaders_now": leaders_at_end(filters),
        "actions_total": metric_total(filters, "actions"),
        "events_total": metric_total(filters, "actions", "event"),
        "people_turned_out": metric_total(filters, "turnout"),
        "groups_signed": metric_total(filters, "funnel_aligned"),
        "tactic_adoptions": metric_total(filters, "tactic_adoptions"),
    }


# --- Outputs ----------------------------------------------------------------


def actions_chart(filters: Filters) -> Chart:
    from actions.models import ActionKind

    return Chart(
        slug="actions",
        cell="outputs",
        title=str(_("Actions by kind")),
        series=metric_series_by_key(filters, "actions", ActionKind.choices),
        unit=str(_("actions")),
        note=str(_("Cancelled and hidden actions are left out.")),
    )


def _single(slug: str, metric: str, title, label, unit, note="") -> callable:
    def chart(filters: Filters) -> Chart:
        return Chart(
            slug=slug,
            cell="outputs",
            title=str(title),
            series=[metric_series(filters, metric, "", label)],
            unit=str(unit),
            note=str(note),
        )

    chart.__name__ = f"{metric}_chart"
    return chart


def _amplification_chart(slug: str, metric: str, title, note) -> callable:
    def chart(filters: Filters) -> Chart:
        from actions.models import AmplificationKind

        return Chart(
            slug=slug,
            cell="outputs",
            title=str(title),
            series=metric_series_by_key(filters, metric, AmplificationKind.choices),
            unit=str(_("amplifications")),
            note=str(note),
        )

    chart.__name__ = f"{metric}_chart"
    return chart


def output_figures(filters: Filters) -> dict[str, object]:
    return {
        "actions_total": metric_total(filters, "actions"),
        "events_total": metric_total(filters, "actions", "event"),
        "letters_sent": metric_total(filters, "letters"),
        "people_turned_out": metric_total(filters, "turnout"),
        "support_met": metric_total(filters, "support_met"),
        "tactic_adoptions": metric_total(filters, "tactic_adoptions"),
        "amplification_given": metric_total(filters, "amplification_given"),
        "amplification_received": metric_total(filters, "amplification_received"),
        # Events of sources and followed coalitions: shown apart, never in actions_total.
        "followed_total": metric_total(filters, "followed"),
    }


def funnel_figures(filters: Filters) -> dict[str, object]:
    """Groups per stage now, and conversion up to the end of the range.

    Connect → Align is the share of the groups ever contacted (or further) that
    reached aligned; Align → Produce the share of those aligned that reached
    producing; both from the groups' stage changes.
    """
    from members.models import Stage

    def count() -> dict[str, int]:
        rows = _groups_of_place(filters).order_by().values("stage").annotate(n=Count("id"))
        return {row["stage"]: row["n"] for row in rows}

    counts = {stage: 0 for stage, _label in Stage.choices}
    counts.update(cached(filters, "stages", count))
    reached = rollup_totals_to_end(
        filters, {"funnel_contacted", "funnel_aligned", "funnel_producing"}
    )
    contacted = reached.get("funnel_contacted", 0)
    aligned = reached.get("funnel_aligned", 0)
    producing = reached.get("funnel_producing", 0)
    return {
        "groups_by_stage": [(str(label), counts[stage]) for stage, label in Stage.choices],
        # Reaching "aligned" is signing the unity statement: first arrivals in the range.
        "groups_signed": metric_total(filters, "funnel_aligned"),
        "contacted": contacted,
        "aligned": aligned,
        "producing": producing,
        "connect_to_align": aligned / contacted if contacted else None,
        "align_to_produce": producing / aligned if aligned else None,
    }


def wins_figures(filters: Filters) -> dict[str, object]:
    """Totals of the range and the latest wins (at most ``WINS_LISTED``: one query)."""
    from coalition.selectors import in_place
    from reporting.models import Win

    latest = (
        Win.objects.filter(won_on__gte=filters.start, won_on__lte=filters.end)
        .filter(in_place(filters.place))
        .order_by("-won_on", "-id")
        .values("title", "won_on", "level", "place__name")[:WINS_LISTED]
    )
    return {
        "wins_total": metric_total(filters, "wins"),
        "wins_latest": [
            {
                "title": row["title"],
                "won_on": row["won_on"],
                "level": row["level"],
                "place": row["place__name"],
            }
            for row in latest
        ],
        "signals_total": metric_total(filters, "climate"),
    }


CHARTS.extend(
    [
        meetings_chart,
        ladder_chart,
        new_leaders_chart,
        actions_chart,
        _single(
            "initiatives",
            "initiatives",
            _("Unique member initiatives"),
            _("groups acting"),
            _("groups"),
            _("Distinct groups hosting at least one action that month."),
        ),
        _single("letters", "letters", _("Letters sent"), _("letters"), _("letters")),
        _single(
            "turnout",
            "turnout",
            _("People turned out"),
            _("people"),
            _("people"),
            _("People who took part, or the RSVPs until the host reports it."),
        ),
        _amplification_chart(
            "amplification-given",
            "amplification_given",
            _("Amplification given"),
            _("By groups of the place, to any action."),
        ),
        _amplification_chart(
            "amplification-received",
            "amplification_received",
            _("Amplification received"),
            _("By actions of the place, from any group."),
        ),
        _single(
            "support-met",
            "support_met",
            _("Support requests met"),
            _("requests met"),
            _("requests"),
        ),
        _single(
            "tactic-adoptions",
            "tactic_adoptions",
            _("Tactic adoptions"),
            _("actions using a tactic"),
            _("actions"),
        ),
    ]
)
FIGURES.extend([wins_figures, relationship_figures, leader_figures, output_figures, funnel_figures])

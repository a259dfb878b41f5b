"""manage.py seed_scale: sizes, determinism, model rules and pages on its data (PostgreSQL)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import F

from actions.models import Action, Amplification, Participation
from convergence.models import DayOfAction, Event
from members.models import Group, Membership, RelationalMeeting, User
from reporting.models import Rollup

TINY = [
    "--groups=20",
    "--people=60",
    "--actions=400",
    "--amplifications=800",
    "--participations=150",
    "--meetings=50",
    "--days=4",
    "--today=2026-06-15",
]


def _seed(*extra: str) -> str:
    out = io.StringIO()
    call_command("seed_scale", *TINY, *extra, stdout=out)
    return out.getvalue()


def _fingerprint() -> str:
    """One hash over the generated rows that do not depend on the clock."""
    parts = []
    with connection.cursor() as cursor:
        for sql in (
            "SELECT md5(string_agg(concat_ws(',', id, host_group_id, title, kind, place_id, "
            "latitude, longitude, starts_at, visibility, rsvp_count, status, participants), ';' "
            "ORDER BY id)) FROM actions_action WHERE description LIKE 'Invented action%%'",
            "SELECT md5(string_agg(concat_ws(',', a.action_id, g.slug, a.kind, a.created_at), ';' "
            "ORDER BY a.action_id, g.slug, a.kind)) FROM actions_amplification a "
            "JOIN members_group g ON g.id = a.group_id WHERE g.slug LIKE 'scale-%%'",
            "SELECT md5(string_agg(concat_ws(',', slug, stage, place_id, listing_consent), ';' "
            "ORDER BY slug)) FROM members_group WHERE slug LIKE 'scale-%%'",
            "SELECT md5(string_agg(concat_ws(',', person_a_id, person_b_id, met_on), ';' "
            "ORDER BY id)) FROM members_relationalmeeting WHERE notes = ''",
        ):
            cursor.execute(sql)
            parts.append(cursor.fetchone()[0])
    return "/".join(parts)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_builds_the_asked_sizes_within_the_model_rules():
    out = _seed("--flush")

    assert "Scale data ready" in out
    assert Group.objects.filter(slug__startswith="scale-").count() == 20
    assert User.objects.filter(email__endswith="@people.scale.example.org").count() == 60
    assert Membership.objects.filter(person__email__endswith="scale.example.org").count() == 60
    scale_actions = Action.objects.filter(description__startswith="Invented action")
    assert scale_actions.count() == 400
    assert Amplification.objects.filter(group__slug__startswith="scale-").count() == 800
    assert Participation.objects.filter(email__endswith="scale.example.org").count() == 150
    assert (
        RelationalMeeting.objects.filter(person_a__email__endswith="scale.example.org").count()
        == 50
    )
    assert DayOfAction.objects.filter(slug__startswith="scale-").count() == 4
    assert Event.objects.filter(day__slug__startswith="scale-").exists()
    assert Rollup.objects.filter(metric="actions").exists()
    # The counters the app keeps match the rows they count.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM actions_action a WHERE a.rsvp_count <> "
            "(SELECT count(*) FROM actions_participation p "
            " WHERE p.action_id = a.id AND p.status = 'confirmed')"
        )
        assert cursor.fetchone()[0] == 0
        # Every place's path is its parent's path plus its own segment.
        cursor.execute(
            "SELECT count(*) FROM coalition_place c JOIN coalition_place p ON p.id = c.parent_id "
            "WHERE c.path <> p.path || lpad(to_hex(c.id), 8, '0') || '/' OR c.depth <> p.depth + 1"
        )
        assert cursor.fetchone()[0] == 0
    # Only signed groups host actions, and nobody amplifies their own action.
    assert not scale_actions.exclude(host_group__stage__in=["aligned", "producing"]).exists()
    assert not Amplification.objects.filter(group=F("action__host_group")).exists()
    # The benchmark's group admin (a demo login) runs the first signed scale group.
    first_signed = (
        Group.objects.filter(slug__startswith="scale-", signed_version__isnull=False)
        .order_by("id")
        .first()
    )
    bench_admin = Membership.objects.get(
        person__email="group-admin@example.org", group=first_signed
    )
    assert bench_admin.role == "admin"
    # It ends from the steady state, and says how long that took.
    assert "vacuum (analyze)" in out
    # A second run without --flush refuses rather than doubling the data.
    with pytest.raises(CommandError, match="already holds scale data"):
        _seed()
    # --if-missing changes nothing but gives a database seeded earlier that membership.
    bench_admin.delete()
    assert "nothing to do" in _seed("--if-missing")
    assert Membership.objects.filter(
        person__email="group-admin@example.org", group=first_signed, role="admin"
    ).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_seed_gives_the_same_rows_and_another_seed_does_not():
    _seed("--flush", "--no-rollups")
    first = _fingerprint()
    _seed("--flush", "--no-rollups")
    assert _fingerprint() == first
    _seed("--flush", "--no-rollups", "--seed=9")
    assert _fingerprint() != first


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_pages_render_on_the_scale_data(client):
    _seed("--flush")
    action = Action.objects.filter(
        description__startswith="Invented action", visibility="public", hidden_at__isnull=True
    ).first()
    day = DayOfAction.objects.filter(slug__startswith="scale-").order_by("-starts_at").first()
    for path in (
        "/",
        "/statement/",
        "/actions/",
        f"/actions/{action.pk}/",
        "/actions/map/data.geojson?bbox=-10.3,39.7,-9.7,40.3",
        f"/days/{day.slug}/",
    ):
        assert client.get(path).status_code == 200, path
    client.force_login(User.objects.get(email="weaver@example.org"))
    place = Group.objects.filter(slug__startswith="scale-").first().place
    for path in ("/weave/", "/dashboard/", f"/dashboard/?place={place.pk}"):
        assert client.get(path).status_code == 200, path


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_flush_that_deadlocks_with_a_running_task_tries_again():
    """A worker's transaction reading two tables can deadlock the flush's TRUNCATE
    (it failed CI once); PostgreSQL may cancel the flush, which must then retry."""
    import contextlib
    import threading

    import psycopg2
    from django.core.management.color import no_style
    from django.core.management.sql import sql_flush
    from psycopg2.sql import SQL, Identifier

    truncate = next(s for s in sql_flush(no_style(), connection) if s.startswith("TRUNCATE"))
    tables = [
        name.strip('"')
        for name in truncate.split(" ", 1)[1].split(" RESTART")[0].rstrip(";").split(", ")
    ]
    first, last = tables[0], tables[-1]
    one_row = SQL("SELECT 1 FROM {} LIMIT 1")
    settings_dict = connection.settings_dict
    task = psycopg2.connect(
        dbname=settings_dict["NAME"],
        user=settings_dict["USER"],
        host=settings_dict["HOST"] or None,
        port=settings_dict["PORT"] or None,
        password=settings_dict["PASSWORD"] or None,
    )
    watcher = psycopg2.connect(task.dsn)
    watcher.autocommit = True

    def running_task():
        with task.cursor() as cursor:
            cursor.execute(one_row.format(Identifier(last)))  # holds the last table
            for _ in range(200):  # until the flush waits for that table
                with watcher.cursor() as probe:
                    probe.execute(
                        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                        "WHERE NOT l.granted AND c.relname = %s",
                        [last],
                    )
                    if probe.fetchone()[0]:
                        break
                threading.Event().wait(0.05)
            # ...and now wants the first, which the flush holds. Should PostgreSQL
            # cancel this side instead, the flush simply went through.
            with contextlib.suppress(psycopg2.Error):
                cursor.execute(one_row.format(Identifier(first)))
        task.commit()

    thread = threading.Thread(target=running_task)
    thread.start()
    try:
        out = _seed("--flush", "--no-rollups")
    finally:
        thread.join(timeout=30)
        task.close()
        watcher.close()

    assert "Scale data ready" in out
    assert Group.objects.filter(slug__startswith="scale-").count() == 20


@pytest.mark.django_db
def test_it_refuses_sqlite_with_a_clear_message():
    if connection.vendor == "postgresql":
        pytest.skip("checks the refusal on SQLite")
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        _seed()


@pytest.mark.django_db
def test_it_refuses_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="never in production"):
        _seed()


@pytest.mark.django_db
def test_rollups_sum_letters_over_the_kinds_of_one_place_and_month():
    """Two kinds of action in one place and month once gave two "letters" rows
    for the same key, and the rebuild failed on the unique constraint."""
    from datetime import timedelta

    from django.utils import timezone

    from reporting.rollups import rollups_rebuild
    from tests.factories import GroupFactory, make_action, make_place

    group = GroupFactory(place=make_place("Letterton"))
    when = timezone.now().replace(day=10) - timedelta(days=40)
    for kind, letters in (("letters", 30), ("petition", 12)):
        make_action(
            group,
            kind=kind,
            status="done",
            letters_sent=letters,
            starts_at=when,
            ends_at=when + timedelta(hours=1),
        )

    rollups_rebuild()

    letters = Rollup.objects.filter(metric="letters", place=group.place)
    assert list(letters.values_list("value", flat=True)) == [42]

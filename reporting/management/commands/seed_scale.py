"""Build a large, deterministic, invented network on PostgreSQL for the scale benchmark.

On top of the demo coalition (``seed_demo``: the demo logins, the statement,
the privacy policy, ladder levels…) it adds, with ``COPY`` from generated
buffers: a tree of places, groups at every stage with their signatures and
stage history, people and their memberships, actions over five years with
amplifications, RSVPs and support requests, relational meetings, ladder steps,
days of action with their registered events, wins and climate signals; then
it makes the demo's group admin an admin of a scale group (the benchmark
logs in as them), rebuilds the dashboard's rollups and runs
``VACUUM (ANALYZE)``.

The same ``--seed`` and ``--today`` give the same rows. ``--scale 0.01`` makes
every size a hundredth of the issue's (10,000 groups, 100,000 people,
1,000,000 actions, 2,000,000 amplifications, 200,000 RSVPs, 200,000 meetings,
50 days of action); each size can also be set on its own.
"""

from __future__ import annotations

import datetime
import math
import random
import time
from array import array
from collections.abc import Callable, Iterable, Iterator

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

# The sizes; --scale multiplies each, an explicit option overrides it.
DEFAULTS = {
    "groups": 10_000,
    "people": 100_000,
    "actions": 1_000_000,
    "amplifications": 2_000_000,
    "participations": 200_000,
    "meetings": 200_000,
    "days": 50,
}
YEARS = 5
FLUSH_ATTEMPTS = 3
# Slugs of the scale data start with this: its presence means "already seeded".
SLUG_PREFIX = "scale-"
MAIL_DOMAIN = "scale.example.org"  # invented addresses only
# The demo login (coalition/demo.py) the benchmark measures a group admin's pages as.
BENCH_GROUP_ADMIN = "group-admin@example.org"

STAGES = [  # (stage, share of groups)
    ("prospect", 0.15),
    ("contacted", 0.10),
    ("aligned", 0.35),
    ("producing", 0.35),
    ("lapsed", 0.05),
]
STAGE_PATH = {
    "prospect": ["prospect"],
    "contacted": ["prospect", "contacted"],
    "aligned": ["prospect", "contacted", "aligned"],
    "producing": ["prospect", "contacted", "aligned", "producing"],
    "lapsed": ["prospect", "contacted", "lapsed"],
}
SIGNED = {"aligned", "producing"}
GROUP_KINDS = ["ngo", "union", "faith", "community", "informal", "business", "other"]
ACTION_KINDS = ["event", "letters", "petition", "lobby", "media", "direct", "online"]
VISIBILITIES = [("public", 0.80), ("network", 0.15), ("group", 0.05)]
AMPLIFICATION_KINDS = ["endorse", "cohost", "share", "pledge"]
SUPPORT_KINDS = ["people", "skills", "transport", "money", "media"]
WORDS = [
    "Clean",
    "Air",
    "Street",
    "School",
    "Bus",
    "Tree",
    "Park",
    "Harbour",
    "Clinic",
    "River",
    "Market",
    "Bridge",
    "Garden",
    "Lantern",
    "Station",
    "Corner",
]
# Place tree under the demo's global place, per city: 6 districts of 5 neighbourhoods.
DISTRICTS_PER_CITY = 6
NEIGHBOURHOODS_PER_DISTRICT = 5
CITIES_PER_REGION = 8
REGIONS_PER_NATION = 6


def _pick(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    roll, total = rng.random(), 0.0
    for value, share in weighted:
        total += share
        if roll < total:
            return value
    return weighted[-1][0]


def _text(value: object) -> str:
    """One field in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


class RowStream:
    """A read()-able file over generated rows, so COPY streams without a temporary file."""

    def __init__(self, rows: Iterable[tuple]) -> None:
        self.rows = iter(rows)
        self.buffer = bytearray()
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        want = size if size and size > 0 else 1 << 16
        while len(self.buffer) < want:
            chunk = []
            for row in self.rows:
                chunk.append("\t".join(map(_text, row)))
                self.count += 1
                if len(chunk) == 2000:
                    break
            if not chunk:
                break
            self.buffer += ("\n".join(chunk) + "\n").encode()
        out = bytes(self.buffer[:want])
        del self.buffer[:want]
        return out

    readline = read


class Command(BaseCommand):
    help = (
        "Build a large invented network on PostgreSQL for the scale benchmark "
        "(deterministic; never in production)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--scale", type=float, default=1.0, help="multiply every default size (1.0)"
        )
        for name, default in DEFAULTS.items():
            parser.add_argument(f"--{name}", type=int, default=None, help=f"default {default:,}")
        parser.add_argument("--seed", type=int, default=8, help="random seed (8)")
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            default=None,
            help="the day the history ends, YYYY-MM-DD (default: today); fixes every date",
        )
        parser.add_argument(
            "--flush",
            action="store_true",
            help="empty the whole database first (manage.py flush), then seed again",
        )
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="do nothing (and succeed) when the database already holds scale data",
        )
        parser.add_argument(
            "--rollups-only",
            action="store_true",
            help="only rebuild the rollups of the data already here",
        )
        parser.add_argument(
            "--no-rollups", action="store_true", help="skip rebuilding the dashboard's rollups"
        )

    # -- checks ------------------------------------------------------------

    def handle(self, *args, **options) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "seed_scale fills the database with invented data; never in production."
            )
        if connection.vendor != "postgresql":
            raise CommandError(
                "seed_scale needs PostgreSQL (it loads with COPY): set DATABASE_URL=postgres://…"
            )
        if options["scale"] <= 0:
            raise CommandError("--scale must be greater than 0.")
        sizes = {
            name: options[name]
            if options[name] is not None
            else max(3 if name == "days" else 1, round(default * options["scale"]))
            for name, default in DEFAULTS.items()
        }
        if any(value < 1 for value in sizes.values()):
            raise CommandError("Every size must be at least 1.")
        if sizes["people"] < 2 * sizes["groups"]:
            raise CommandError("Need at least two people per group (an admin and a contact).")
        self.sizes = sizes
        self.rng = random.Random(options["seed"])  # noqa: S311  # nosec B311  # invented data
        today = options["today"] or datetime.date.today()
        self.now = datetime.datetime.combine(today, datetime.time(12), tzinfo=datetime.UTC)
        self.begin = self.now - datetime.timedelta(days=365 * YEARS)
        self.timings: list[tuple[str, int, float]] = []

        from members.models import Group

        if options["rollups_only"]:
            self._rollups()
            self._vacuum("reporting_rollup")
            self._vacuum("reporting_rolluptotal")
            return
        if options["flush"]:
            self._timed("flush", self._flush)
        if Group.objects.filter(slug__startswith=SLUG_PREFIX).exists():
            if options["if_missing"]:
                # A database seeded before the benchmark measured group admins
                # gains that login here; nothing else changes.
                self._bench_logins()
                self.stdout.write("Scale data already here: nothing to do.")
                return
            raise CommandError(
                "This database already holds scale data; run with --flush to start again."
            )
        started = time.perf_counter()
        self._timed("seed_demo", lambda: call_command("seed_demo", verbosity=0, stdout=_Null()))
        with connection.cursor() as cursor:
            # Nothing here needs to survive a crash: faster commits.
            cursor.execute("SET synchronous_commit TO off")
        self._build()
        from members.services.place_cover import place_cover_rebuild
        from members.services.ties import group_ties_refresh

        # COPY bypasses the signals that keep the weaver's "thin places" counts and ties.
        self._timed("place cover", place_cover_rebuild)
        self._timed("group ties", group_ties_refresh)
        self._bench_logins()
        if not options["no_rollups"]:
            self._rollups()
        self._vacuum()
        total = time.perf_counter() - started
        self.stdout.write(f"{'table':<32} {'rows':>10} {'seconds':>8}")
        for name, rows, seconds in self.timings:
            self.stdout.write(f"{name:<32} {rows:>10,} {seconds:>8.1f}")
        self.stdout.write(self.style.SUCCESS(f"Scale data ready in {total:.0f} s."))

    def _flush(self) -> None:
        """Empty every table, trying again when a running worker's transaction deadlocks it.

        TRUNCATE takes each table's exclusive lock in turn; a Celery task
        reading two of those tables at that moment deadlocks with it, and
        PostgreSQL may choose the flush as the one to cancel. The task ends
        soon after, so a second try goes through.
        """
        for attempt in range(1, FLUSH_ATTEMPTS + 1):
            try:
                call_command("flush", interactive=False, verbosity=0)
                return
            except CommandError:
                if attempt == FLUSH_ATTEMPTS:
                    raise
                self.stdout.write("The flush met another session's locks; trying again.")
                time.sleep(attempt)

    def _vacuum(self, table: str = "") -> None:
        """VACUUM (ANALYZE): fresh statistics and visibility maps for what was just loaded.

        Without it the first measurement reads a cold visibility map (index-only
        scans visit the heap) and the numbers change from one run to the next;
        after it, every run starts from the steady state. VACUUM cannot run in a
        transaction: inside one (a test's), ANALYZE alone.
        """
        target = f' "{table}"' if table else ""
        if connection.in_atomic_block:
            self._timed("analyze", lambda: _execute(f"ANALYZE{target}"))
        else:
            self._timed("vacuum (analyze)", lambda: _execute(f"VACUUM (ANALYZE){target}"))

    def _bench_logins(self) -> None:
        """Make the demo's group admin an admin of a scale group too (idempotent).

        The benchmark measures a group admin's pages logged in as that demo
        login; the scale people cannot log in. The group is the first signed
        scale group, so every run measures the same one.
        """
        from members.models import Group, Membership, User

        admin = User.objects.filter(email=BENCH_GROUP_ADMIN).first()
        group = (
            Group.objects.filter(slug__startswith=SLUG_PREFIX, signed_version__isnull=False)
            .order_by("id")
            .first()
        )
        if admin is None or group is None:
            return
        Membership.objects.update_or_create(group=group, person=admin, defaults={"role": "admin"})

    def _rollups(self) -> None:
        """What ``rollups_rebuild`` does, written with COPY: the same sources, the same rows.

        ``rollups_rebuild`` builds a model instance per row and inserts them in
        batches, fine for a month or two but minutes for five years of a large
        network; here each source's rows stream straight into COPY.
        """
        from actions.models import Action
        from coalition.models import Place
        from reporting.models import Rollup, RollupTotal
        from reporting.rollups import (
            SOURCES,
            Span,
            first_record_month,
            month_start,
            months_from,
            rollup_totals_write,
            rollups_changed,
        )

        current = month_start(datetime.date.today())
        furthest = Action.objects.order_by("-starts_at").values_list("starts_at", flat=True).first()
        last = max(current, month_start(furthest)) if furthest else current
        span = Span(months_from(first_record_month(), last))
        paths = dict(Place.objects.values_list("id", "path"))
        _execute(f'TRUNCATE "{Rollup._meta.db_table}", "{RollupTotal._meta.db_table}"')
        # The sources group millions of rows: let them hash and sort in memory.
        _execute("SET work_mem TO '256MB'")
        for source in SOURCES:
            if source.current_month_only and current not in span.months:
                continue
            covered = {current} if source.current_month_only else set(span.months)

            def load(source=source, covered=covered) -> int:
                # The sources query on this connection while they yield, and a
                # COPY owns the connection until it ends: copy in chunks between.
                chunk: list[tuple] = []
                written = 0
                for metric, key, month, place_id, value in source.rows(span):
                    if value and month in covered:
                        path = paths.get(place_id, "") if place_id else ""
                        chunk.append((metric, key[:40], month, place_id, path, value))
                    if len(chunk) >= 50_000:
                        written += _copy_chunk(Rollup, chunk)
                        chunk = []
                return written + _copy_chunk(Rollup, chunk)

            self._timed(f"rollups: {source.metrics[0]}…", load)
        metrics = {metric for source in SOURCES for metric in source.metrics}
        self._timed(
            "rollups: totals per place subtree",
            lambda: rollup_totals_write(metrics, span.first, span.months[-1]),
        )
        rollups_changed()

    def _timed(self, name: str, work: Callable[[], object]) -> object:
        began = time.perf_counter()
        result = work()
        rows = result if isinstance(result, int) else 0
        self.timings.append((name, rows, time.perf_counter() - began))
        self.stdout.write(f"  {name}: {rows:,} rows, {self.timings[-1][2]:.1f} s", ending="\n")
        self.stdout.flush()
        return result

    def _copy(self, model, columns: list[str], rows: Iterable[tuple], label: str = "") -> int:
        """COPY ``rows`` into ``model``'s table; ``columns`` are database column names.

        Into a big table, its secondary indexes and foreign keys are dropped
        first and put back afterwards: one index build and one join to check
        each foreign key cost far less than keeping them up to date row by row.
        """
        table = model._meta.db_table
        known = {field.column for field in model._meta.local_concrete_fields}
        unknown = set(columns) - known
        if unknown:
            raise CommandError(f"{table} has no column(s) {sorted(unknown)}")
        # Columns a later migration added with a default in Python (not in the
        # database), or text columns left blank, get that default (""), so COPY
        # never leaves a NOT NULL column empty.
        defaults = [
            (field.column, field.get_default())
            for field in model._meta.local_concrete_fields
            if field.column not in columns
            and not field.null
            and (field.has_default() or field.empty_strings_allowed)
            and not getattr(field, "auto_now", False)
            and not getattr(field, "auto_now_add", False)
        ]
        if defaults:
            columns = [*columns, *(column for column, _value in defaults)]
            extra = tuple(value for _column, value in defaults)
            rows = (row + extra for row in rows)

        def load() -> int:
            stream = RowStream(rows)
            with connection.cursor() as cursor:
                cursor.cursor.copy_expert(
                    f'COPY "{table}" ({", ".join(columns)}) FROM STDIN', stream, size=1 << 16
                )
                if "id" in columns:
                    cursor.execute(
                        # Table names come from the models, not from input.
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608  # nosec B608
                        f'(SELECT COALESCE(MAX(id), 1) FROM "{table}"))'
                    )
            return stream.count

        if table not in BIG_TABLES:
            return self._timed(label or table, load)
        # One transaction: if anything fails, the dropped indexes and keys come back.
        with transaction.atomic():
            indexes, foreign_keys = _detach(table)
            count = self._timed(label or table, load)
            self._timed(f"{table}: indexes, keys", lambda: _attach(table, indexes, foreign_keys))
        return count

    # -- the network -------------------------------------------------------

    def _build(self) -> None:
        from coalition.models import Place, PrivacyPolicy, StatementVersion

        self.version = (
            StatementVersion.objects.filter(published_at__isnull=False).order_by("-number").first()
        )
        self.policy = PrivacyPolicy.objects.order_by("-number").first()
        root = Place.objects.filter(parent__isnull=True).order_by("id").first()
        if self.version is None or self.policy is None or root is None:
            raise CommandError(
                "seed_demo did not leave a statement, a privacy policy and a root place."
            )
        self._places(root)
        self._people_and_groups()
        self._days()
        self._actions()
        self._around_actions()
        self._meetings_and_ladder()
        self._wins_and_signals()

    def _next_id(self, model) -> int:
        return (model.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1

    def _when(self, start: datetime.datetime, end: datetime.datetime) -> datetime.datetime:
        """A random moment between two, to the minute."""
        span = int((end - start).total_seconds() // 60)
        return start + datetime.timedelta(minutes=self.rng.randrange(max(span, 1)))

    def _places(self, root) -> None:
        from coalition.models import Place, PlaceKind
        from coalition.search import search_normalise

        rng = self.rng
        cities = max(2, round(240 * self.sizes["groups"] / DEFAULTS["groups"]))
        regions = math.ceil(cities / CITIES_PER_REGION)
        nations = math.ceil(regions / REGIONS_PER_NATION)
        next_id = self._next_id(Place)
        rows: list[tuple] = []
        self.city_centres: list[tuple[float, float]] = []
        self.nation_ids: list[int] = []
        self.city_ids: list[int] = []
        # Where a group may sit: every place below a nation, with its city's index.
        self.group_places: list[tuple[int, int]] = []
        self.place_path: dict[int, str] = {}

        def add(name, kind, parent_id, parent_path, depth, lat=None, lon=None) -> tuple[int, str]:
            nonlocal next_id
            pk, next_id = next_id, next_id + 1
            path = parent_path + Place.segment(pk)
            rows.append((pk, name, kind, parent_id, path, depth, lat, lon, search_normalise(name)))
            self.place_path[pk] = path
            return pk, path

        city = 0
        for n in range(nations):
            nation, nation_path = add(
                f"Scale Nation {n + 1}", PlaceKind.NATION, root.pk, root.path, root.depth + 1
            )
            self.nation_ids.append(nation)
            for r in range(REGIONS_PER_NATION):
                if city >= cities:
                    break
                region, region_path = add(
                    f"Scale Region {n + 1}.{r + 1}",
                    PlaceKind.REGION,
                    nation,
                    nation_path,
                    root.depth + 2,
                )
                for _ in range(CITIES_PER_REGION):
                    if city >= cities:
                        break
                    # Cities on a grid over an invented continent, 0.9° × 1.5° apart.
                    lat, lon = 40.0 + (city % 20) * 0.9, -10.0 + (city // 20) * 1.5
                    self.city_centres.append((lat, lon))
                    city_id, city_path = add(
                        f"Scale City {city + 1}",
                        PlaceKind.CITY,
                        region,
                        region_path,
                        root.depth + 3,
                        f"{lat:.6f}",
                        f"{lon:.6f}",
                    )
                    self.group_places.append((city_id, city))
                    self.city_ids.append(city_id)
                    for d in range(DISTRICTS_PER_CITY):
                        district, district_path = add(
                            f"District {d + 1} of City {city + 1}",
                            PlaceKind.DISTRICT,
                            city_id,
                            city_path,
                            root.depth + 4,
                        )
                        self.group_places.append((district, city))
                        for h in range(NEIGHBOURHOODS_PER_DISTRICT):
                            lat_h = lat + rng.uniform(-0.08, 0.08)
                            lon_h = lon + rng.uniform(-0.12, 0.12)
                            hood, _ = add(
                                f"Neighbourhood {h + 1} of District {d + 1}, City {city + 1}",
                                PlaceKind.NEIGHBOURHOOD,
                                district,
                                district_path,
                                root.depth + 5,
                                f"{lat_h:.6f}",
                                f"{lon_h:.6f}",
                            )
                            self.group_places.append((hood, city))
                    city += 1
        self._copy(
            Place,
            # search_name: what Place.save() keeps for the type-ahead (coalition/search.py).
            [
                "id",
                "name",
                "kind",
                "parent_id",
                "path",
                "depth",
                "latitude",
                "longitude",
                "search_name",
            ],
            rows,
        )

    def _people_and_groups(self) -> None:
        from members.models import Group, Membership, Signature, StageChange, User, search_text_for

        rng, now, begin = self.rng, self.now, self.begin
        n_groups, n_people = self.sizes["groups"], self.sizes["people"]
        group_base, person_base = self._next_id(Group), self._next_id(User)
        self.group_base, self.person_base = group_base, person_base
        # Per group (by index): place, city, stage, first moment, listing consent.
        self.group_place = array("l")
        self.group_city = array("l")
        stages: list[str] = []
        created: list[datetime.datetime] = []
        listed: list[bool] = []
        for _ in range(n_groups):
            place, city = self.group_places[rng.randrange(len(self.group_places))]
            self.group_place.append(place)
            self.group_city.append(city)
            stage = _pick(rng, STAGES)
            stages.append(stage)
            created.append(self._when(begin, now - datetime.timedelta(days=30)))
            listed.append(stage in SIGNED and rng.random() < 0.7)
        # Signed groups (indexes) host actions and amplify.
        self.signed = array("l", (i for i, stage in enumerate(stages) if stage in SIGNED))
        if len(self.signed) < 3:
            raise CommandError("Too few groups: at least three must be signed; raise --groups.")
        self.signed_rank = {g: rank for rank, g in enumerate(self.signed)}
        self.group_created = created
        # Person i belongs to group i % n_groups: the first is its admin, the second its contact.
        self.person_group = lambda i: i % n_groups
        admin = [person_base + i for i in range(n_groups)]
        self.group_admin = admin

        def people() -> Iterator[tuple]:
            for i in range(n_people):
                joined = self._when(begin, now)
                email = f"person{i + 1}@people.{MAIL_DOMAIN}"
                name = f"Person {i + 1} {WORDS[i % len(WORDS)]}son"
                yield (
                    person_base + i,
                    "!scale-no-login",  # unusable: these people cannot log in
                    False,
                    email,
                    name,
                    True,
                    False,
                    joined,
                    "",
                    "",
                    # What User.save() would keep: the search column, the record's
                    # last change, no unread news.
                    search_text_for(name=name, email=email),
                    joined,
                    0,
                )

        self._copy(
            User,
            [
                "id",
                "password",
                "is_superuser",
                "email",
                "name",
                "is_active",
                "is_staff",
                "date_joined",
                "language",
                "phone",
                "search_text",
                "updated_at",
                "notifications_unread",
            ],
            people(),
        )

        def groups() -> Iterator[tuple]:
            for i in range(n_groups):
                stage = stages[i]
                words = f"{WORDS[i % len(WORDS)]} {WORDS[(i // len(WORDS)) % len(WORDS)]}"
                changed = created[i] + datetime.timedelta(days=rng.randrange(1, 400))
                changed = min(changed, now)
                yield (
                    group_base + i,
                    f"{words} {GROUP_KINDS[i % len(GROUP_KINDS)].title()} Group {i + 1}",
                    f"{SLUG_PREFIX}group-{i + 1}",
                    GROUP_KINDS[i % len(GROUP_KINDS)],
                    self.group_place[i],
                    f"An invented group of the scale network, number {i + 1}.",
                    "",
                    listed[i],
                    stage,
                    changed,
                    self.version.pk if stage in SIGNED else None,
                    f"Contact {i + 1}",
                    f"contact{i + 1}@groups.{MAIL_DOMAIN}",
                    False,
                    changed if rng.random() < 0.6 else None,
                    created[i],
                    None,
                )

        self._copy(
            Group,
            [
                "id",
                "name",
                "slug",
                "kind",
                "place_id",
                "description",
                "website",
                "listing_consent",
                "stage",
                "stage_changed_at",
                "signed_version_id",
                "contact_name",
                "contact_email",
                "needs_resign",
                "last_contact_at",
                "created_at",
                "created_by_id",
            ],
            groups(),
        )

        def memberships() -> Iterator[tuple]:
            for i in range(n_people):
                role = "admin" if i < n_groups else "contact" if i < 2 * n_groups else "member"
                yield (
                    self.person_group(i) + group_base,
                    person_base + i,
                    role,
                    created[self.person_group(i)],
                )

        self._copy(Membership, ["group_id", "person_id", "role", "created_at"], memberships())

        def signatures() -> Iterator[tuple]:
            for i in self.signed:
                signed_at = created[i] + datetime.timedelta(days=rng.randrange(1, 200))
                yield (
                    group_base + i,
                    self.version.pk,
                    admin[i],
                    signed_at,
                    signed_at,
                    listed[i],
                    self.policy.pk,
                )

        self._copy(
            Signature,
            [
                "group_id",
                "version_id",
                "signed_by_id",
                "signed_at",
                "confirmed_at",
                "listing_consent",
                "privacy_policy_id",
            ],
            signatures(),
        )

        def stage_changes() -> Iterator[tuple]:
            for i in range(n_groups):
                at, previous = created[i], ""
                for stage in STAGE_PATH[stages[i]]:
                    yield (group_base + i, previous, stage, None, "Scale data", min(at, now))
                    previous = stage
                    at += datetime.timedelta(days=rng.randrange(7, 120))

        self._copy(
            StageChange,
            ["group_id", "from_stage", "to_stage", "changed_by_id", "reason", "at"],
            stage_changes(),
        )

    def _days(self) -> None:
        """Days of action spread over the history; the last one is still open."""
        from convergence.models import DayOfAction

        n_days = self.sizes["days"]
        base = self._next_id(DayOfAction)
        # The last day opens three weeks from now, so it takes RSVPs.
        last_start = self.now + datetime.timedelta(days=21)
        step = (last_start - self.begin) / max(n_days - 1, 1)
        self.day_windows: list[tuple[int, datetime.datetime, datetime.datetime]] = []
        rows = []
        for d in range(n_days):
            starts = (self.begin + step * d).replace(hour=8, minute=0, second=0, microsecond=0)
            ends = starts + datetime.timedelta(days=1 if d % 3 else 7)
            closed = ends < self.now
            status = "closed" if closed else "live" if starts <= self.now else "open"
            self.day_windows.append((base + d, starts, ends))
            rows.append(
                (
                    base + d,
                    f"Day of action {d + 1}: {WORDS[d % len(WORDS)]} air",
                    f"{SLUG_PREFIX}day-{d + 1}",
                    "Invented day of action of the scale network.",
                    "The city council",
                    "Hold a local event and ask the council for clean air.",
                    starts,
                    ends,
                    500,
                    20_000,
                    status,
                    None,
                    starts - datetime.timedelta(days=60),
                    starts - datetime.timedelta(days=45),
                )
            )
        self._copy(
            DayOfAction,
            [
                "id",
                "title",
                "slug",
                "purpose",
                "target",
                "ask",
                "starts_at",
                "ends_at",
                "goal_events",
                "goal_participants",
                "status",
                "created_by_id",
                "created_at",
                "published_at",
            ],
            rows,
        )
        self._copy(
            DayOfAction.places.through,
            ["dayofaction_id", "place_id"],
            ((day, nation) for day, _, _ in self.day_windows for nation in self.nation_ids),
            label="days of action: places",
        )

    def _actions(self) -> None:
        """Actions over five years (and two months ahead); the first ones are day events."""
        from actions.models import Action, Tactic
        from convergence.models import Event

        rng, now = self.rng, self.now
        n_actions = self.sizes["actions"]
        n_days = self.sizes["days"]
        # One action in 100 is a registered event of a day of action.
        events_per_day = max(1, n_actions // 100 // n_days)
        n_events = min(events_per_day * n_days, n_actions)
        # Events are spread through the actions as a real network posts them, among
        # the other actions (every ``stride``-th one), not the first ids in a block.
        stride = max(1, n_actions // n_events)

        def event_of(a: int) -> int | None:
            """The event number of action ``a``, or None for an action that is no event."""
            e, rest = divmod(a, stride)
            return e if rest == 0 and e < n_events else None

        base = self._next_id(Action)
        self.action_base = base
        tactics = list(Tactic.objects.values_list("id", flat=True))
        horizon = now + datetime.timedelta(days=60)
        # Drawn first: what the RSVPs and amplifications need to know about each action.
        self.action_start = array("q")
        self.action_host = array("l")
        self.action_place = array("l")
        for a in range(n_actions):
            host = self.signed[rng.randrange(len(self.signed))]
            if (e := event_of(a)) is not None:
                _, starts, ends = self.day_windows[e // events_per_day]
                moment = self._when(starts, ends)
            else:
                moment = self._when(self.begin, horizon)
            self.action_start.append(int(moment.timestamp()))
            self.action_host.append(host)
            self.action_place.append(self.group_place[host])
        # RSVPs: which action each goes to, and the confirmed count per action.
        n_rsvps = self.sizes["participations"]
        self.rsvp_action = array("l", (rng.randrange(n_actions) for _ in range(n_rsvps)))
        self.rsvp_confirmed = array("b", (rng.random() < 0.95 for _ in range(n_rsvps)))
        confirmed = array("l", [0]) * n_actions
        for action, ok in zip(self.rsvp_action, self.rsvp_confirmed, strict=True):
            if ok:
                confirmed[action] += 1

        def actions() -> Iterator[tuple]:
            for a in range(n_actions):
                starts = datetime.datetime.fromtimestamp(self.action_start[a], datetime.UTC)
                host = self.action_host[a]
                kind = ACTION_KINDS[rng.randrange(len(ACTION_KINDS))]
                past = starts < now
                roll = rng.random()
                status = "cancelled" if roll < 0.02 else "done" if past else "planned"
                lat, lon = self.city_centres[self.group_city[host]]
                located = rng.random() < 0.9
                done = status == "done"
                hidden = rng.random() < 0.001
                created = starts - datetime.timedelta(days=rng.randrange(1, 45))
                yield (
                    base + a,
                    self.group_base + host,
                    f"{WORDS[a % len(WORDS)]} {kind} {a + 1}",
                    f"Invented action {a + 1} of the scale network.",
                    kind,
                    tactics[a % len(tactics)] if tactics and a % 20 == 0 else None,
                    self.action_place[a],
                    "",
                    f"{lat + rng.uniform(-0.1, 0.1):.6f}" if located else None,
                    f"{lon + rng.uniform(-0.15, 0.15):.6f}" if located else None,
                    starts,
                    starts + datetime.timedelta(hours=2),
                    _pick(rng, VISIBILITIES) if event_of(a) is None else "public",
                    None,
                    confirmed[a],
                    status,
                    rng.randrange(5, 300) if done else None,
                    rng.randrange(10, 500) if done and kind == "letters" else None,
                    rng.randrange(50, 2000) if done and kind == "petition" else None,
                    rng.randrange(1, 5) if done and kind == "media" else None,
                    "It went well." if done else "",
                    self.group_admin[host],
                    created,
                    created,
                    created + datetime.timedelta(days=1) if hidden else None,
                    "Hidden by a steward (invented)." if hidden else "",
                    None,
                )

        self._copy(
            Action,
            [
                "id",
                "host_group_id",
                "title",
                "description",
                "kind",
                "tactic_id",
                "place_id",
                "address",
                "latitude",
                "longitude",
                "starts_at",
                "ends_at",
                "visibility",
                "capacity",
                "rsvp_count",
                "status",
                "participants",
                "letters_sent",
                "signatures_gathered",
                "media_pieces",
                "story",
                "created_by_id",
                "created_at",
                "updated_at",
                "hidden_at",
                "hidden_reason",
                "hidden_by_id",
            ],
            actions(),
        )

        def events() -> Iterator[tuple]:
            for e in range(n_events):
                a = e * stride
                day_id, starts, _ = self.day_windows[e // events_per_day]
                yield (
                    day_id,
                    base + a,
                    self.group_admin[self.action_host[a]],
                    starts - datetime.timedelta(days=rng.randrange(1, 40)),
                    "{}",
                )

        self._copy(
            Event,
            ["day_id", "action_id", "registered_by_id", "registered_at", "checklist"],
            events(),
        )

    def _around_actions(self) -> None:
        from actions.models import Amplification, Participation, SupportRequest

        rng, now = self.rng, self.now
        n_actions = self.sizes["actions"]
        n_amps = self.sizes["amplifications"]
        signed = self.signed
        ranks = math.ceil(n_amps / n_actions)
        if ranks + 1 >= len(signed):
            raise CommandError(
                "Too many amplifications per action for the number of signed groups; "
                "raise --groups or lower --amplifications."
            )

        def amplifications() -> Iterator[tuple]:
            # Action a's r-th amplifier is the r+1-th signed group after its host,
            # so no group amplifies the same action twice or its own action.
            for j in range(n_amps):
                a, rank = j % n_actions, j // n_actions
                host_rank = self.signed_rank[self.action_host[a]]
                group = signed[(host_rank + 1 + rank) % len(signed)]
                kind = AMPLIFICATION_KINDS[rng.randrange(len(AMPLIFICATION_KINDS))]
                starts = self.action_start[a]
                at = datetime.datetime.fromtimestamp(
                    starts - rng.randrange(3600, 30 * 86400), datetime.UTC
                )
                yield (
                    self.action_base + a,
                    self.group_base + group,
                    kind,
                    rng.randrange(1, 20) if kind == "pledge" else None,
                    False,
                    None,
                    min(at, now),
                )

        self._copy(
            Amplification,
            ["action_id", "group_id", "kind", "people", "sees_rsvps", "by_id", "created_at"],
            amplifications(),
        )

        def participations() -> Iterator[tuple]:
            for j, (a, ok) in enumerate(zip(self.rsvp_action, self.rsvp_confirmed, strict=True)):
                starts = self.action_start[a]
                at = datetime.datetime.fromtimestamp(
                    starts - rng.randrange(3600, 20 * 86400), datetime.UTC
                )
                yield (
                    self.action_base + a,
                    f"Participant {j + 1}",
                    f"rsvp{j + 1}@people.{MAIL_DOMAIN}",
                    None,
                    self.policy.pk,
                    "confirmed" if ok else "cancelled",
                    min(at, now),
                    None if ok else min(at + datetime.timedelta(hours=5), now),
                )

        self._copy(
            Participation,
            [
                "action_id",
                "name",
                "email",
                "person_id",
                "privacy_policy_id",
                "status",
                "created_at",
                "cancelled_at",
            ],
            participations(),
        )

        n_requests = max(1, n_actions // 50)

        def support_requests() -> Iterator[tuple]:
            for j in range(n_requests):
                a = rng.randrange(n_actions)
                created = datetime.datetime.fromtimestamp(
                    self.action_start[a] - 20 * 86400, datetime.UTC
                )
                amount = rng.randrange(1, 30)
                met = created + datetime.timedelta(days=rng.randrange(1, 15))
                is_met = met < now and rng.random() < 0.6
                yield (
                    self.action_base + a,
                    SUPPORT_KINDS[j % len(SUPPORT_KINDS)],
                    "Invented request for support.",
                    amount,
                    amount if is_met else 0,
                    not is_met,
                    min(created, now),
                    met if is_met else None,
                )

        self._copy(
            SupportRequest,
            [
                "action_id",
                "kind",
                "description",
                "amount",
                "pledged",
                "is_open",
                "created_at",
                "met_at",
            ],
            support_requests(),
        )
        # As the beat job leaves them: the requests of actions already over are closed.
        from actions.services.support import support_requests_close_ended

        support_requests_close_ended(now=now)

    def _meetings_and_ladder(self) -> None:
        from members.models import LadderLevel, LadderStep, RelationalMeeting, User

        rng, now, begin = self.rng, self.now, self.begin
        n_people, n_groups = self.sizes["people"], self.sizes["groups"]

        def meetings() -> Iterator[tuple]:
            for _ in range(self.sizes["meetings"]):
                a = rng.randrange(n_people)
                b = (a + 1 + rng.randrange(n_people - 1)) % n_people
                met = self._when(begin, now)
                yield (
                    self.person_base + a,
                    self.person_base + b,
                    self.group_base + a % n_groups,
                    self.group_base + b % n_groups,
                    met.date(),
                    "",
                    "",
                    self.person_base + a,
                    met,
                )

        self._copy(
            RelationalMeeting,
            [
                "person_a_id",
                "person_b_id",
                "group_a_id",
                "group_b_id",
                "met_on",
                "notes",
                "follow_up",
                "logged_by_id",
                "created_at",
            ],
            meetings(),
        )

        levels = list(LadderLevel.objects.order_by("rank").values_list("id", flat=True))
        if not levels:
            return
        # One person in ten climbs the ladder: one step per rung up to their level.
        reached: dict[int, int] = {}

        def steps() -> Iterator[tuple]:
            for i in range(0, n_people, 10):
                top = rng.randrange(len(levels))
                at = self._when(begin, now - datetime.timedelta(days=30 * (top + 1)))
                for rung in range(top + 1):
                    yield (self.person_base + i, levels[rung], at.date(), None, "Scale data")
                    at += datetime.timedelta(days=rng.randrange(10, 30))
                reached[self.person_base + i] = levels[top]

        self._copy(LadderStep, ["person_id", "level_id", "at", "recorded_by_id", "note"], steps())

        def set_levels() -> int:
            with connection.cursor() as cursor:
                cursor.execute(
                    "CREATE TEMPORARY TABLE scale_levels (person_id bigint, level_id bigint)"
                )
                cursor.cursor.copy_expert(
                    "COPY scale_levels FROM STDIN", RowStream(reached.items()), size=1 << 16
                )
                cursor.execute(
                    f'UPDATE "{User._meta.db_table}" u SET ladder_level_id = s.level_id '  # noqa: S608  # nosec B608
                    "FROM scale_levels s WHERE u.id = s.person_id"
                )
                updated = cursor.rowcount
                cursor.execute("DROP TABLE scale_levels")
            return updated

        self._timed("people: ladder levels", set_levels)

    def _wins_and_signals(self) -> None:
        from reporting.models import ClimateSignal, Win

        rng, now, begin = self.rng, self.now, self.begin
        cities = self.city_ids
        n_wins = max(1, self.sizes["groups"] // 20)

        def wins() -> Iterator[tuple]:
            for j in range(n_wins):
                won = self._when(begin, now)
                yield (
                    f"Invented win {j + 1}",
                    won.date(),
                    cities[rng.randrange(len(cities))],
                    "full" if rng.random() < 0.4 else "partial",
                    "An invented win of the scale network.",
                    "",
                    rng.random() < 0.5,
                    rng.random() < 0.8,
                    None,
                    won,
                )

        self._copy(
            Win,
            [
                "title",
                "won_on",
                "place_id",
                "level",
                "description",
                "evidence_url",
                "shifted_climate",
                "is_public",
                "recorded_by_id",
                "created_at",
            ],
            wins(),
        )

        def signals() -> Iterator[tuple]:
            for j in range(n_wins * 4):
                said = self._when(begin, now)
                yield (
                    ["media", "legislator", "poll", "other"][j % 4],
                    f"Invented source {j % 97 + 1}",
                    said.date(),
                    ["supportive", "neutral", "opposed"][rng.randrange(3)],
                    "",
                    "",
                    cities[rng.randrange(len(cities))],
                    None,
                    None,
                    said,
                )

        self._copy(
            ClimateSignal,
            [
                "kind",
                "source",
                "said_on",
                "stance",
                "url",
                "summary",
                "place_id",
                "day_of_action_id",
                "recorded_by_id",
                "created_at",
            ],
            signals(),
        )


# Tables that get more than a few hundred thousand rows at full size.
BIG_TABLES = {
    "members_user",
    "members_membership",
    "actions_action",
    "actions_amplification",
    "actions_participation",
    "members_relationalmeeting",
}


def _detach(table: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Drop ``table``'s secondary indexes and foreign keys; return how to recreate them.

    The primary key and the indexes behind unique constraints stay (their
    constraints are what keeps the data right while it loads).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
            [table],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            [table],
        )
        foreign_keys = cursor.fetchall()
        for name, _ in foreign_keys:
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    return indexes, foreign_keys


def _attach(table: str, indexes, foreign_keys) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem TO '512MB'")
        for _, definition in indexes:
            cursor.execute(definition)
        for name, definition in foreign_keys:
            # Added back validated: a row pointing nowhere stops the command here.
            cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    return 0


def _copy_chunk(model, rows: list[tuple]) -> int:
    """COPY a list of rollup rows (metric, key, month, place, path, value)."""
    if not rows:
        return 0
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f'COPY "{model._meta.db_table}" (metric, key, month, place_id, place_path, value) '
            "FROM STDIN",
            RowStream(rows),
            size=1 << 16,
        )
    return len(rows)


def _execute(sql: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql)
    return 0


class _Null:
    """A stdout that discards what seed_demo prints."""

    def write(self, *args, **kwargs) -> None:
        pass

    def flush(self) -> None:
        pass

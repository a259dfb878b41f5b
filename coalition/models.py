"""The network's frame: the coalition itself and the roles people hold in it."""

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coalition.search import search_normalise
from coalition.time_zones import validate_time_zone


class Coalition(models.Model):
    """The one coalition this installation runs (a single row, pk=1)."""

    name = models.CharField(_("name"), max_length=120)
    cause = models.CharField(
        _("cause"), max_length=240, help_text=_("One sentence people remember.")
    )
    description = models.TextField(_("description"), blank=True)
    language = models.CharField(
        _("default language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default="en",
        help_text=_("The language of pages and email for people who have not chosen one."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="UTC",
        help_text=_("Where the coalition's days and reminders are counted, e.g. Europe/Paris."),
    )
    # Set once the first-run setup (/setup/ or coalition_init) has finished.
    set_up_at = models.DateTimeField(_("set up at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("coalition")
        verbose_name_plural = _("coalition")
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="coalition_is_single_row"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.pk = 1
        super().save(*args, **kwargs)


class Role(models.TextChoices):
    WEAVER = "weaver", _("weaver")
    COORDINATOR = "coordinator", _("coordinator")
    FACILITATOR = "facilitator", _("facilitator")
    STEWARD = "steward", _("network steward")
    STEERING = "steering", _("steering committee member")
    MODERATOR = "moderator", _("moderator")


class NetworkRole(models.Model):
    """A role a person holds in the network; roles decide what they see and do."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="network_roles",
        verbose_name=_("person"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("granted by"),
    )

    class Meta:
        verbose_name = _("network role")
        verbose_name_plural = _("network roles")
        constraints = [
            models.UniqueConstraint(fields=["person", "role"], name="network_role_once_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.get_role_display()}"


class PlaceKind(models.IntegerChoices):
    """Scales of place, smallest first; a place sits inside a larger one."""

    NEIGHBOURHOOD = 1, _("neighbourhood")
    DISTRICT = 2, _("district")
    CITY = 3, _("city")
    REGION = 4, _("region")
    NATION = 5, _("nation")
    GLOBAL = 6, _("global")


class Place(models.Model):
    """A place in the tree; ``path`` makes "this place and everything under it" one query.

    ``path`` is the chain of ids from the root, each as fixed-width hex followed
    by a slash ("0000002a/0000002f/"), so a subtree is ``path LIKE 'prefix%'``,
    served by the index below (``varchar_pattern_ops`` on PostgreSQL).
    """

    name = models.CharField(_("name"), max_length=120)
    kind = models.PositiveSmallIntegerField(_("kind"), choices=PlaceKind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("inside"),
    )
    path = models.CharField(max_length=255, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    # Empty: the nearest ancestor's, then the coalition's (coalition.time_zones).
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        default="",
        validators=[validate_time_zone],
        help_text=_("Leave empty to use the time zone of the place it is in, e.g. Europe/Paris."),
    )
    # Optional area, so a map can fit the place and a distance search knows
    # its extent; without it the centre (latitude, longitude) stands for it.
    min_latitude = models.DecimalField(
        _("southmost latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    min_longitude = models.DecimalField(
        _("westmost longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    max_latitude = models.DecimalField(
        _("northmost latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    max_longitude = models.DecimalField(
        _("eastmost longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    # The name through coalition.search.search_normalise ("Saint-Étienne" reads
    # "saint-etienne"), so type-ahead is accent- and case-insensitive with a
    # plain LIKE on SQLite and PostgreSQL alike. Kept in step by save() and
    # place_rename().
    search_name = models.CharField(max_length=120, default="", editable=False, db_index=True)

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["path"], name="place_path", opclasses=["varchar_pattern_ops"]),
            # Tree order (ORDER BY path): the pattern index above serves LIKE only.
            models.Index(fields=["path"], name="place_path_order"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="place_name_unique_in_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.search_name = search_normalise(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "search_name"}
        super().save(*args, **kwargs)

    @property
    def has_area(self) -> bool:
        return None not in (
            self.min_latitude,
            self.min_longitude,
            self.max_latitude,
            self.max_longitude,
        )

    @staticmethod
    def segment(pk: int) -> str:
        return f"{pk:08x}/"


class StatementVersion(models.Model):
    """One version of the unity statement; its principles hang off it.

    A version is a draft until published; the current statement is the
    published version with the highest number.
    """

    number = models.PositiveIntegerField(_("version"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("statement"))
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, db_index=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )

    class Meta:
        verbose_name = _("statement version")
        verbose_name_plural = _("statement versions")
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"{self.title} (v{self.number})"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Principle(models.Model):
    version = models.ForeignKey(
        StatementVersion, on_delete=models.CASCADE, related_name="principles"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"), blank=True)

    class Meta:
        verbose_name = _("principle")
        verbose_name_plural = _("principles")
        ordering = ["version", "position", "id"]

    def __str__(self) -> str:
        return self.title


class PrivacyPolicy(models.Model):
    """A version of the privacy policy; consent is recorded against one of these."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    text = models.TextField(_("policy"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("privacy policy version")
        verbose_name_plural = _("privacy policy versions")
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"v{self.number}"


class WorkingGroup(models.Model):
    """A working group of the network, one per lever of change."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    lever = models.CharField(_("lever of change"), max_length=240, blank=True)

    class Meta:
        verbose_name = _("working group")
        verbose_name_plural = _("working groups")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Caucus(models.Model):
    """A caucus (youth, faith, rural…) that groups and people may belong to."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    description = models.CharField(_("description"), max_length=240, blank=True)

    class Meta:
        verbose_name = _("caucus")
        verbose_name_plural = _("caucuses")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AuditVerb(models.TextChoices):
    EXPORT = "export", _("export")
    IMPORT = "import", _("import")
    ERASURE = "erasure", _("erasure")
    ROLE_GRANTED = "role_granted", _("role granted")
    ROLE_REVOKED = "role_revoked", _("role revoked")
    MEMBERSHIP_CHANGED = "membership_changed", _("group role changed")
    MODERATION = "moderation", _("moderation")
    OUTREACH_SENT = "outreach_sent", _("outreach sent")
    TOKEN_CREATED = "token_created", _("API token created")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")
    POLICY_PUBLISHED = "policy_published", _("privacy policy published")
    SETUP_DONE = "setup_done", _("first-run setup")
    PLACES_CHANGED = "places_changed", _("places changed")
    STATEMENT_PUBLISHED = "statement_published", _("statement published")
    ROLE_INVITED = "role_invited", _("role invitation sent")
    ROLE_INVITATION_WITHDRAWN = "role_invitation_withdrawn", _("role invitation withdrawn")
    COALITION_CHANGED = "coalition_changed", _("coalition details changed")


class AuditEntry(models.Model):
    """Who did what to whose data, and when. Written once, never edited.

    The actor is kept as a foreign key for filtering and as a label so the
    entry still reads after the actor's account is erased; ``subject`` names
    what was acted on in words, never a personal email address.
    """

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    actor_label = models.CharField(_("who"), max_length=150, blank=True)
    verb = models.CharField(_("what"), max_length=30, choices=AuditVerb.choices)
    subject = models.CharField(_("on what"), max_length=300, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["verb", "-at"], name="audit_verb_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.verb} {self.subject}"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("waiting for the broker")
    PUBLISHED = "published", _("handed to the broker")
    RUNNING = "running", _("taken by a worker")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class OutboxMessage(models.Model):
    """A task to run, written in the same transaction as the change it follows.

    The transactional outbox (``coalition/outbox.py``): the row commits or
    rolls back with the change, is handed to the broker after the commit, and
    is handed again by ``outbox_flush`` while nobody has taken it, so a broker
    that is down at the moment of the commit loses nothing. A worker claims
    the row before running its task, so a row handed over twice runs once.
    """

    task = models.CharField(_("task"), max_length=200)
    kwargs = models.JSONField(_("arguments"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Last time it was handed to the broker (or tried to be), and when that worked.
    attempted_at = models.DateTimeField(_("last handed over at"), null=True, blank=True)
    published_at = models.DateTimeField(_("accepted by the broker at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("hand-overs"), default=0)
    # The Celery task id that claimed it: a retry of that task (same id) may
    # take it again, any other copy may not.
    claimed_by = models.CharField(_("claimed by"), max_length=64, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    runs = models.PositiveIntegerField(_("runs"), default=0)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox")
        # The flush reads what is not done yet; done rows are only purged.
        indexes = [models.Index(fields=["status", "created_at"], name="outbox_status_created")]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk} ({self.status})"


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("waiting")
    RUNNING = "running", _("importing")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class ImportRun(models.Model):
    """What every CSV import run by a worker records: who, when, progress, counts, bad rows.

    The exchange's people and groups (``exchange.CsvImport``) and the weaver's
    prospects (``members.ProspectImport``) add what they keep of the file.
    ``coalition/imports.py`` claims, writes and finishes them.
    """

    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    filename = models.CharField(_("file name"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    # [{"line": 12, "reason": "bad email address"}, ...], as the inline import reports them.
    row_errors = models.JSONField(default=list, blank=True)
    problem = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When a worker claimed it: a running import older than the task time limit was lost.
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.filename

    @property
    def finished(self) -> bool:
        return self.status in {ImportStatus.DONE, ImportStatus.FAILED}


class PlaceImport(ImportRun):
    """A places CSV file too long to import during the request, imported by a worker.

    ``content`` holds the file only until the import ends. The import stays all or
    nothing (one transaction), so its progress is its status: waiting, importing,
    done with the count, or failed with the line at fault.
    """

    content = models.TextField(blank=True)

    class Meta(ImportRun.Meta):
        verbose_name = _("places import")
        verbose_name_plural = _("places imports")


class SetupToken(models.Model):
    """The one-time link that lets the first person set the coalition up.

    Only the token's sha256 is kept; the link itself is printed once in the
    terminal that started the app. A token stops working once used, and
    every token stops working once setup is done.
    """

    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("setup link")
        verbose_name_plural = _("setup links")

    def __str__(self) -> str:
        return f"setup link of {self.created_at:%Y-%m-%d %H:%M}"

    @staticmethod
    def digest(token: str) -> str:
        """What is stored of a token: its sha256, in hex."""
        return hashlib.sha256(token.encode()).hexdigest()


class RoleInvitation(models.Model):
    """An invitation by email into a network role; the role is given on acceptance.

    Only the token's sha256 is kept; the link goes out once, by email.
    """

    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("role invitation")
        verbose_name_plural = _("role invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.role} for {self.email}"


class SchedulerTick(models.Model):
    """The last time the scheduler (Celery beat) ran its heartbeat task: one row per name.

    ``/healthz`` reads it to say whether scheduled work is happening.
    """

    name = models.CharField(max_length=60, unique=True)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("scheduler tick")
        verbose_name_plural = _("scheduler ticks")

    def __str__(self) -> str:
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"


class GeocoderTurn(models.Model):
    """When the site last asked the geocoder: one row, shared by every process of the site.

    Nominatim's usage policy allows one request a second for the whole site,
    not per process; the cache (local memory under ``make run``) is each
    process's own, the database is everyone's. A process takes its turn with
    a conditional update (coalition/geocoder.py).
    """

    asked_at = models.DateTimeField()

    class Meta:
        verbose_name = _("geocoder turn")
        verbose_name_plural = _("geocoder turns")

    def __str__(self) -> str:
        return f"geocoder asked at {self.asked_at:%Y-%m-%d %H:%M:%S.%f}"

"""Local actions and what the network does around them: amplification, support,
participation, the playbook and moderation."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coalition.time_zones import default_time_zone, validate_time_zone


class ActionKind(models.TextChoices):
    EVENT = "event", _("public event or meeting")
    LETTERS = "letters", _("letter writing")
    PETITION = "petition", _("petition drive")
    LOBBY = "lobby", _("lobby visit")
    MEDIA = "media", _("media")
    DIRECT = "direct", _("direct action")
    ONLINE = "online", _("online")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("public: anyone")
    NETWORK = "network", _("network: people with an account in a member group")
    GROUP = "group", _("group: the host group's members only")


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    DONE = "done", _("done")
    CANCELLED = "cancelled", _("cancelled")


class Tactic(models.Model):
    """A way of acting that worked, written up so other groups can adopt it."""

    title = models.CharField(_("title"), max_length=160)
    slug = models.SlugField(_("address"), max_length=80, unique=True)
    summary = models.TextField(_("what was done"), max_length=4000)
    why_it_worked = models.TextField(_("why it worked"), max_length=4000, blank=True)
    how_to = models.TextField(_("how to do it"), max_length=10_000, blank=True)
    resources = models.TextField(_("resources"), max_length=4000, blank=True)
    source_action = models.ForeignKey(
        "actions.Action",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="written_up_as",
        verbose_name=_("written up from"),
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # How far it spread among public, shown actions: written by
    # ``tactic_spread_refresh`` (the rollup job, every 10 minutes), never
    # counted per request (40,000 adoptions a tactic at scale). ``spread``
    # holds the months and the first places for the tactic's page.
    adoption_count = models.PositiveIntegerField(default=0, editable=False)
    place_count = models.PositiveIntegerField(default=0, editable=False)
    spread = models.JSONField(default=dict, editable=False)
    counted_at = models.DateTimeField(null=True, editable=False)

    class Meta:
        verbose_name = _("tactic")
        verbose_name_plural = _("tactics")
        ordering = ["title"]
        indexes = [
            models.Index(F("adoption_count").desc(), "title", "id", name="tactic_most_adopted")
        ]

    def __str__(self) -> str:
        return self.title


class Action(models.Model):
    """Something a group does, posted without asking anyone's permission."""

    host_group = models.ForeignKey(
        "members.Group", on_delete=models.CASCADE, related_name="actions", verbose_name=_("host")
    )
    title = models.CharField(_("title"), max_length=160)
    description = models.TextField(_("description"), max_length=10_000, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ActionKind.choices)
    tactic = models.ForeignKey(
        Tactic,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="adoptions",
        verbose_name=_("tactic from the playbook"),
    )
    place = models.ForeignKey(
        "coalition.Place", on_delete=models.PROTECT, related_name="actions", verbose_name=_("place")
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    # Where its times are told: pages, forms and calendars show them in it.
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=default_time_zone,
        validators=[validate_time_zone],
    )
    # iCalendar SEQUENCE: raised by every change a calendar shows (edit, cancel),
    # so subscribers replace their copy instead of ignoring it.
    sequence = models.PositiveIntegerField(default=0, editable=False)
    visibility = models.CharField(
        _("who can see it"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    capacity = models.PositiveIntegerField(
        _("places"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    # Confirmed RSVPs, kept here so capacity is enforced by one conditional
    # UPDATE that concurrent requests cannot both win.
    rsvp_count = models.PositiveIntegerField(default=0, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    participants = models.PositiveIntegerField(_("people who took part"), null=True, blank=True)
    letters_sent = models.PositiveIntegerField(_("letters sent"), null=True, blank=True)
    signatures_gathered = models.PositiveIntegerField(
        _("signatures gathered"), null=True, blank=True
    )
    media_pieces = models.PositiveIntegerField(_("media pieces"), null=True, blank=True)
    story = models.TextField(_("what happened"), max_length=4000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(max_length=500, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Where an imported action came from (exchange's sources write these; this app
    # only reads them): empty for the network's own actions. Imported rows change
    # only by re-importing.
    origin_system = models.CharField(_("origin system"), max_length=200, blank=True)
    origin_id = models.CharField(_("origin identifier"), max_length=200, blank=True)
    origin_url = models.URLField(_("origin page"), max_length=500, blank=True)
    origin_modified = models.DateTimeField(_("last modified at the origin"), null=True, blank=True)
    origin_name = models.CharField(_("from"), max_length=160, blank=True)
    # The origin's OSDI record attendance helper, when it offers one: RSVPs go there.
    origin_rsvp_url = models.URLField(max_length=500, blank=True)
    # Imported actions stay out of the network's own figures unless this is set.
    origin_counted = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(
                fields=["visibility", "starts_at"],
                name="action_visibility_start",
                condition=Q(hidden_at__isnull=True),
            ),
            models.Index(fields=["place", "starts_at"], name="action_place_start"),
            models.Index(fields=["host_group", "starts_at"], name="action_host_start"),
            # A group's newest actions for the weaver's timeline, read in order
            # and stopped at the page's size instead of sorting all of them.
            models.Index(fields=["host_group", "created_at", "id"], name="action_host_created"),
            models.Index(fields=["kind", "starts_at"], name="action_kind_start"),
            models.Index(fields=["tactic", "starts_at"], name="action_tactic_start"),
            models.Index(fields=["latitude", "longitude"], name="action_coordinates"),
            # Stewards' and members' lists (their rule mixes visibilities and
            # hidden rows, so the partial index above cannot serve it).
            models.Index(fields=["starts_at", "id"], name="action_start"),
            # "Coming up" (not ended yet): counted and bounded from this index
            # alone, with the columns of the visibility rule.
            models.Index(
                fields=["ends_at", "starts_at", "visibility", "hidden_at", "host_group"],
                name="action_end_visibility",
            ),
            # Not ended yet, joined to other rows by id (open support requests):
            # read from this index alone, without visiting 30,000 upcoming actions.
            models.Index(
                fields=["ends_at"],
                include=["id", "starts_at", "status", "visibility", "hidden_at"],
                name="action_end_cover",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=models.F("starts_at")), name="action_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(rsvp_count__lte=models.F("capacity")),
                name="action_rsvps_within_capacity",
            ),
            models.UniqueConstraint(
                fields=["origin_system", "origin_id"],
                condition=~Q(origin_system=""),
                name="action_origin_once",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_imported(self) -> bool:
        return bool(self.origin_system)

    @property
    def places_left(self) -> int | None:
        if self.capacity is None:
            return None
        return max(self.capacity - self.rsvp_count, 0)


class AmplificationKind(models.TextChoices):
    ENDORSE = "endorse", _("endorse")
    COHOST = "cohost", _("co-host")
    SHARE = "share", _("share")
    PLEDGE = "pledge", _("pledge people")


class Amplification(models.Model):
    """Another group backing an action; one of each kind per group, and it can be undone."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="amplifications")
    group = models.ForeignKey(
        "members.Group", on_delete=models.CASCADE, related_name="amplifications_given"
    )
    kind = models.CharField(max_length=10, choices=AmplificationKind.choices)
    people = models.PositiveIntegerField(_("people pledged"), null=True, blank=True)
    # Co-hosting does not hand over the host's supporters: a co-host sees the
    # RSVPs' personal data only if the host group turned this on.
    sees_rsvps = models.BooleanField(_("may see who RSVPed"), default=False)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("amplification")
        verbose_name_plural = _("amplifications")
        constraints = [
            models.UniqueConstraint(
                fields=["action", "group", "kind"], name="amplification_once_per_kind"
            ),
        ]
        indexes = [
            models.Index(fields=["group", "kind"], name="amplification_group_kind"),
            # The amplification a group gave, newest first (weaver's timeline).
            models.Index(fields=["group", "created_at", "id"], name="amplification_group_created"),
            models.Index(fields=["action", "kind"], name="amplification_action_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.group} {self.kind} {self.action}"


class SupportKind(models.TextChoices):
    PEOPLE = "people", _("people")
    SKILLS = "skills", _("skills")
    TRANSPORT = "transport", _("transport")
    MONEY = "money", _("money")
    MEDIA = "media", _("media")


class SupportRequest(models.Model):
    """What an action asks of the network, with an amount; it closes when met."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="support_requests")
    kind = models.CharField(_("kind of support"), max_length=10, choices=SupportKind.choices)
    description = models.CharField(_("what exactly"), max_length=300, blank=True)
    amount = models.PositiveIntegerField(
        _("amount"), validators=[MinValueValidator(1)], help_text=_("People, seats, euros…")
    )
    pledged = models.PositiveIntegerField(default=0, editable=False)
    is_open = models.BooleanField(default=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    met_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("support request")
        verbose_name_plural = _("support requests")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ×{self.amount} for {self.action}"


class SupportPledge(models.Model):
    request = models.ForeignKey(SupportRequest, on_delete=models.CASCADE, related_name="pledges")
    group = models.ForeignKey(
        "members.Group", on_delete=models.CASCADE, related_name="support_pledges"
    )
    amount = models.PositiveIntegerField(_("amount"), validators=[MinValueValidator(1)])
    note = models.CharField(_("note"), max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("pledge of support")
        verbose_name_plural = _("pledges of support")
        constraints = [
            models.UniqueConstraint(fields=["request", "group"], name="pledge_once_per_group"),
        ]

    def __str__(self) -> str:
        return f"{self.group} pledges {self.amount}"


class ParticipationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("confirmed")
    CANCELLED = "cancelled", _("cancelled")


class Participation(models.Model):
    """An RSVP to an action; no account needed."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="participations")
    name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("email"))
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="participations",
    )
    privacy_policy = models.ForeignKey(
        "coalition.PrivacyPolicy", on_delete=models.PROTECT, null=True, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=ParticipationStatus.choices, default=ParticipationStatus.CONFIRMED
    )
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            models.UniqueConstraint(
                "action",
                models.functions.Lower("email"),
                condition=Q(status="confirmed"),
                name="participation_once_per_address",
            ),
        ]
        indexes = [models.Index(fields=["action", "status"], name="participation_action_status")]

    def __str__(self) -> str:
        return f"{self.name} → {self.action}"


class ModerationRule(models.TextChoices):
    """Which rule a hidden action broke: shown on the public moderation log."""

    PERSONAL_DATA = "personal_data", _("someone's personal details")
    HARASSMENT = "harassment", _("harassment, threats or hate")
    STATEMENT = "statement", _("against the unity statement or its principles")
    MISLEADING = "misleading", _("false or misleading")
    SPAM = "spam", _("spam or advertising")
    OTHER = "other", _("another reason")


class ModerationOutcome(models.TextChoices):
    DISMISSED = "dismissed", _("flags dismissed")
    HIDDEN = "hidden", _("hidden")
    RESTORED = "restored", _("restored")


class Flag(models.Model):
    """Someone asks the moderators to look at an action (or its hosts ask for a review)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="flags")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    reason = models.CharField(_("what is wrong"), max_length=500)
    # A visitor without an account may leave an address, used only to tell
    # them the outcome (exported and erased with their data: privacy/providers.py).
    email = models.EmailField(_("email"), blank=True)
    language = models.CharField(max_length=10, blank=True)
    # The hosts of a hidden action asking the moderators to look again.
    is_review = models.BooleanField(_("review asked by the hosts"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    decision = models.ForeignKey(
        "ModerationDecision",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="flags_answered",
    )

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["action", "resolved_at"], name="flag_action_open")]

    def __str__(self) -> str:
        return f"Flag on {self.action}"


class ModerationDecision(models.Model):
    """A moderator dismissed the flags on an action, hid it or restored it, and why."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="decisions")
    outcome = models.CharField(
        _("decision"), max_length=10, choices=ModerationOutcome.choices, default="hidden"
    )
    # Whether the action is hidden once this decision is taken.
    hidden = models.BooleanField()
    reason = models.CharField(_("why"), max_length=500)
    rule = models.CharField(_("rule"), max_length=20, choices=ModerationRule.choices, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    # The role the decider held ("moderator", "steward"), kept when the account goes;
    # empty for a decision the app took by itself.
    role = models.CharField(_("role"), max_length=20, blank=True)
    automatic = models.BooleanField(_("hidden automatically"), default=False)
    # When a moderator looked at an automatic decision (null: still to review).
    reviewed_at = models.DateTimeField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("moderation decision")
        verbose_name_plural = _("moderation decisions")
        ordering = ["-at"]
        indexes = [models.Index(fields=["outcome", "id"], name="decision_public_log")]

    def __str__(self) -> str:
        return f"{self.outcome} {self.action}"

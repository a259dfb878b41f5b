"""People (the custom user model, email is the login) and, later, their groups."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coalition.models import ImportRun
from coalition.search import search_normalise
from members.names import greeting_name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields) -> User:
        if not email:
            raise ValueError("A person needs an email address to log in.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields["is_staff"] = True
        fields["is_superuser"] = True
        return self._create(email, password, **fields)

    def get_by_natural_key(self, email: str) -> User:
        return self.get(email__iexact=email)


# The fields whose change is a change of the person's record (see User.save).
RECORD_FIELDS = {"email", "name", "phone", "language"}


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account. Their email address is how they log in."""

    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("staff"), default=False, help_text=_("Can log in to the admin site.")
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # When the record (name, email, phone, language) last changed: OSDI's modified_date,
    # which syncing tools read to fetch only what changed. See save().
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    ladder_level = models.ForeignKey(
        "members.LadderLevel",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="people",
        verbose_name=_("leadership level"),
    )
    skills = models.ManyToManyField("members.Skill", blank=True, related_name="people")
    working_groups = models.ManyToManyField(
        "coalition.WorkingGroup", blank=True, related_name="people"
    )
    caucuses = models.ManyToManyField("coalition.Caucus", blank=True, related_name="people")
    # Kept by the notifications app in the same transaction as each change, so
    # the menu shows the count without a query on every page.
    notifications_unread = models.PositiveIntegerField(_("unread notifications"), default=0)
    # Name and email, casefolded and without accents, so stewards find "Hélène"
    # by typing "helene" on any database (coalition/search.py). Kept by save();
    # a queryset .update() of name or email must set it too (see search_text_for).
    search_text = models.TextField(editable=False, blank=True, default="")

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ignoring_case"),
        ]

    def __str__(self) -> str:
        return self.name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def save(self, *args, **kwargs) -> None:
        self.search_text = search_text_for(name=self.name, email=self.email)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            extra = set()
            if {"name", "email"} & set(update_fields):
                extra.add("search_text")
            # auto_now is written only when the field is among update_fields: a change
            # of the record saved with update_fields=["name"] must still move updated_at.
            if set(update_fields) & RECORD_FIELDS:
                extra.add("updated_at")
            kwargs["update_fields"] = {*update_fields, *extra}
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return greeting_name(self.name) or self.email

    @property
    def first_name(self) -> str:
        """The name to greet the person by (never a title alone): see members.names."""
        return greeting_name(self.name)


def search_text_for(*, name: str, email: str) -> str:
    """What a person is found by: their name and email address, normalised for search."""
    return search_normalise(f"{name} {email}")


class GroupKind(models.TextChoices):
    NGO = "ngo", _("NGO")
    UNION = "union", _("union")
    FAITH = "faith", _("faith group")
    COMMUNITY = "community", _("community group")
    INFORMAL = "informal", _("informal local group")
    FUNDER = "funder", _("funder")
    BUSINESS = "business", _("business")
    OTHER = "other", _("other")


class Stage(models.TextChoices):
    """Connect → Align → Produce, plus the groups that drifted away."""

    PROSPECT = "prospect", _("prospect")
    CONTACTED = "contacted", _("contacted")
    ALIGNED = "aligned", _("aligned")
    PRODUCING = "producing", _("producing")
    LAPSED = "lapsed", _("lapsed")


# Stages that count as "in the network" when asking where it is thin.
STRONG_STAGES = (Stage.ALIGNED, Stage.PRODUCING)


class Group(models.Model):
    """A member group (or a prospect): it signs, acts and amplifies as itself."""

    name = models.CharField(_("name"), max_length=160)
    slug = models.SlugField(_("address"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=GroupKind.choices)
    place = models.ForeignKey(
        "coalition.Place", on_delete=models.PROTECT, related_name="groups", verbose_name=_("place")
    )
    description = models.TextField(_("description"), blank=True, max_length=4000)
    website = models.URLField(_("website"), blank=True)
    listing_consent = models.BooleanField(
        _("list publicly"),
        default=False,
        help_text=_("Show this group's name on the public list of signatories."),
    )
    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage.choices, default=Stage.PROSPECT
    )
    stage_changed_at = models.DateTimeField(_("stage changed"), default=timezone.now)
    # The latest statement version the group signed (confirmed), kept here so
    # "needs to re-sign" and the public list are simple indexed reads.
    signed_version = models.ForeignKey(
        "coalition.StatementVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed version"),
    )
    # A prospect's contact before anyone has an account (weavers, imports).
    contact_name = models.CharField(_("contact name"), max_length=150, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    # Set when a new statement version is published and the group's latest
    # signature is for an older one; cleared when it signs the new version.
    needs_resign = models.BooleanField(_("to re-sign"), default=False)
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True)
    # Whether any registered kind of tie (members.ties) links the group to another
    # one; kept by group_ties_refresh in the transaction that changes a tie, so
    # "aligned groups with no ties" reads an index instead of probing every group.
    has_tie = models.BooleanField(default=False, editable=False)
    working_groups = models.ManyToManyField(
        "coalition.WorkingGroup",
        blank=True,
        related_name="groups",
        verbose_name=_("working groups"),
    )
    caucuses = models.ManyToManyField(
        "coalition.Caucus", blank=True, related_name="groups", verbose_name=_("caucuses")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["stage", "name"], name="group_stage_name"),
            # The weaver's list of every group by name, read a page at a time
            # from the index instead of sorting all the groups.
            models.Index(fields=["name", "id"], name="group_name_id"),
            # Signed groups by name (a day's coordination view: who has not registered).
            models.Index(
                fields=["name", "id"],
                name="group_signed_by_name",
                condition=models.Q(stage__in=[Stage.ALIGNED, Stage.PRODUCING]),
            ),
            # The statement's signatories, by name: the first page read in order from
            # the index instead of sorting every listed group.
            models.Index(
                fields=["name", "id"],
                name="group_listed_by_name",
                condition=models.Q(listing_consent=True, signed_version__isnull=False),
            ),
            models.Index(fields=["place", "stage"], name="group_place_stage"),
            models.Index(Lower("name"), "place", name="group_lower_name_place"),
            models.Index(Lower("contact_email"), name="group_lower_contact_email"),
            models.Index(fields=["last_contact_at"], name="group_last_contact"),
            # Aligned or producing groups with no tie, by name: the weaver's "thin" page
            # counts and pages them from this index alone.
            models.Index(
                fields=["name", "id"],
                name="group_untied_by_name",
                condition=models.Q(has_tie=False, stage__in=["aligned", "producing"]),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PlaceCover(models.Model):
    """How many aligned or producing groups sit in a place or anywhere under it.

    Derived data, so "places with no aligned group" is a read of a few thousand
    integers rather than the prefixes of every strong group's place cut at page
    time (~20 ms a query with 10,000 groups). Kept exact by
    ``members.services.place_cover``: group saves and deletions shift it in
    their own transaction; moved, merged or deleted places rebuild it. A place
    without a row has no strong group under it.

    ``place_id`` is a plain number, not a foreign key: a place merge moves
    every pointer to the absorbed place, and a derived count must not be
    added twice or block the merge; ``places_changed`` rebuilds it instead.
    """

    place_id = models.BigIntegerField(primary_key=True)
    strong_groups = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"place #{self.place_id}: {self.strong_groups}"


class MembershipRole(models.TextChoices):
    ADMIN = "admin", _("admin")
    CONTACT = "contact", _("contact")
    MEMBER = "member", _("member")


class Membership(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(
        _("role"), max_length=10, choices=MembershipRole.choices, default=MembershipRole.MEMBER
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["group", "person"], name="membership_once_per_group"),
        ]

    def __str__(self) -> str:
        return f"{self.person} in {self.group} ({self.role})"


class StageChange(models.Model):
    """Every move of a group between stages: who, when and why."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    changed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("why"), max_length=300)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.group}: {self.from_stage or '–'} → {self.to_stage}"


class Signature(models.Model):
    """A group's signature of one statement version, made by one person for it.

    It counts once ``confirmed_at`` is set: when the person who signed has a
    verified email address.
    """

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="signatures")
    version = models.ForeignKey(
        "coalition.StatementVersion", on_delete=models.PROTECT, related_name="signatures"
    )
    signed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="signatures"
    )
    signed_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    listing_consent = models.BooleanField(_("list publicly"), default=False)
    privacy_policy = models.ForeignKey(
        "coalition.PrivacyPolicy", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["-signed_at"]
        constraints = [
            models.UniqueConstraint(fields=["group", "version"], name="signature_once_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.group} signed v{self.version_id}"


class InvitationKind(models.TextChoices):
    GROUP = "group", _("a prospect group to join the network")
    MEMBER = "member", _("a person to join a group")


class Invitation(models.Model):
    """A single-use, expiring link sent by email; only the token's hash is stored."""

    kind = models.CharField(max_length=10, choices=InvitationKind.choices)
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    name = models.CharField(_("name"), max_length=150, blank=True)
    role = models.CharField(
        max_length=10, choices=MembershipRole.choices, default=MembershipRole.MEMBER
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.group}"


class OutreachStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")


class OutreachMessage(models.Model):
    """An email to an audience of groups' contacts, with merge fields.

    ``audience`` holds the filters it was composed with (stages, place,
    working group, caucus); the recipients are fixed as delivery rows when it
    is sent, so later changes to the network do not change who got it.
    """

    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), max_length=20_000)
    audience = models.JSONField(_("audience"), default=dict, blank=True)
    purpose = models.CharField(max_length=20, default="outreach")
    status = models.CharField(
        max_length=10, choices=OutreachStatus.choices, default=OutreachStatus.DRAFT
    )
    sender_name = models.CharField(_("sender name"), max_length=120, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    statement_version = models.ForeignKey(
        "coalition.StatementVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("outreach message")
        verbose_name_plural = _("outreach messages")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.subject


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("waiting")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    SUPPRESSED = "suppressed", _("not sent: unsubscribed or bounced")


class Delivery(models.Model):
    """One recipient of one outreach message: the truth about whether they got it."""

    message = models.ForeignKey(
        OutreachMessage, on_delete=models.CASCADE, related_name="deliveries"
    )
    email = models.EmailField()
    group = models.ForeignKey(
        Group, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    person = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    status = models.CharField(
        max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["message", "email"], name="delivery_once_per_address"),
        ]
        indexes = [models.Index(fields=["message", "status"], name="delivery_message_status")]

    def __str__(self) -> str:
        return f"{self.email}: {self.status}"


class SuppressionReason(models.TextChoices):
    UNSUBSCRIBED = "unsubscribed", _("unsubscribed")
    BOUNCED = "bounced", _("bounced")
    COMPLAINED = "complained", _("marked as spam")


class Suppression(models.Model):
    """An address outreach must never write to again (transactional mail still goes)."""

    email = models.EmailField(unique=True)
    reason = models.CharField(max_length=20, choices=SuppressionReason.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppressed addresses")

    def __str__(self) -> str:
        return f"{self.email} ({self.reason})"


class RelationalMeeting(models.Model):
    """A one-to-one meeting between two people; notes are for them and weavers only."""

    person_a = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    person_b = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    # The groups each person spoke for, kept so the tie graph between groups
    # survives people changing groups later.
    group_a = models.ForeignKey(
        Group, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    group_b = models.ForeignKey(
        Group, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    met_on = models.DateField(_("date"))
    notes = models.TextField(_("what you talked about"), blank=True, max_length=10_000)
    follow_up = models.TextField(_("follow-up"), blank=True, max_length=2_000)
    # The person who logged the meeting is reminded on this day (once: the
    # reminder's claim sets ``follow_up_reminded_at``).
    follow_up_on = models.DateField(_("follow up on"), null=True, blank=True)
    follow_up_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    logged_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("relational meeting")
        verbose_name_plural = _("relational meetings")
        ordering = ["-met_on", "-id"]
        indexes = [
            models.Index(fields=["met_on"], name="meeting_met_on"),
            models.Index(fields=["group_a", "group_b"], name="meeting_groups"),
            models.Index(
                fields=["follow_up_on"],
                name="meeting_follow_up_due",
                condition=models.Q(follow_up_reminded_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(person_a=models.F("person_b")), name="meeting_two_people"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_a} & {self.person_b}, {self.met_on}"


class LadderLevel(models.Model):
    """A rung of the leadership ladder (supporter, volunteer, leader, organiser…)."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    rank = models.PositiveSmallIntegerField(_("rank"), unique=True)
    counts_as_leader = models.BooleanField(_("counts as a leader"), default=False)

    class Meta:
        verbose_name = _("ladder level")
        verbose_name_plural = _("ladder levels")
        ordering = ["rank"]

    def __str__(self) -> str:
        return self.name


class LadderStep(models.Model):
    """A person reaching a level of the ladder, dated."""

    person = models.ForeignKey(User, on_delete=models.CASCADE, related_name="ladder_steps")
    level = models.ForeignKey(LadderLevel, on_delete=models.PROTECT, related_name="steps")
    at = models.DateField(_("date"), default=timezone.localdate)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("ladder step")
        verbose_name_plural = _("ladder steps")
        ordering = ["-at", "-id"]
        # The ladder page's new leaders start from the latest steps.
        indexes = [models.Index(fields=["at"], name="ladderstep_at")]

    def __str__(self) -> str:
        return f"{self.person} → {self.level} ({self.at})"


class Skill(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Training(models.Model):
    name = models.CharField(_("name"), max_length=160)
    held_on = models.DateField(_("date"))
    skills = models.ManyToManyField(Skill, blank=True, related_name="trainings")
    attendees = models.ManyToManyField(User, blank=True, related_name="trainings")

    class Meta:
        verbose_name = _("training")
        verbose_name_plural = _("trainings")
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return f"{self.name} ({self.held_on})"


class ProspectImport(ImportRun):
    """A confirmed preview of prospect groups too long to import during the request (issue #17).

    ``rows`` holds the preview's good rows (as ``ProspectRow`` fields) only until
    the import ends: they carry contact names and emails, and are cleared when
    the import is done or failed. ``row_errors`` starts with the preview's bad
    rows; rows skipped while importing (their group joined meanwhile) are added.
    """

    rows = models.JSONField(default=list, blank=True)
    skipped_count = models.PositiveIntegerField(default=0)

    class Meta(ImportRun.Meta):
        verbose_name = _("prospect import")
        verbose_name_plural = _("prospect imports")

    @property
    def preview_errors_count(self) -> int:
        """The bad rows the preview already showed (the rest of ``row_errors`` were skipped)."""
        return len(self.row_errors) - self.skipped_count

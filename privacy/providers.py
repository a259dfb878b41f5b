"""Every app's personal data, registered with privacy.registry: what a person downloads
and what erasing their account does to it.

Erasing keeps the network's records and totals: actions stay with their group,
RSVP rows stay (anonymised) so counts do not move, meetings stay (without
their notes) so the tie graph does not change; what identifies the person is
removed or replaced by a placeholder that cannot receive email.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db.models import Q
from django.utils import timezone

from privacy.registry import register

ERASED_NAME = "Erased person"
ERASED_DOMAIN = "erased.invalid"  # RFC 2606: can never receive email


def placeholder_email(kind: str, pk: int) -> str:
    """A unique address for an erased row: nobody can receive mail at it."""
    return f"erased-{kind}-{pk}@{ERASED_DOMAIN}"


def _when(value):
    return value.isoformat() if value is not None else None


def _values(queryset, *fields) -> list[dict]:
    rows = []
    for row in queryset.values(*fields):
        rows.append({key: _when(v) if hasattr(v, "isoformat") else v for key, v in row.items()})
    return rows


def _address(email: str) -> str:
    return (email or "").strip().lower()


# --- members ----------------------------------------------------------------


def _account_export(person) -> list[dict]:
    from members.models import User

    row = _values(
        User.objects.filter(pk=person.pk),
        "id", "email", "name", "phone", "language", "date_joined", "last_login",
        "is_active", "ladder_level__name",
    )  # fmt: skip
    for extra in row:
        extra["skills"] = ", ".join(person.skills.values_list("name", flat=True))
        extra["working_groups"] = ", ".join(person.working_groups.values_list("name", flat=True))
        extra["caucuses"] = ", ".join(person.caucuses.values_list("name", flat=True))
    return row


def _account_erase(person) -> int:
    """The account itself, last: anonymised, locked, logged out everywhere."""
    from allauth.account.models import EmailAddress
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.sessions.models import Session

    from coalition.models import AuditEntry, NetworkRole
    from members.models import User, search_text_for

    EmailAddress.objects.filter(user=person).delete()
    if apps.is_installed("allauth.mfa"):
        from allauth.mfa.models import Authenticator

        Authenticator.objects.filter(user=person).delete()
    NetworkRole.objects.filter(person=person).delete()
    person.skills.clear()
    person.working_groups.clear()
    person.caucuses.clear()
    erased_email = placeholder_email("person", person.pk)
    User.objects.filter(pk=person.pk).update(
        email=erased_email,
        name=ERASED_NAME,
        # .update() skips User.save(): the old name must not stay searchable.
        search_text=search_text_for(name=ERASED_NAME, email=erased_email),
        phone="",
        language="",
        is_active=False,
        is_staff=False,
        is_superuser=False,
        password=make_password(None),
    )
    # The audit log keeps who did what, under a name that no longer says who.
    AuditEntry.objects.filter(actor=person).update(actor_label=f"{ERASED_NAME} #{person.pk}")
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(person.pk)
    ).update(object_repr=f"{ERASED_NAME} #{person.pk}", change_message="")
    # Sessions are signed blobs: find the person's by decoding the live ones.
    now = timezone.now()
    ended = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=now).iterator()
        if str(session.get_decoded().get("_auth_user_id")) == str(person.pk)
    ]
    Session.objects.filter(pk__in=ended).delete()
    return 1


def _memberships_export(person) -> list[dict]:
    from members.models import Membership

    return _values(
        Membership.objects.filter(person=person), "group__name", "group__slug", "role", "created_at"
    )


def _group_contact_erase(person) -> int:
    """Groups that named the person as their contact keep the group, not the person."""
    from members.models import Group

    return Group.objects.filter(contact_email__iexact=person.email).update(
        contact_email="", contact_name=""
    )


def _group_contact_export(person) -> list[dict]:
    from members.models import Group

    return _values(
        Group.objects.filter(contact_email__iexact=person.email),
        "name", "slug", "contact_name", "contact_email",
    )  # fmt: skip


def _signatures_export(person) -> list[dict]:
    from members.models import Signature

    return _values(
        Signature.objects.filter(signed_by=person),
        "group__name", "version__number", "signed_at", "confirmed_at", "listing_consent",
        "privacy_policy__number",
    )  # fmt: skip


def _meetings_export(person) -> list[dict]:
    from members.models import RelationalMeeting

    rows = []
    meetings = RelationalMeeting.objects.filter(Q(person_a=person) | Q(person_b=person))
    for meeting in meetings.select_related("person_a", "person_b", "group_a", "group_b"):
        other = meeting.person_b if meeting.person_a_id == person.pk else meeting.person_a
        rows.append(
            {
                "met_on": _when(meeting.met_on),
                "with": other.name or f"#{other.pk}",
                "groups": ", ".join(g.name for g in (meeting.group_a, meeting.group_b) if g),
                "logged_by_me": meeting.logged_by_id == person.pk,
                "notes": meeting.notes,
                "follow_up": meeting.follow_up,
            }
        )
    return rows


def _meetings_erase(person) -> int:
    """Meetings stay (the tie graph and its totals), their notes about the person go."""
    from members.models import RelationalMeeting

    return RelationalMeeting.objects.filter(
        Q(person_a=person) | Q(person_b=person) | Q(logged_by=person)
    ).update(notes="", follow_up="")


def _ladder_export(person) -> list[dict]:
    from members.models import LadderStep

    return _values(LadderStep.objects.filter(person=person), "level__name", "at", "note")


def _ladder_erase(person) -> int:
    from members.models import LadderStep

    # Steps stay so the network's count of leaders does not change; notes go.
    return LadderStep.objects.filter(person=person).update(note="")


def _trainings_export(person) -> list[dict]:
    return _values(person.trainings.all(), "name", "held_on")


def _invitations_q(email: str) -> Q:
    return Q(email__iexact=email)


def _invitations_export_address(email: str) -> list[dict]:
    from members.models import Invitation

    return _values(
        Invitation.objects.filter(_invitations_q(email)),
        "kind", "group__name", "email", "name", "created_at", "expires_at", "used_at",
    )  # fmt: skip


def _invitations_erase_address(email: str) -> int:
    from members.models import Invitation

    count = 0
    for pk in Invitation.objects.filter(_invitations_q(email)).values_list("pk", flat=True):
        count += Invitation.objects.filter(pk=pk).update(
            email=placeholder_email("invitation", pk), name=""
        )
    return count


def _deliveries_q(email: str, person=None) -> Q:
    q = Q(email__iexact=email)
    return q | Q(person=person) if person is not None else q


def _deliveries_export(person) -> list[dict]:
    return _deliveries_rows(_deliveries_q(person.email, person))


def _deliveries_rows(q: Q) -> list[dict]:
    from members.models import Delivery

    return _values(
        Delivery.objects.filter(q), "message__subject", "email", "group__name", "status", "sent_at"
    )


def _deliveries_erase_q(q: Q) -> int:
    from members.models import Delivery

    count = 0
    for pk in Delivery.objects.filter(q).values_list("pk", flat=True):
        count += Delivery.objects.filter(pk=pk).update(
            email=placeholder_email("delivery", pk), person=None, error=""
        )
    return count


def _suppressions_export_address(email: str) -> list[dict]:
    from members.models import Suppression

    return _values(Suppression.objects.filter(email__iexact=email), "email", "reason", "at")


def _suppressions_erase_address(email: str) -> int:
    from members.models import Suppression

    # With the address gone from everywhere, there is nothing left to keep it from.
    return Suppression.objects.filter(email__iexact=email).delete()[0]


# --- coalition --------------------------------------------------------------


def _roles_export(person) -> list[dict]:
    from coalition.models import NetworkRole

    return _values(NetworkRole.objects.filter(person=person), "role", "granted_at")


def _role_invitations_export_address(email: str) -> list[dict]:
    from coalition.models import RoleInvitation

    return _values(
        RoleInvitation.objects.filter(email__iexact=email),
        "role", "reason", "email", "created_at", "expires_at", "accepted_at", "withdrawn_at",
    )  # fmt: skip


def _role_invitations_erase_address(email: str) -> int:
    """The address goes; a link still waiting stops working (nobody may accept it for them)."""
    from coalition.models import RoleInvitation

    count = 0
    for pk in RoleInvitation.objects.filter(email__iexact=email).values_list("pk", flat=True):
        count += RoleInvitation.objects.filter(pk=pk).update(
            email=placeholder_email("role-invitation", pk), reason=""
        )
    RoleInvitation.objects.filter(
        email__endswith=f"@{ERASED_DOMAIN}", accepted_at__isnull=True, withdrawn_at__isnull=True
    ).update(withdrawn_at=timezone.now())
    return count


def _audit_export(person) -> list[dict]:
    from coalition.models import AuditEntry

    return _values(AuditEntry.objects.filter(actor=person), "at", "verb", "subject")


# --- actions ----------------------------------------------------------------


def _actions_export(person) -> list[dict]:
    from actions.models import Action

    return _values(
        Action.objects.filter(created_by=person),
        "id", "title", "host_group__name", "kind", "starts_at", "visibility", "status",
    )  # fmt: skip


def _participations_q(email: str, person=None) -> Q:
    q = Q(email__iexact=email)
    return q | Q(person=person) if person is not None else q


def _participations_rows(q: Q) -> list[dict]:
    from actions.models import Participation

    return _values(
        Participation.objects.filter(q),
        "action__title", "action__starts_at", "name", "email", "status", "created_at",
        "cancelled_at", "privacy_policy__number",
    )  # fmt: skip


def _participations_erase_q(q: Q) -> int:
    """RSVP rows stay, anonymised: counts, capacity and totals do not move."""
    from actions.models import Participation

    count = 0
    for pk in Participation.objects.filter(q).values_list("pk", flat=True):
        count += Participation.objects.filter(pk=pk).update(
            name=ERASED_NAME, email=placeholder_email("rsvp", pk), person=None
        )
    return count


def _flags_export(person) -> list[dict]:
    from actions.models import Flag

    return _values(Flag.objects.filter(by=person), "action__title", "reason", "created_at")


def _flags_export_address(email: str) -> list[dict]:
    from actions.models import Flag

    return _values(
        Flag.objects.filter(by__isnull=True, email__iexact=email.strip()),
        "action__title", "reason", "email", "created_at",
    )  # fmt: skip


def _flags_erase_address(email: str) -> int:
    from actions.models import Flag

    # A visitor's address was kept only to tell them the outcome; the flag stays.
    return Flag.objects.filter(email__iexact=email.strip()).update(email="")


def _flags_erase(person) -> int:
    from actions.models import Flag

    # The flag stays for the stewards' record; who raised it does not.
    return Flag.objects.filter(by=person).update(by=None)


def _pledges_export(person) -> list[dict]:
    from actions.models import SupportPledge

    return _values(
        SupportPledge.objects.filter(by=person),
        "request__action__title", "group__name", "amount", "note", "created_at",
    )  # fmt: skip


def _amplifications_export(person) -> list[dict]:
    from actions.models import Amplification

    return _values(
        Amplification.objects.filter(by=person),
        "action__title",
        "group__name",
        "kind",
        "created_at",
    )


# --- convergence -----------------------------------------------------------


def _events_export(person) -> list[dict]:
    from convergence.models import Event

    return _values(
        Event.objects.filter(registered_by=person),
        "day__title", "action__title", "action__host_group__name", "registered_at",
    )  # fmt: skip


def _notices_rows(email: str) -> list[dict]:
    from convergence.models import NoticeSent

    return _values(
        NoticeSent.objects.filter(email__iexact=email), "kind", "event__action__title", "sent_at"
    )


def _notices_erase(email: str) -> int:
    from convergence.models import NoticeSent

    count = 0
    for pk in NoticeSent.objects.filter(email__iexact=email).values_list("pk", flat=True):
        count += NoticeSent.objects.filter(pk=pk).update(email=placeholder_email("notice", pk))
    return count


# --- reporting -------------------------------------------------------------


def _records_export(person) -> list[dict]:
    from reporting.models import ClimateSignal, Win

    wins = _values(Win.objects.filter(recorded_by=person), "title", "won_on", "created_at")
    signals = _values(
        ClimateSignal.objects.filter(recorded_by=person), "source", "said_on", "created_at"
    )
    return [{"record": "win", **w} for w in wins] + [{"record": "signal", **s} for s in signals]


def _schedules_export(person) -> list[dict]:
    return _values(person.report_schedules.all(), "frequency", "next_run_on", "is_active")


def _schedules_erase(person) -> int:
    schedules = list(person.report_schedules.all())
    person.report_schedules.clear()
    return len(schedules)


# --- privacy ---------------------------------------------------------------


def _consents_export(person) -> list[dict]:
    from privacy.models import ConsentRecord

    return _values(ConsentRecord.objects.filter(person=person), "policy__number", "how", "at")


def _consents_export_address(email: str) -> list[dict]:
    from privacy.models import ConsentRecord

    return _values(
        ConsentRecord.objects.filter(participation__email__iexact=email),
        "policy__number", "how", "at",
    )  # fmt: skip


def _notifications_export(person) -> list[dict]:
    from notifications.models import Notification, NotificationChoice

    return _values(
        Notification.objects.filter(recipient=person).order_by("created_at", "pk"),
        "kind", "title", "body", "url", "delivery", "created_at", "read_at", "emailed_at",
    ) + _values(NotificationChoice.objects.filter(person=person), "kind", "delivery")  # fmt: skip


def _notifications_erase(person) -> int:
    from notifications.models import Digest, Notification, NotificationChoice

    # News written for this person only: nothing in it is anyone else's record.
    removed = Notification.objects.filter(recipient=person).delete()[0]
    removed += NotificationChoice.objects.filter(person=person).delete()[0]
    return removed + Digest.objects.filter(person=person).delete()[0]


def _nothing(_subject) -> int:
    return 0


def _register_all() -> None:
    register("account", export=_account_export, erase=_account_erase, order=100)
    register("memberships", export=_memberships_export, erase=_nothing)
    register("group_contact", export=_group_contact_export, erase=_group_contact_erase, order=10)
    register("signatures", export=_signatures_export, erase=_nothing)
    register("meetings", export=_meetings_export, erase=_meetings_erase)
    register("ladder", export=_ladder_export, erase=_ladder_erase)
    register("trainings", export=_trainings_export, erase=_nothing)
    register(
        "invitations",
        export=lambda person: _invitations_export_address(person.email),
        erase=lambda person: _invitations_erase_address(person.email),
        export_address=_invitations_export_address,
        erase_address=_invitations_erase_address,
        order=10,
    )
    register(
        "outreach_deliveries",
        export=_deliveries_export,
        erase=lambda person: _deliveries_erase_q(_deliveries_q(person.email, person)),
        export_address=lambda email: _deliveries_rows(_deliveries_q(email)),
        erase_address=lambda email: _deliveries_erase_q(_deliveries_q(email)),
        order=10,
    )
    register(
        "suppressions",
        export=lambda person: _suppressions_export_address(person.email),
        erase=lambda person: _suppressions_erase_address(person.email),
        export_address=_suppressions_export_address,
        erase_address=_suppressions_erase_address,
        order=10,
    )
    register("network_roles", export=_roles_export, erase=_nothing)
    register(
        "role_invitations",
        export=lambda person: _role_invitations_export_address(person.email),
        erase=lambda person: _role_invitations_erase_address(person.email),
        export_address=_role_invitations_export_address,
        erase_address=_role_invitations_erase_address,
        order=10,
    )
    register("audit_entries_by_me", export=_audit_export, erase=_nothing)
    register("actions_posted", export=_actions_export, erase=_nothing)
    register(
        "rsvps",
        export=lambda person: _participations_rows(_participations_q(person.email, person)),
        erase=lambda person: _participations_erase_q(_participations_q(person.email, person)),
        export_address=lambda email: _participations_rows(_participations_q(email)),
        erase_address=lambda email: _participations_erase_q(_participations_q(email)),
        order=10,
    )
    register(
        "flags",
        # A person's flags, and those they raised as a visitor with the same address.
        export=lambda person: _flags_export(person) + _flags_export_address(person.email),
        erase=lambda person: _flags_erase(person) + _flags_erase_address(person.email),
        export_address=_flags_export_address,
        erase_address=_flags_erase_address,
    )
    register("notifications", export=_notifications_export, erase=_notifications_erase)
    register("pledges", export=_pledges_export, erase=_nothing)
    register("amplifications", export=_amplifications_export, erase=_nothing)
    register("events_registered", export=_events_export, erase=_nothing)
    register(
        "reminders",
        export=lambda person: _notices_rows(person.email),
        erase=lambda person: _notices_erase(person.email),
        export_address=_notices_rows,
        erase_address=_notices_erase,
        order=10,
    )
    register("wins_and_signals", export=_records_export, erase=_nothing)
    register("report_schedules", export=_schedules_export, erase=_schedules_erase)
    register(
        "consents",
        export=_consents_export,
        erase=_nothing,
        export_address=_consents_export_address,
        erase_address=_nothing,
    )
    if apps.is_installed("api"):
        _register_api_tokens()


def _register_api_tokens() -> None:
    try:
        from api.models import ApiToken
    except ImportError:  # the api app has no tokens yet
        return

    def export(person) -> list[dict]:
        return _values(
            ApiToken.objects.filter(person=person),
            "name", "prefix", "created_at", "last_used_at", "revoked_at",
        )  # fmt: skip

    def erase(person) -> int:
        return ApiToken.objects.filter(person=person).delete()[0]

    register("api_tokens", export=export, erase=erase)


_register_all()

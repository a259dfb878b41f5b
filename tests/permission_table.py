"""The expected answer of every route to every role, worked out from coalition/permissions.py.

Read by tests/test_permission_matrix.py. Each entry names, for a GET (and for
routes that take POST, a POST with an empty body), the status each role must
get. ``LOGIN`` means "sent to log in" (a redirect to a login page). The
objects behind the URLs are built in the test (``world``): the group of
``member`` and ``admin`` hosts the action, the event, the support request and
the meeting's member; ``outsider`` is the admin of another, unsigned group.

Roles (tests/conftest.py): anonymous; outsider; member and admin of the group;
weaver, coordinator, steward, steering and moderator hold that network role and
belong to no group; staff is ``is_staff`` with no role and no group.

A route that takes only POST is checked with POST only. An empty POST to a
view that validates its form before asking who the person is answers 400 to
everyone logged in: still a refusal, and nothing leaks (a 400 says the same
for an action that exists and one that does not).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ROLES = (
    "anonymous", "outsider", "member", "admin", "weaver",
    "coordinator", "steward", "steering", "staff", "moderator",
)  # fmt: skip
LOGIN = "login"  # a redirect to a login page

# The roles each named permission lets in (coalition/permissions.py).
WEAVE = ("weaver", "steward")  # can_weave
SEND_OUTREACH = ("weaver", "steward")  # can_send_outreach
SEE_DASHBOARD = ("weaver", "steering")  # can_see_dashboard
COORDINATE = ("coordinator", "steering")  # can_coordinate
STEWARD = ("steward", "steering")  # can_steward
MANAGE_ROLES = ("steward",)  # can_manage_roles
PUBLISH_STATEMENT = ("steering", "steward")  # can_publish_statement
PUBLISH_PRIVACY_POLICY = ("steering", "steward")  # can_publish_privacy_policy
MODERATE = ("moderator", "steward")  # can_moderate
SEE_MODERATION = ("moderator", "steward", "steering")  # can_see_moderation
REPORT_DAY = ("steering",)  # can_report_day
SCHEDULE_REPORTS = ("steering",)  # can_schedule_reports
# can_act_for_group / can_manage_group / can_edit_action on the group's action
# (posted by the admin): the group's admin only.
GROUP_ADMIN = ("admin",)
# is_in_network: a member group or a network role.
# can_read_people: weavers, stewards, and the admins and contacts of any group.
READ_PEOPLE = ("weaver", "steward", "admin", "outsider")
# can_manage_sources: stewards, coordinators, the steering committee and group admins
# (outsider is another group's admin: let in, but never to this group's source).
MANAGE_SOURCES = ("coordinator", "steward", "steering", "admin", "outsider")
IN_NETWORK = (
    "outsider", "member", "admin", "weaver", "coordinator", "steward", "steering", "moderator",
)  # fmt: skip


def everyone(status: int = 200) -> dict[str, object]:
    return dict.fromkeys(ROLES, status)


def logged_in(status: int = 200, *, anonymous: object = LOGIN) -> dict[str, object]:
    return {**everyone(status), "anonymous": anonymous}


def only(
    allowed: tuple[str, ...], ok: object = 200, *, others: object = 403, anonymous: object = LOGIN
) -> dict[str, object]:
    """``allowed`` get ``ok``, other logged-in people ``others``, anonymous ``anonymous``."""
    return {
        role: anonymous if role == "anonymous" else ok if role in allowed else others
        for role in ROLES
    }


@dataclass(frozen=True)
class Expect:
    get: dict[str, object] | None = None
    post: dict[str, object] | None = None
    # URL arguments: parameter name -> key of the test's ``world`` (or a literal).
    kwargs: dict[str, object] = field(default_factory=dict)
    query: str = ""
    note: str = ""


EXPECTED: dict[str, Expect] = {
    # --- The frame ------------------------------------------------------------
    "home": Expect(get=everyone()),
    "healthz": Expect(get=everyone()),
    "place_suggest": Expect(get=everyone(), query="q=river"),
    # Off unless GEOCODER_URL is set (it is not in tests): 404 past the login check.
    "place_geocode": Expect(get={**everyone(404), "anonymous": 403}, query="q=river"),
    "privacy": Expect(get=everyone()),
    # Django's view: back to the page (or home), for everyone.
    "set_language": Expect(get=everyone(302), post=everyone(302)),
    "network_people": Expect(get=only(MANAGE_ROLES), post=only(MANAGE_ROLES, 400)),
    # The old roles page sends stewards on to the people page, for good.
    "network_roles": Expect(get=only(MANAGE_ROLES, 301)),
    # Anyone may follow an invitation link; one that never existed is a 404.
    "network_invitation": Expect(
        get=everyone(404), post=everyone(404), kwargs={"token": "not-a-real-token"}
    ),
    "network_places": Expect(get=only(STEWARD), post=only(STEWARD, 400)),
    "network_next_steps": Expect(get=only(MANAGE_ROLES)),
    # An empty POST leaves the coalition without a name: 400.
    "network_coalition": Expect(get=only(MANAGE_ROLES), post=only(MANAGE_ROLES, 400)),
    # First-run setup: without a setup link in the session, nobody finds it.
    "setup": Expect(get=everyone(404), post=everyone(404)),
    "network_places_add_many": Expect(get=only(STEWARD), post=only(STEWARD, 400)),
    "network_places_import": Expect(get=only(STEWARD), kwargs={"pk": "place_import"}),
    # An empty POST names no change (rename, move, merge, delete): 400.
    "network_place": Expect(get=only(STEWARD), post=only(STEWARD, 400), kwargs={"pk": "place"}),
    "statement_versions": Expect(get=only(PUBLISH_STATEMENT), post=only(PUBLISH_STATEMENT, 400)),
    # Version 1 is already published: read-only, so a POST (an edit, or publishing it
    # again) is refused with a 400.
    "statement_version": Expect(
        get=only(PUBLISH_STATEMENT), post=only(PUBLISH_STATEMENT, 400), kwargs={"number": 1}
    ),
    "statement_version_preview": Expect(get=only(PUBLISH_STATEMENT), kwargs={"number": 1}),
    "statement_version_publish": Expect(
        get=only(PUBLISH_STATEMENT), post=only(PUBLISH_STATEMENT, 400), kwargs={"number": 1}
    ),
    # --- members: statement, joining, groups ------------------------------------
    "members:statement": Expect(get=everyone()),
    "members:join": Expect(get=everyone(), post=everyone(400)),
    "members:join_done": Expect(get=everyone()),
    "members:invitation": Expect(get=everyone(410), kwargs={"token": "not-a-real-token"}),
    "members:my_groups": Expect(get=logged_in()),
    "members:profile": Expect(get=logged_in(), post=logged_in(400)),
    # The group signed and consented to be listed: its page is public.
    "members:group": Expect(get=everyone()),
    "members:group_edit": Expect(get=only(GROUP_ADMIN), post=only(GROUP_ADMIN, 400)),
    "members:group_members": Expect(get=only(GROUP_ADMIN), post=only(GROUP_ADMIN, 400)),
    # An empty POST is "choose a role from the list", back to the members page.
    "members:group_member_update": Expect(post=only(GROUP_ADMIN, 302)),
    # The group has signed already: told so on the page, at 400.
    "members:group_sign": Expect(get=only(GROUP_ADMIN), post=only(GROUP_ADMIN, 400)),
    "members:prospect_new": Expect(get=only(WEAVE), post=only(WEAVE, 400)),
    "members:group_invite": Expect(post=only(WEAVE, 302)),
    # --- members: the weaver's pipeline --------------------------------------------
    "members:weave": Expect(get=only(WEAVE)),
    "members:weave_groups": Expect(get=only(WEAVE)),
    "members:weave_group": Expect(get=only(WEAVE), post=only(WEAVE, 400)),
    "members:weave_thin": Expect(get=only(WEAVE)),
    # A bad upload is shown again with its errors, at 400.
    "members:weave_import": Expect(get=only(WEAVE), post=only(WEAVE, 400)),
    "members:weave_import_confirm": Expect(post=only(WEAVE, 400)),
    # A long import's progress: every weaver and steward may follow it, as on the exchange's.
    "members:weave_import_progress": Expect(get=only(WEAVE), kwargs={"pk": "prospect_import"}),
    "members:weave_person": Expect(get=only(WEAVE), kwargs={"pk": "member_id"}),
    "members:weave_ladder": Expect(get=only(WEAVE)),
    # --- members: outreach ------------------------------------------------------------
    "members:outreach_list": Expect(get=only(SEND_OUTREACH)),
    "members:outreach_new": Expect(get=only(SEND_OUTREACH), post=only(SEND_OUTREACH, 400)),
    "members:outreach_detail": Expect(get=only(SEND_OUTREACH)),
    # The world's message is a draft: it opens for editing, an empty edit is 400.
    "members:outreach_edit": Expect(get=only(SEND_OUTREACH), post=only(SEND_OUTREACH, 400)),
    # "Send me a test" is a button: the test goes out, back to the message (302).
    "members:outreach_test": Expect(post=only(SEND_OUTREACH, 302)),
    "members:outreach_progress": Expect(get=only(SEND_OUTREACH)),
    "members:unsubscribe": Expect(
        get=everyone(400), post=everyone(400), kwargs={"token": "not-a-real-token"}
    ),
    # --- notifications ----------------------------------------------------------------
    # Each person's own inbox and choices; an empty POST names nothing to mark.
    "notifications:inbox": Expect(get=logged_in()),
    "notifications:read": Expect(post=logged_in(400)),
    "notifications:settings": Expect(get=logged_in(), post=logged_in(400)),
    "notifications:unsubscribe": Expect(
        get=everyone(400), post=everyone(400), kwargs={"token": "not-a-real-token"}
    ),
    "notifications:address_unsubscribe": Expect(
        get=everyone(400), post=everyone(400), kwargs={"token": "not-a-real-token"}
    ),
    # --- members: relationships -----------------------------------------------------
    "members:meetings": Expect(get=logged_in()),
    # Only people of the network log meetings (staff alone are not).
    "members:meeting_new": Expect(get=only(IN_NETWORK)),
    # The meeting is between the member and a person of a third group: its notes are
    # for those two and weavers (can_see_meeting_notes); others may not know it exists.
    "members:meeting_detail": Expect(
        get=only(("member", "weaver", "steward"), others=404), kwargs={"pk": "meeting"}
    ),
    # --- actions -------------------------------------------------------------------------
    "actions:list": Expect(get=everyone()),
    "actions:detail": Expect(get=everyone()),
    "actions:map": Expect(get=everyone()),
    "actions:map_data": Expect(get=everyone(), query="bbox=-10,40,10,60"),
    "actions:feed": Expect(get=everyone()),
    "actions:ical": Expect(get=everyone()),
    # Subscribed calendars are the same for everyone: public actions only.
    "actions:calendar": Expect(get=everyone()),
    "actions:place_calendar": Expect(get=everyone(), kwargs={"pk": "place"}),
    "actions:group_calendar": Expect(get=everyone()),
    # Anyone logged in is shown the page (a form, or how to join or sign a group);
    # only members of a signed group may post (can_post_action_for).
    "actions:new": Expect(get=logged_in(), post=only(("member", "admin"), 400)),
    # The action was posted by the admin; the member neither acts for the group nor posted it.
    "actions:edit": Expect(get=only(GROUP_ADMIN), post=only(GROUP_ADMIN, 400)),
    "actions:tactic_new": Expect(get=only(GROUP_ADMIN), post=only(GROUP_ADMIN, 400)),
    "actions:playbook": Expect(get=everyone()),
    "actions:tactic": Expect(get=everyone(), kwargs={"slug": "tactic_slug"}),
    "actions:moderation": Expect(get=only(SEE_MODERATION)),
    # The public moderation log: no person in it.
    "actions:moderation_log": Expect(get=everyone()),
    # Visitors flag too (leaving an address if they want the outcome).
    "actions:flag": Expect(get=everyone(), post=everyone(400)),
    # The hosts of a hidden action ask for its review (can_edit_action); the world's
    # action is shown, so an empty request is refused at 400.
    "actions:review": Expect(get=only(GROUP_ADMIN), post=only(GROUP_ADMIN, 400)),
    "actions:moderate": Expect(get=only(MODERATE), post=only(MODERATE, 400)),
    "actions:rsvp": Expect(get=everyone(), post=everyone(400)),
    "actions:rsvps": Expect(get=only(GROUP_ADMIN)),
    "actions:rsvp_cancel": Expect(
        get=everyone(400), post=everyone(400), kwargs={"token": "not-a-real-token"}
    ),
    "actions:amplify": Expect(post=logged_in(400)),
    "actions:amplify_undo": Expect(post=logged_in(400)),
    "actions:cohost_rsvp_access": Expect(post=logged_in(400)),
    "actions:support_list": Expect(get=everyone()),
    # Only people who act for a group other than the host pledge: the outsider.
    "actions:support_pledge": Expect(get=only(("outsider",)), post=logged_in(400)),
    "actions:support_pledge_undo": Expect(post=logged_in(400)),
    "actions:support_close": Expect(post=only(GROUP_ADMIN, 302)),
    "actions:support_new": Expect(get=only(GROUP_ADMIN), post=only(GROUP_ADMIN, 400)),
    # Hosts speak (can_edit_action): an empty form is a 400 for the host, 403 for others.
    "actions:message": Expect(get=only(GROUP_ADMIN), post=only(GROUP_ADMIN, 400)),
    "actions:cancel": Expect(get=only(GROUP_ADMIN), post=only(GROUP_ADMIN, 400)),
    # --- convergence -------------------------------------------------------------------
    "convergence:days": Expect(get=everyone()),
    "convergence:day": Expect(get=everyone()),
    "convergence:day_events_geojson": Expect(get=everyone(), query="bbox=-10,40,10,60"),
    "convergence:day_ical": Expect(get=everyone()),
    "convergence:toolkit_file": Expect(get=everyone()),
    "convergence:day_new": Expect(get=only(COORDINATE), post=only(COORDINATE, 400)),
    "convergence:day_edit": Expect(get=only(COORDINATE), post=only(COORDINATE, 400)),
    "convergence:toolkit_add": Expect(post=only(COORDINATE, 400)),
    "convergence:toolkit_version": Expect(post=only(COORDINATE, 400)),
    # The day is already open: the coordinator is told so, back on the edit page.
    "convergence:day_publish": Expect(post=only(COORDINATE, 302)),
    "convergence:day_report": Expect(post=only(REPORT_DAY, 302)),
    "convergence:day_coordinate": Expect(get=only(COORDINATE)),
    "convergence:day_message": Expect(get=only(COORDINATE), post=only(COORDINATE, 400)),
    "convergence:day_events_csv": Expect(get=only(COORDINATE)),
    # As actions:new: everyone logged in sees the page, members of a signed group register.
    "convergence:event_register": Expect(get=logged_in(), post=only(("member", "admin"), 400)),
    # can_host_event: whoever may edit the event's action, and coordinators.
    # An empty checklist is a valid one: saved, back to the page.
    "convergence:event_host": Expect(
        get=only(GROUP_ADMIN + COORDINATE), post=only(GROUP_ADMIN + COORDINATE, 302)
    ),
    "convergence:event_outcomes": Expect(get=only(GROUP_ADMIN), post=only(GROUP_ADMIN, 400)),
    # --- reporting ------------------------------------------------------------------------
    "reporting:dashboard": Expect(get=only(SEE_DASHBOARD)),
    "reporting:chart_csv": Expect(get=only(SEE_DASHBOARD), kwargs={"slug": "wins"}),
    "reporting:wins": Expect(get=only(SEE_DASHBOARD)),
    # Wins' and signals' forms are shown again with their errors, at 400.
    "reporting:win_new": Expect(get=only(SEE_DASHBOARD), post=only(SEE_DASHBOARD, 400)),
    "reporting:win_edit": Expect(
        get=only(SEE_DASHBOARD), post=only(SEE_DASHBOARD, 400), kwargs={"pk": "win"}
    ),
    "reporting:signals": Expect(get=only(SEE_DASHBOARD)),
    "reporting:signal_new": Expect(get=only(SEE_DASHBOARD), post=only(SEE_DASHBOARD, 400)),
    "reporting:signal_edit": Expect(
        get=only(SEE_DASHBOARD), post=only(SEE_DASHBOARD, 400), kwargs={"pk": "signal"}
    ),
    "reporting:reports": Expect(get=only(SEE_DASHBOARD), post=only(SEE_DASHBOARD, 400)),
    "reporting:report": Expect(get=only(SEE_DASHBOARD), kwargs={"pk": "report"}),
    "reporting:report_progress": Expect(get=only(SEE_DASHBOARD), kwargs={"pk": "report"}),
    "reporting:report_pdf": Expect(get=only(SEE_DASHBOARD), kwargs={"pk": "report"}),
    "reporting:report_bundle": Expect(get=only(SEE_DASHBOARD), kwargs={"pk": "report"}),
    "reporting:schedules": Expect(get=only(SCHEDULE_REPORTS), post=only(SCHEDULE_REPORTS, 400)),
    "reporting:schedule_edit": Expect(
        get=only(SCHEDULE_REPORTS), post=only(SCHEDULE_REPORTS, 400), kwargs={"pk": "schedule"}
    ),
    "reporting:schedule_deactivate": Expect(
        post=only(SCHEDULE_REPORTS, 302), kwargs={"pk": "schedule"}
    ),
    "reporting:impact": Expect(get=everyone()),
    # --- privacy ------------------------------------------------------------------------------
    "privacy:policy_versions": Expect(
        get=only(PUBLISH_PRIVACY_POLICY), post=only(PUBLISH_PRIVACY_POLICY, 400)
    ),
    # Version 1 is already published: told so, back to the versions (302).
    "privacy:policy_version_publish": Expect(
        post=only(PUBLISH_PRIVACY_POLICY, 302), kwargs={"number": 1}
    ),
    "privacy:consent": Expect(get=logged_in(), post=logged_in(400)),
    # A person's own data: anyone logged in, about themselves only.
    "privacy:my_data": Expect(get=logged_in()),
    "privacy:my_data_json": Expect(get=logged_in()),
    "privacy:my_data_zip": Expect(get=logged_in()),
    # An empty confirmation erases nothing.
    "privacy:my_data_erase": Expect(post=logged_in(400)),
    # An address that only RSVPed asks for its link: open to all.
    "privacy:data_request": Expect(get=everyone(), post=everyone(400)),
    "privacy:address_data": Expect(
        get=everyone(400), post=everyone(400), kwargs={"token": "not-a-real-token"}
    ),
    # The audit log: stewards and the steering committee (can_steward).
    "privacy:audit": Expect(get=only(STEWARD)),
    "privacy:audit_csv": Expect(get=only(STEWARD)),
    # --- api: the REST API (/api/v1/) and tokens ----------------------------------------
    # Reads for anyone the selectors allow (IsAuthenticatedOrReadOnly); anonymous
    # requests that need a person get 401 (Bearer authentication comes first).
    # Writes take JSON only and are checked in tests/api/.
    "api:root": Expect(get=everyone()),
    "api:schema": Expect(get=everyone()),
    "api:docs": Expect(get=everyone()),
    "api:place_list": Expect(get=everyone()),
    "api:place_detail": Expect(get=everyone(), kwargs={"pk": "place"}),
    "api:group_list": Expect(get=everyone()),
    "api:group_detail": Expect(get=everyone()),
    "api:tactic_list": Expect(get=everyone()),
    "api:tactic_detail": Expect(get=everyone(), kwargs={"slug": "tactic_slug"}),
    "api:action_list": Expect(get=everyone()),
    "api:action_detail": Expect(get=everyone()),
    "api:amplification_list": Expect(get=everyone()),
    "api:amplification_detail": Expect(get=everyone(), kwargs={"pk": "amplification"}),
    "api:support_request_list": Expect(get=everyone()),
    "api:support_request_detail": Expect(get=everyone(), kwargs={"pk": "request_id"}),
    "api:day_list": Expect(get=everyone()),
    "api:day_detail": Expect(get=everyone(), kwargs={"slug": "day_slug"}),
    "api:event_list": Expect(get=everyone()),
    "api:event_detail": Expect(get=everyone(), kwargs={"pk": "event_id"}),
    # Public wins for everyone (the world's win is public), all for the dashboard's readers.
    "api:win_list": Expect(get=everyone()),
    "api:win_detail": Expect(get=everyone(), kwargs={"pk": "win"}),
    "api:signal_list": Expect(get=only(SEE_DASHBOARD, anonymous=401)),
    "api:signal_detail": Expect(get=only(SEE_DASHBOARD, anonymous=401), kwargs={"pk": "signal"}),
    # RSVPs: the person's own and those of actions whose RSVPs they may see (can_see_rsvps).
    "api:participation_list": Expect(get=logged_in(anonymous=401)),
    "api:participation_detail": Expect(
        get=only(GROUP_ADMIN, others=404, anonymous=401), kwargs={"pk": "participation"}
    ),
    # A person's own tokens; the member's token is revocable by the member only.
    "api:tokens": Expect(get=logged_in(), post=logged_in(400)),
    "api:token_revoke": Expect(post=only(("member",), 302, others=404), kwargs={"pk": "token"}),
    # --- exchange: OSDI (DRF: anonymous gets 401) and CSV ----------------------------
    **{
        f"exchange:{name}": expect
        for name, expect in {
            "osdi_aep": Expect(get=everyone()),
            "osdi_events": Expect(get=everyone()),
            "osdi_event": Expect(get=everyone()),
            # can_read_people: weavers, stewards and whoever acts for a group (outsider
            # is another group's admin: let in, but sees nobody of this group).
            "osdi_people": Expect(get=only(READ_PEOPLE, anonymous=401)),
            "osdi_person": Expect(
                get={**only(READ_PEOPLE, anonymous=401), "outsider": 404},
                kwargs={"pk": "member_id"},
            ),
            "osdi_person_taggings": Expect(
                get={**only(READ_PEOPLE, anonymous=401), "outsider": 404},
                kwargs={"pk": "member_id"},
            ),
            # An empty form-encoded POST: the helper reads JSON only (415).
            "osdi_person_signup": Expect(post=only(READ_PEOPLE, 415, anonymous=401)),
            "osdi_tags": Expect(get=only(READ_PEOPLE, anonymous=401)),
            "osdi_tag": Expect(get=only(READ_PEOPLE, 404, anonymous=401), kwargs={"pk": 0}),
            "osdi_tag_taggings": Expect(
                get=only(READ_PEOPLE, 404, anonymous=401), kwargs={"pk": 0}
            ),
            "osdi_taggings": Expect(get=only(READ_PEOPLE, anonymous=401)),
            "osdi_tagging": Expect(get=only(READ_PEOPLE, 404, anonymous=401), kwargs={"pk": 0}),
            # RSVPs (can_see_rsvps): the host group's admin.
            "osdi_event_attendances": Expect(get=only(GROUP_ADMIN, anonymous=401)),
            "osdi_attendances": Expect(get=logged_in(anonymous=401)),
            "osdi_attendance": Expect(get=logged_in(404, anonymous=401), kwargs={"pk": 0}),
            "csv": Expect(get=only(WEAVE), post=only(WEAVE, 400)),
            "people_csv": Expect(get=only(WEAVE)),
            "groups_csv": Expect(get=only(WEAVE)),
            "csv_import": Expect(get=only(WEAVE), kwargs={"pk": "csv_import"}),
            # Sources (can_manage_sources, then can_manage_source for the group's source).
            "sources": Expect(get=only(MANAGE_SOURCES)),
            "source_new": Expect(get=only(MANAGE_SOURCES), post=only(MANAGE_SOURCES, 400)),
            "source": Expect(
                get={**only(MANAGE_SOURCES), "outsider": 404}, kwargs={"pk": "source"}
            ),
            "source_sync": Expect(
                post={**only(MANAGE_SOURCES, 302), "outsider": 404}, kwargs={"pk": "source"}
            ),
            "source_attach": Expect(
                post={**only(MANAGE_SOURCES, 400), "outsider": 404}, kwargs={"pk": "source"}
            ),
            # The rule adding its tagged events to a day (an empty POST clears it).
            "source_rule": Expect(
                post={**only(MANAGE_SOURCES, 302), "outsider": 404}, kwargs={"pk": "source"}
            ),
            # Counting a source's events in our figures: the steering committee's choice.
            "source_figures": Expect(
                post={**only(("steering",), 302), "outsider": 404}, kwargs={"pk": "source"}
            ),
            # An RSVP sent on to the origin: only for an imported event (the sample is not).
            "origin_rsvp": Expect(post=everyone(404)),
        }.items()
    },
}

# --- allauth (/accounts/) ---------------------------------------------------------
# allauth's own rules: pages for people logged out send logged-in people on (302);
# account pages ask to log in. Steps of a flow that needs a pending login or a
# mailed key answer the same to every role.
_LOGGED_OUT_PAGE = {**everyone(302), "anonymous": 200}

ALLAUTH: dict[str, Expect] = {
    "account_login": Expect(get=_LOGGED_OUT_PAGE),
    "account_signup": Expect(get=_LOGGED_OUT_PAGE),
    "account_logout": Expect(get=logged_in(anonymous=302)),
    "account_inactive": Expect(get=everyone()),
    "account_reauthenticate": Expect(get=logged_in()),
    "account_email": Expect(get=logged_in()),
    "account_email_verification_sent": Expect(get=everyone()),
    "account_change_password": Expect(get=logged_in()),
    # Everyone in the cast has a password: "set" sends them to "change".
    "account_set_password": Expect(get=logged_in(302)),
    "account_reset_password": Expect(get=everyone()),
    "account_reset_password_done": Expect(get=everyone()),
    "account_reset_password_from_key_done": Expect(get=everyone()),
    "account_reset_password_from_key": Expect(
        get=everyone(), kwargs={"uidb36": "0", "key": "not-a-real-key"}
    ),
    # A page saying the link is not valid.
    "account_confirm_email": Expect(get=everyone(), kwargs={"key": "not-a-real-key"}),
    # No login is waiting for a code: back to the login (or on, when logged in).
    "account_confirm_login_code": Expect(get=logged_in(302)),
    "mfa_index": Expect(get=logged_in()),
    "mfa_authenticate": Expect(get=logged_in(302)),
    "mfa_reauthenticate": Expect(get=logged_in(302)),
    # A session that did not just log in with a password is asked to re-authenticate.
    "mfa_activate_totp": Expect(get=logged_in(302)),
    "mfa_deactivate_totp": Expect(get=logged_in(404)),
    "mfa_view_recovery_codes": Expect(get=logged_in(404)),
    "mfa_generate_recovery_codes": Expect(get=logged_in(302)),
    "mfa_download_recovery_codes": Expect(get=logged_in(404)),
}
EXPECTED.update(ALLAUTH)

# --- Django's admin (/admin/) --------------------------------------------------------
# coalition/admin_access.py: only active staff whose session passed a TOTP code get
# in. Every other person is sent to the admin's login, which sends visitors to
# allauth's login and answers 403 to the logged-in (staff without TOTP are shown the
# way to set it up). One sample per kind of admin URL.
ADMIN_KINDS: dict[str, re.Pattern[str]] = {
    kind: re.compile(pattern)
    for kind, pattern in {
        "index": r"^admin:index$",
        "login": r"^admin:login$",
        "logout": r"^admin:logout$",
        "password_change": r"^admin:password_change$",
        "password_change_done": r"^admin:password_change_done$",
        "autocomplete": r"^admin:autocomplete$",
        "jsi18n": r"^admin:jsi18n$",
        "view_on_site": r"^admin:view_on_site$",
        "app_list": r"^admin:app_list$",
        "changelist": r"^admin:\w+_changelist$",
        "add": r"^admin:\w+_add$",
        "change": r"^admin:\w+_change$",
        "delete": r"^admin:\w+_delete$",
        "history": r"^admin:\w+_history$",
    }.items()
}
# Anonymous visitors and everyone not let in: a redirect to a login page; the
# admin's login page itself answers 403 to the logged-in (what is missing).
_ADMIN_REFUSED = everyone(LOGIN)
_ADMIN_LOGIN_PAGE = logged_in(403)

ADMIN_SAMPLES: dict[str, Expect] = {
    "index": Expect(get=_ADMIN_REFUSED),
    "login": Expect(get=_ADMIN_LOGIN_PAGE),
    # Django sends people who are not let in from the admin's logout to its index.
    "logout": Expect(post=logged_in(302, anonymous=302)),
    "password_change": Expect(get=_ADMIN_REFUSED),
    "password_change_done": Expect(get=_ADMIN_REFUSED),
    "autocomplete": Expect(get=_ADMIN_REFUSED),
    "jsi18n": Expect(get=_ADMIN_REFUSED),
    "view_on_site": Expect(get=_ADMIN_REFUSED, kwargs={"content_type_id": "0", "object_id": "0"}),
    "app_list": Expect(get=_ADMIN_REFUSED, kwargs={"app_label": "members"}),
    "changelist": Expect(get=_ADMIN_REFUSED),
    "add": Expect(get=_ADMIN_REFUSED),
    "change": Expect(get=_ADMIN_REFUSED, kwargs={"object_id": "member_id"}),
    "delete": Expect(get=_ADMIN_REFUSED, kwargs={"object_id": "member_id"}),
    "history": Expect(get=_ADMIN_REFUSED, kwargs={"object_id": "member_id"}),
}
# The model whose admin URLs are sampled.
ADMIN_SAMPLE_MODEL = "members_user"


def admin_kind(name: str) -> str | None:
    for kind, pattern in ADMIN_KINDS.items():
        if pattern.match(name):
            return kind
    return None

"""Every route of the app, walked with the demo data: nothing answers 500, and anonymous
visitors get 200 only from the pages listed here as public.

A new route is covered automatically: if it answers 200 to anonymous visitors
without being listed in PUBLIC, this test fails until someone decides it
should be public.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver

from coalition.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

# Route names that anyone may read.
PUBLIC = {
    "home", "healthz", "privacy", "set_language", "place_suggest",
    "members:statement", "members:join", "members:join_done", "members:group",
    "members:invitation", "members:unsubscribe", "notifications:unsubscribe",
    "notifications:address_unsubscribe",
    "actions:list", "actions:map", "actions:map_data", "actions:feed", "actions:ical",
    "actions:calendar", "actions:place_calendar", "actions:group_calendar",
    "actions:detail", "actions:playbook", "actions:tactic", "actions:rsvp",
    "actions:rsvp_cancel", "actions:support_list", "actions:flag", "actions:moderation_log",
    "convergence:days", "convergence:day", "convergence:day_events_geojson",
    "convergence:day_ical", "convergence:toolkit_file",
    "reporting:impact",
    "privacy:data_request", "privacy:address_data",
    "api:root", "api:schema", "api:docs", "api:place_list", "api:place_detail",
    "api:group_list", "api:group_detail", "api:tactic_list", "api:tactic_detail",
    "api:action_list", "api:action_detail", "api:amplification_list",
    "api:amplification_detail", "api:support_request_list", "api:support_request_detail",
    "api:day_list", "api:day_detail", "api:event_list", "api:event_detail",
    "api:win_list", "api:win_detail",
    "exchange:osdi_aep", "exchange:osdi_events", "exchange:osdi_event",
}  # fmt: skip
SKIPPED_PREFIXES = ("admin/", "accounts/", "i18n/")


def routes() -> list[tuple[str, str, list[str]]]:
    """(pattern, name, argument names) for every route of the project's own apps."""
    found = []

    def walk(resolver, prefix="", namespace=""):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = namespace + (f"{entry.namespace}:" if entry.namespace else "")
                walk(entry, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern) and entry.name:
                pattern = prefix + str(entry.pattern)
                if not pattern.startswith(SKIPPED_PREFIXES):
                    found.append((pattern, namespace + entry.name, list(entry.pattern.converters)))

    walk(get_resolver())
    return found


@pytest.fixture
def demo(db):
    from actions.models import Action, SupportRequest, Tactic
    from convergence.models import DayOfAction, Event, ToolkitItem, ToolkitVersion
    from members.models import Group, Membership, OutreachMessage, RelationalMeeting, User

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    group = Group.objects.get(name="Mill Quarter Tenants Union")
    day = DayOfAction.objects.get(slug="clean-air-day")
    return {
        "group_slug": group.slug,
        "tactic_slug": Tactic.objects.first().slug,
        "day_slug": day.slug,
        "action": Action.objects.filter(visibility="public").first().pk,
        "membership_id": Membership.objects.filter(group=group).first().pk,
        "message_id": OutreachMessage.objects.first().pk,
        "meeting": RelationalMeeting.objects.first().pk,
        "person": User.objects.first().pk,
        "request_id": SupportRequest.objects.first().pk,
        "item_id": ToolkitItem.objects.filter(day=day).first().pk,
        "file_key": ToolkitVersion.objects.filter(item__day=day).first().key,
        "event_id": Event.objects.filter(day=day).first().pk,
    }


def url_for(pattern: str, name: str, demo: dict) -> str:
    values = {
        "token": "not-a-real-token",
        "number": "1",
        "membership_id": demo["membership_id"],
        "message_id": demo["message_id"],
        "request_id": demo["request_id"],
        "item_id": demo["item_id"],
        "file_key": demo["file_key"],
        "event_id": demo["event_id"],
    }
    if name.startswith("convergence:"):
        values["slug"] = demo["day_slug"]
    elif name == "actions:tactic":
        values["slug"] = demo["tactic_slug"]
    else:
        values["slug"] = demo["group_slug"]
    if name.startswith("members:meeting"):
        values["pk"] = demo["meeting"]
    elif name == "members:weave_person":
        values["pk"] = demo["person"]
    else:
        values["pk"] = demo["action"]
    path = pattern
    for key, value in values.items():
        for converter in ("int", "slug", "str", "uuid"):
            path = path.replace(f"<{converter}:{key}>", str(value))
    assert "<" not in path, f"no sample value for {pattern}"
    return "/" + path


def test_the_walk_finds_the_routes():
    names = {name for _pattern, name, _args in routes()}

    assert {"members:weave", "actions:detail", "convergence:day"} <= names
    assert len(names) > 70


def test_anonymous_visitors_get_200_only_from_public_pages_and_never_a_500(client, demo):
    wrong = []
    for pattern, name, _args in routes():
        url = url_for(pattern, name, demo)
        get = client.get(url)
        post = client.post(url, {"junk": "²"})
        if get.status_code >= 500 or post.status_code >= 500:
            wrong.append(f"{name} {url}: GET {get.status_code}, POST {post.status_code}")
        elif get.status_code == 200 and name not in PUBLIC:
            wrong.append(f"{name} {url}: 200 to anonymous but not listed as public")
    assert wrong == []


@pytest.mark.parametrize(
    "email", ["weaver@example.org", "steering@example.org", "group-admin@example.org"]
)
def test_no_page_answers_500_to_a_demo_login(client, demo, email):
    client.post("/accounts/login/", {"login": email, "password": DEMO_PASSWORD})
    assert "_auth_user_id" in client.session
    broken = []
    for pattern, name, _args in routes():
        url = url_for(pattern, name, demo)
        for response in (client.get(url), client.get(url, {"place": "²", "page": "x"})):
            if response.status_code >= 500:
                broken.append(f"{name} {url}: {response.status_code}")
    assert broken == []

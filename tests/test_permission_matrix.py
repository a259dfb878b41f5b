"""Every route × every role answers what coalition/permissions.py says (tests/permission_table.py).

A route without an entry in EXPECTED fails here until someone works out who may
open it; an entry whose route is gone fails too. Django's admin is checked by
kind (one sample model) and allauth's pages each once.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests.conftest import CommittingClient
from tests.permission_table import (
    ADMIN_KINDS,
    ADMIN_SAMPLE_MODEL,
    ADMIN_SAMPLES,
    EXPECTED,
    LOGIN,
    ROLES,
    Expect,
    admin_kind,
)

pytestmark = pytest.mark.django_db


def routes() -> dict[str, tuple[str, list[str]]]:
    """{name: (pattern, parameter names)} for every named route, from the root resolver."""
    found: dict[str, tuple[str, list[str]]] = {}

    def params(pattern) -> list[str]:
        regex = getattr(pattern, "regex", None)
        names = list(getattr(pattern, "converters", {}) or {})
        if regex is not None:
            names += [name for name in regex.groupindex if name not in names]
        return names

    def walk(resolver, prefix: str, namespace: str, inherited: list[str]) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = namespace + (f"{entry.namespace}:" if entry.namespace else "")
                walk(entry, prefix + str(entry.pattern), inner, inherited + params(entry.pattern))
            elif isinstance(entry, URLPattern) and entry.name:
                found.setdefault(
                    namespace + entry.name,
                    (prefix + str(entry.pattern), inherited + params(entry.pattern)),
                )

    walk(get_resolver(), "", "", [])
    return found


def _is_admin(name: str) -> bool:
    return name.startswith("admin:")


# --- The table and the routes agree -------------------------------------------------


def test_every_route_has_an_entry_in_the_table():
    missing = [
        f"{name} ({pattern})"
        for name, (pattern, _params) in sorted(routes().items())
        if not _is_admin(name) and name not in EXPECTED
    ]
    assert missing == [], "add an entry to EXPECTED in tests/permission_table.py for: " + (
        ", ".join(missing)
    )


def test_every_entry_in_the_table_is_a_route():
    names = set(routes())
    gone = sorted(name for name in EXPECTED if name not in names)
    assert gone == [], f"these entries of EXPECTED name no route any more: {gone}"


def test_every_admin_route_is_of_a_sampled_kind():
    names = [name for name in routes() if _is_admin(name)]
    unknown = [name for name in names if admin_kind(name) is None]
    assert unknown == [], f"admin routes of no known kind (add one to ADMIN_KINDS): {unknown}"
    kinds = {admin_kind(name) for name in names}
    assert kinds == set(ADMIN_KINDS) == set(ADMIN_SAMPLES)


def test_every_entry_says_what_each_role_gets():
    for name, expect in EXPECTED.items():
        assert expect.get or expect.post, name
        for answers in (expect.get, expect.post):
            if answers is not None:
                assert set(answers) == set(ROLES), name


# --- The objects behind the URLs ------------------------------------------------------


@pytest.fixture
def cast(
    outsider, group_member, group_admin, weaver, coordinator, steward, steering_member, staff,
    moderator,
):  # fmt: skip
    return {
        "anonymous": None,
        "outsider": outsider,
        "member": group_member,
        "admin": group_admin,
        "weaver": weaver,
        "coordinator": coordinator,
        "steward": steward,
        "steering": steering_member,
        "staff": staff,
        "moderator": moderator,
    }


@pytest.fixture
def world(settings, tmp_path, cast, group, place, make_person):
    """One of everything a URL names, all belonging to the group of ``member`` and ``admin``."""
    from actions.models import SupportRequest, Tactic
    from convergence.models import Event, ToolkitItem, ToolkitVersion
    from members.models import (
        Membership,
        OutreachMessage,
        ProspectImport,
        RelationalMeeting,
        Signature,
    )
    from reporting.models import ClimateSignal, Report, ReportSchedule, Win
    from tests.factories import (
        GroupFactory,
        add_member,
        make_action,
        make_day,
        publish_privacy_policy,
        publish_statement,
    )

    settings.MEDIA_ROOT = tmp_path
    admin, member = cast["admin"], cast["member"]
    version = publish_statement()
    policy = publish_privacy_policy()
    Signature.objects.create(
        group=group, version=version, signed_by=admin, confirmed_at=timezone.now(),
        listing_consent=True, privacy_policy=policy,
    )  # fmt: skip
    group.signed_version = version
    group.save(update_fields=["signed_version"])

    action = make_action(group, by=admin, latitude=51, longitude=0)
    day = make_day(places=[place])
    event = Event.objects.create(
        day=day,
        action=make_action(group, by=admin, title="Clean air picnic", days_ahead=15),
        registered_by=admin,
    )
    item = ToolkitItem.objects.create(day=day, kind="file", title="Poster")
    toolkit = ToolkitVersion(item=item, number=1, content_type="application/pdf", size=4)
    toolkit.file.save("poster.pdf", ContentFile(b"%PDF"), save=False)
    toolkit.save()
    item.current = toolkit
    item.save(update_fields=["current"])

    support = SupportRequest.objects.create(action=action, kind="people", amount=10)
    tactic = Tactic.objects.create(
        title="Air quality walk", slug="air-quality-walk", summary="We walked.",
        source_action=action, written_by=admin,
    )  # fmt: skip

    ally = make_person("ally@example.net", name="Al Ally")
    add_member(GroupFactory(name="Bridge Club", slug="bridge-club", place=place), ally)
    meeting = RelationalMeeting.objects.create(
        person_a=member, person_b=ally, group_a=group, met_on=dt.date(2026, 1, 5),
        notes="Talked about the bus depot.", logged_by=member,
    )  # fmt: skip
    message = OutreachMessage.objects.create(subject="Clean air news", body="Hello")

    win = Win.objects.create(title="Bus lane", won_on=dt.date(2026, 1, 5), place=place,
                             level="partial")  # fmt: skip
    signal = ClimateSignal.objects.create(
        kind="media", source="The Courier", said_on=dt.date(2026, 1, 6), stance="supportive",
        place=place,
    )  # fmt: skip
    today = timezone.localdate()
    report = Report(
        requested_by=cast["steering"], period_start=today.replace(day=1), period_end=today,
        status="ready", progress=100, finished_at=timezone.now(),
    )  # fmt: skip
    report.pdf.save("report.pdf", ContentFile(b"%PDF"), save=False)
    report.bundle.save("bundle.zip", ContentFile(b"PK"), save=False)
    report.save()
    schedule = ReportSchedule.objects.create(
        frequency="weekly", next_run_on=today + dt.timedelta(days=7), created_by=cast["steering"]
    )
    schedule.recipients.add(cast["steering"])

    from actions.models import Amplification, Participation
    from api.services.tokens import token_create

    amplification = Amplification.objects.create(
        action=action, group=cast["outsider"].memberships.get().group, kind="share",
        by=cast["outsider"],
    )  # fmt: skip
    rsvp = Participation.objects.create(
        action=action, name="Al Ally", email=ally.email, person=ally, privacy_policy=policy
    )
    token, _key = token_create(person=member, name="our CRM sync")
    from exchange.services.sources import source_create

    # A loopback address while private networks are refused: a sync started by the
    # matrix's POST is refused before any connection.
    settings.SOURCES_ALLOW_PRIVATE_NETWORKS = False
    source = source_create(
        by=None, name="Riverside on Action Network", entry_point="http://127.0.0.1:9/api/v2/",
        group=group, place=place,
    )  # fmt: skip

    from exchange.models import CsvImport

    csv_import = CsvImport.objects.create(
        started_by=cast["weaver"], kind="people", filename="people.csv", status="done",
        rows_total=400, rows_done=400, created_count=400,
    )  # fmt: skip
    from coalition.models import PlaceImport

    place_import = PlaceImport.objects.create(
        started_by=cast["steward"], filename="places.csv", status="done",
        rows_total=400, rows_done=400, created_count=400,
    )  # fmt: skip
    prospect_import = ProspectImport.objects.create(
        started_by=cast["weaver"], filename="prospects.csv", status="done",
        rows_total=400, rows_done=400, created_count=400,
    )  # fmt: skip

    # Everyone agreed to the current privacy policy: nobody is sent to agree first.
    from privacy.services.policies import consent_give

    for person in cast.values():
        if person is not None:
            consent_give(person=person)

    return {
        "group_slug": group.slug,
        "day_slug": day.slug,
        "tactic_slug": tactic.slug,
        "action": action.pk,
        "event_id": event.pk,
        "item_id": item.pk,
        "file_key": toolkit.key,
        "request_id": support.pk,
        "membership_id": Membership.objects.get(group=group, person=member).pk,
        "member_id": member.pk,
        "meeting": meeting.pk,
        "message_id": message.pk,
        "win": win.pk,
        "signal": signal.pk,
        "report": report.pk,
        "schedule": schedule.pk,
        "amplification": amplification.pk,
        "participation": rsvp.pk,
        "token": token.pk,
        "place": place.pk,
        "source": source.pk,
        "csv_import": csv_import.pk,
        "prospect_import": prospect_import.pk,
        "place_import": place_import.pk,
    }


def _default_key(name: str, param: str) -> str:
    if param == "slug":
        return "day_slug" if name.startswith("convergence:") else "group_slug"
    if param == "pk":
        return "action"
    return param


def url_of(name: str, expect: Expect, world: dict) -> str:
    _pattern, params = routes()[name]
    kwargs = {}
    for param in params:
        wanted = expect.kwargs.get(param, _default_key(name, param))
        kwargs[param] = world.get(wanted, wanted) if isinstance(wanted, str) else wanted
    url = reverse(name, kwargs=kwargs)
    return f"{url}?{expect.query}" if expect.query else url


def _client_for(person) -> CommittingClient:
    client = CommittingClient()
    if person is not None:
        client.force_login(person)
    return client


def _answer(response) -> object:
    if response.status_code == 302 and "login" in urlsplit(response["Location"]).path:
        return LOGIN
    return response.status_code


def check_roles(cast, url: str, expect: Expect) -> list[str]:
    """Ask the URL as each role; the list of every answer that is not the expected one."""
    wrong = []
    for method, answers in (("GET", expect.get), ("POST", expect.post)):
        if answers is None:
            continue
        for role in ROLES:
            cache.clear()  # rate limits are not what is tested here
            client = _client_for(cast[role])
            response = client.get(url) if method == "GET" else client.post(url, {})
            got = _answer(response)
            if got != answers[role]:
                wrong.append(f"{method} {url} as {role}: expected {answers[role]}, got {got}")
    return wrong


# --- Every route, every role ----------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_role_gets_what_the_rules_say(name, cast, world):
    if name not in routes():
        pytest.skip("no such route: test_every_entry_in_the_table_is_a_route reports it")
    expect = EXPECTED[name]
    wrong = check_roles(cast, url_of(name, expect, world), expect)
    assert wrong == [], "\n".join(wrong)


@pytest.mark.parametrize("kind", sorted(ADMIN_SAMPLES))
def test_the_admin_lets_no_role_in_without_a_totp_session(kind, cast, world):
    names = [name for name in routes() if admin_kind(name) == kind]
    sample = f"admin:{ADMIN_SAMPLE_MODEL}_{kind}"
    name = sample if sample in names else sorted(names)[0]
    expect = ADMIN_SAMPLES[kind]
    wrong = check_roles(cast, url_of(name, expect, world), expect)
    assert wrong == [], "\n".join(wrong)


def test_staff_without_totp_are_shown_the_way_to_set_it_up(cast):
    client = _client_for(cast["staff"])

    response = client.get(reverse("admin:index"), follow=True)

    assert response.status_code == 403
    assert reverse("mfa_activate_totp") in response.content.decode()


def test_staff_whose_session_passed_totp_get_into_the_sampled_admin_pages(cast, world):
    from allauth.account.internal.flows.login import record_authentication
    from allauth.mfa.models import Authenticator
    from django.test import RequestFactory

    staff = cast["staff"]
    totp = Authenticator.objects.create(
        user=staff, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    client = _client_for(staff)
    request = RequestFactory().get("/")
    request.session = client.session
    record_authentication(request, staff, method="mfa", id=totp.pk, type="totp")
    request.session.save()

    for kind in ("index", "changelist", "add", "change", "history", "app_list"):
        name = "admin:index" if kind == "index" else f"admin:{ADMIN_SAMPLE_MODEL}_{kind}"
        if kind == "app_list":
            name = "admin:app_list"
        url = url_of(name, ADMIN_SAMPLES[kind], world)
        assert client.get(url).status_code == 200, url

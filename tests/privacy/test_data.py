"""/me/data/: a person downloads everything held about them, and erases their account."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import models
from django.db.models import Q
from django.test import Client
from django.urls import reverse

from coalition.models import AuditEntry, AuditVerb
from tests.factories import PASSWORD
from tests.privacy.conftest import EMAIL, NAME, PHONE

pytestmark = pytest.mark.django_db

TEXT_FIELDS = (models.CharField, models.TextField, models.EmailField, models.JSONField)


def everywhere(value: str) -> list[str]:
    """Every row of every model whose text columns (char, text, email, JSON) hold
    ``value``, in any case; JSON is searched as its serialised text."""
    found = []
    for model in apps.get_models():
        if not model._meta.managed:
            continue
        fields = [f for f in model._meta.concrete_fields if isinstance(f, TEXT_FIELDS)]
        text = [f.name for f in fields if not isinstance(f, models.JSONField)]
        if text:
            query = Q()
            for name in text:
                query |= Q(**{f"{name}__icontains": value})
            found += [f"{model._meta.label}: {row}" for row in model.objects.filter(query).values()]
        for field in (f for f in fields if isinstance(f, models.JSONField)):
            for data in model.objects.values_list(field.name, flat=True):
                if value.lower() in json.dumps(data, ensure_ascii=False).lower():
                    found.append(f"{model._meta.label}.{field.name}: {data}")
    return found


def test_the_json_download_holds_every_kind_of_data(client, rich_person):
    client.force_login(rich_person)
    response = client.get(reverse("privacy:my_data_json"))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-')
    data = json.loads(response.content)["data"]
    assert data["account"][0]["email"] == EMAIL
    assert data["account"][0]["phone"] == PHONE
    assert data["account"][0]["skills"] == "Facilitation"
    assert {
        "memberships", "group_contact", "signatures", "meetings", "ladder", "invitations",
        "outreach_deliveries", "suppressions", "network_roles", "audit_entries_by_me",
        "actions_posted", "rsvps", "flags", "pledges", "events_registered", "reminders",
        "wins_and_signals", "consents", "api_tokens", "tags", "postal_address",
        "messages_received", "email_opt_outs",
    } <= set(data)  # fmt: skip
    assert data["messages_received"][0]["subject"] == "Bring boots"
    assert data["email_opt_outs"][0]["kind"] == "coordinator_message"
    assert len(data["rsvps"]) == 2
    assert data["meetings"][0]["notes"] == f"{NAME} spoke about her street."
    assert "else@example.net" not in response.content.decode()


def test_the_csv_download_is_a_zip_of_one_csv_per_kind(client, rich_person):
    client.force_login(rich_person)
    response = client.get(reverse("privacy:my_data_zip"))

    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert {"account.csv", "rsvps.csv", "meetings.csv"} <= set(archive.namelist())
    assert EMAIL in archive.read("account.csv").decode()


def test_each_download_is_audited_without_personal_data(client, rich_person):
    client.force_login(rich_person)
    client.get(reverse("privacy:my_data_json"))
    client.get(reverse("privacy:my_data_zip"))

    entries = AuditEntry.objects.filter(verb=AuditVerb.EXPORT)
    assert [e.detail["format"] for e in entries.order_by("id")] == ["json", "zip"]
    for entry in entries:
        assert EMAIL not in entry.subject + json.dumps(entry.detail)


def test_the_pages_need_a_login_and_show_only_ones_own_data(client, rich_person, outsider):
    for name in ("privacy:my_data", "privacy:my_data_json", "privacy:my_data_zip"):
        assert client.get(reverse(name)).status_code == 302
    assert client.post(reverse("privacy:my_data_erase"), {"confirm": PASSWORD}).status_code == 302

    client.force_login(outsider)
    content = client.get(reverse("privacy:my_data_json")).content.decode()
    assert EMAIL not in content and NAME not in content


def test_the_page_and_downloads_use_a_fixed_number_of_queries(
    client, rich_person, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_action

    client.force_login(rich_person)
    with django_assert_num_queries(4):  # session, person, coalition, roles (the layout)
        client.get(reverse("privacy:my_data"))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("privacy:my_data_json"))
        return len(queries.captured_queries)

    before = count()
    for n in range(5):
        make_action(rich_person.memberships.first().group, by=rich_person, title=f"More {n}")
    assert count() == before


def test_a_wrong_password_or_phrase_erases_nothing(client, rich_person):
    client.force_login(rich_person)
    response = client.post(reverse("privacy:my_data_erase"), {"confirm": "not it"})

    assert response.status_code == 400
    assert "to confirm" in response.content.decode()
    rich_person.refresh_from_db()
    assert rich_person.email == EMAIL


def test_an_empty_confirmation_is_a_400(client, rich_person):
    client.force_login(rich_person)
    assert client.post(reverse("privacy:my_data_erase"), {}).status_code == 400


@pytest.mark.parametrize("confirm", [PASSWORD, "Erase my account"])
def test_erasure_leaves_nothing_of_the_person_anywhere(client, rich_person, confirm):
    client.force_login(rich_person)
    assert everywhere(EMAIL) and everywhere(NAME) and everywhere(PHONE)
    other_browser = Client()
    other_browser.force_login(rich_person)

    response = client.post(reverse("privacy:my_data_erase"), {"confirm": confirm})

    assert response.status_code == 302
    assert everywhere(EMAIL) == []
    assert everywhere(NAME) == []
    assert everywhere(PHONE) == []
    assert everywhere("zephyrine") == []
    assert everywhere("ZQ7 7AB") == []
    rich_person.refresh_from_db()
    assert rich_person.name == "Erased person"
    assert rich_person.email.endswith("@erased.invalid")
    assert not rich_person.is_active and not rich_person.has_usable_password()
    assert not rich_person.api_tokens.exists() and not rich_person.network_roles.exists()
    assert not [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id")
                == str(rich_person.pk)]  # fmt: skip
    assert other_browser.get(reverse("privacy:my_data")).status_code == 302
    entry = AuditEntry.objects.get(verb=AuditVerb.ERASURE)
    assert entry.subject == f"account #{rich_person.pk}" and entry.actor is None


def test_erasure_keeps_the_groups_records_and_the_networks_totals(client, rich_person):
    from django.utils import timezone

    from actions.models import Action, Participation
    from members.models import Membership, RelationalMeeting, Signature, Skill
    from reporting.models import Rollup
    from reporting.rollups import month_start, rollups_rebuild

    def totals():
        rollups_rebuild()
        return {
            "rollups": sorted(Rollup.objects.values_list("metric", "key", "month", "value")),
            "actions": Action.objects.count(),
            "rsvp_counts": sorted(Action.objects.values_list("title", "rsvp_count")),
            "rsvps": Participation.objects.filter(status="confirmed").count(),
            "meetings": RelationalMeeting.objects.count(),
            "memberships": Membership.objects.count(),
            "signatures": Signature.objects.count(),
        }

    before = totals()
    client.force_login(rich_person)
    client.post(reverse("privacy:my_data_erase"), {"confirm": PASSWORD})

    after = totals()
    # Skills are erased with the person: "people per skill now" is a snapshot of
    # the current month that loses them. Every other figure, past or present, stays.
    skill = ("skill", str(Skill.objects.get().pk), month_start(timezone.localdate()), 1)
    assert set(before["rollups"]) - set(after["rollups"]) == {skill}
    assert set(after["rollups"]) - set(before["rollups"]) == set()
    before.pop("rollups"), after.pop("rollups")
    assert after == before
    assert Action.objects.get(title="Street clean-up").host_group.name == "Riverside Tenants"
    assert Participation.objects.filter(email="else@example.net", name="Someone Else").exists()


def test_erasure_logs_the_person_out(client, rich_person):
    client.force_login(rich_person)
    client.post(reverse("privacy:my_data_erase"), {"confirm": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert (
        client.post(reverse("account_login"), {"login": EMAIL, "password": PASSWORD}).status_code
        == 200
    )  # the login form again: the account is gone


def test_the_confirmation_words_follow_the_persons_language(client, rich_person):
    client.force_login(rich_person)
    client.cookies["django_language"] = "fr"
    page = client.get(reverse("privacy:my_data")).content.decode()
    assert "effacer mon compte" in page

    response = client.post(reverse("privacy:my_data_erase"), {"confirm": "Effacer  mon compte"})

    assert response.status_code == 302
    rich_person.refresh_from_db()
    assert rich_person.email != EMAIL

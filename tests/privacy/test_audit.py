"""/audit/: the audit log for stewards and the steering committee, and the writers that feed it."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from coalition import audit
from coalition.models import AuditEntry, AuditVerb
from tests.factories import GroupFactory, make_action

pytestmark = pytest.mark.django_db

AUDIT = reverse("privacy:audit")
AUDIT_CSV = reverse("privacy:audit_csv")


def entries(count: int, *, actor=None, verb=AuditVerb.EXPORT) -> None:
    for n in range(count):
        audit.record(actor, verb, f"thing {n}", n=n)


@pytest.mark.parametrize("who", ["steward", "steering_member"])
def test_stewards_and_steering_read_the_log(client, request, who, weaver):
    entries(1, actor=weaver, verb=AuditVerb.ROLE_GRANTED)
    client.force_login(request.getfixturevalue(who))
    response = client.get(AUDIT)
    assert response.status_code == 200
    assert "Wanda Weaver" in response.content.decode()
    assert "thing 0" in response.content.decode()


@pytest.mark.parametrize(
    "who", ["outsider", "group_member", "group_admin", "weaver", "coordinator", "staff"]
)
def test_others_get_403_and_no_entry(client, request, who):
    entries(1, verb=AuditVerb.ERASURE)
    client.force_login(request.getfixturevalue(who))
    for url in (AUDIT, AUDIT_CSV):
        response = client.get(url)
        assert response.status_code == 403
        assert b"thing 0" not in response.content
    assert AuditEntry.objects.count() == 1  # no export was logged either


def test_anonymous_visitors_are_sent_to_log_in(client):
    assert client.get(AUDIT).status_code == 302
    assert client.get(AUDIT_CSV).status_code == 302


def test_filters_by_verb_actor_and_dates(client, steward, weaver, group_admin):
    entries(2, actor=weaver, verb=AuditVerb.ROLE_GRANTED)
    entries(1, actor=group_admin, verb=AuditVerb.EXPORT)
    old = AuditEntry.objects.create(verb=AuditVerb.IMPORT, subject="old import")
    AuditEntry.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(days=40))
    client.force_login(steward)

    def subjects(**query) -> set[str]:
        page = client.get(AUDIT, query).context["page"]
        return {entry.subject for entry in page.entries}

    assert subjects(verb="role_granted") == {"thing 0", "thing 1"}
    assert subjects(actor="Ada") == {"thing 0"}
    assert subjects(actor=f"#{group_admin.pk}") == {"thing 0"}
    recent = (timezone.localdate() - dt.timedelta(days=2)).isoformat()
    assert "old import" not in subjects(since=recent)
    assert subjects(until=(timezone.localdate() - dt.timedelta(days=30)).isoformat()) == {
        "old import"
    }


@pytest.mark.parametrize(
    "query",
    [
        {"verb": "nonsense"},
        {"since": "yesterday"},
        {"since": "2026-05-02", "until": "2026-05-01"},
        {"after": "abc"},
        {"after": "99999999999999999999.1"},
    ],
)
def test_bad_filters_are_a_400_with_a_message(client, steward, query):
    client.force_login(steward)
    assert client.get(AUDIT, query).status_code == 400
    assert client.get(AUDIT_CSV, {k: v for k, v in query.items() if k != "after"}).status_code in {
        200,
        400,
    }


def test_pages_follow_each_other_by_keyset_without_gaps_or_repeats(client, steward):
    entries(120)
    client.force_login(steward)
    seen, query = [], {}
    while True:
        page = client.get(AUDIT, query).context["page"]
        seen += [entry.pk for entry in page.entries]
        if not page.next_cursor:
            break
        query = {"after": page.next_cursor}
    assert seen == list(AuditEntry.objects.order_by("-at", "-id").values_list("pk", flat=True))
    assert len(seen) == 120


@pytest.mark.parametrize("size", [3, 80])
def test_the_page_uses_a_fixed_number_of_queries(client, steward, size, django_assert_num_queries):
    entries(size)
    client.force_login(steward)
    with django_assert_num_queries(5):  # session, person, roles, coalition, the entries
        client.get(AUDIT, {"verb": "export"})


def test_the_csv_has_the_filtered_entries_defused_and_is_audited(client, steward, weaver):
    entries(2, actor=weaver, verb=AuditVerb.ROLE_GRANTED)
    audit.record(weaver, AuditVerb.EXPORT, "=HYPERLINK(1)")
    client.force_login(steward)

    response = client.get(AUDIT_CSV, {"verb": "role_granted"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["at", "who", "verb", "subject", "detail"]
    assert sorted(row[3] for row in rows[1:]) == ["thing 0", "thing 1"]

    client.get(AUDIT_CSV, {"verb": "export"})
    exported = AuditEntry.objects.filter(verb=AuditVerb.EXPORT, subject="audit log")
    # The second download counts the first one's own entry.
    assert [e.detail["rows"] for e in exported.order_by("id")] == [2, 2]


def test_the_csv_defuses_formulas(client, steward):
    audit.record(None, AuditVerb.EXPORT, "=HYPERLINK(1)")
    client.force_login(steward)
    body = b"".join(client.get(AUDIT_CSV).streaming_content).decode()
    assert "'=HYPERLINK(1)" in body


# --- The writers ---------------------------------------------------------------


def test_giving_and_removing_a_network_role_writes_one_entry_each(client, steward, make_person):
    from coalition.models import NetworkRole

    person = make_person("rolee@example.net", name="Rory Rolee")
    client.force_login(steward)
    change = {"person": person.pk, "role": "weaver", "reason": "Weaves the east side"}
    client.post(reverse("network_people"), {"action": "grant", **change})
    assert NetworkRole.objects.filter(person=person).exists()
    client.post(reverse("network_people"), {"action": "revoke", **change})

    logged = list(AuditEntry.objects.order_by("id").values_list("verb", "actor", "subject"))
    assert logged == [
        (AuditVerb.ROLE_GRANTED, steward.pk, f"person #{person.pk}: weaver"),
        (AuditVerb.ROLE_REVOKED, steward.pk, f"person #{person.pk}: weaver"),
    ]


def test_changing_and_removing_a_group_role_writes_one_entry_each(
    client, group, group_admin, group_member
):
    from members.models import Membership

    membership = Membership.objects.get(person=group_member)
    client.force_login(group_admin)
    url = reverse("members:group_member_update", args=[group.slug, membership.pk])
    client.post(url, {"role": "contact"})
    client.post(url, {"remove": "1"})

    logged = list(AuditEntry.objects.order_by("id").values_list("verb", "actor", "detail"))
    assert logged == [
        (AuditVerb.MEMBERSHIP_CHANGED, group_admin.pk,
         {"group": group.pk, "before": "member", "after": "contact"}),
        (AuditVerb.MEMBERSHIP_CHANGED, group_admin.pk,
         {"group": group.pk, "before": "contact", "after": "removed"}),
    ]  # fmt: skip


def test_hiding_and_restoring_an_action_writes_one_entry_each(group, steward):
    from actions.services.moderation import action_hide, action_restore

    action = make_action(group)
    action_hide(action=action, by=steward, reason="Spam")
    action_restore(action=action, by=steward, reason="Not spam after all")

    logged = list(AuditEntry.objects.order_by("id").values_list("verb", "subject", "detail"))
    assert logged == [
        (AuditVerb.MODERATION, f"action #{action.pk}",
         {"decision": "hidden", "rule": "other", "flags_resolved": 0}),
        (AuditVerb.MODERATION, f"action #{action.pk}",
         {"decision": "restored", "rule": "", "flags_resolved": 0}),
    ]  # fmt: skip


def test_an_outreach_send_writes_one_entry_with_the_recipient_count(weaver, place):
    from members.models import Stage
    from members.services.outreach import outreach_create, outreach_send

    for n in range(3):
        GroupFactory(stage=Stage.PROSPECT, contact_email=f"prospect{n}@example.org", place=place)
    message = outreach_create(
        subject="Hello", body="Join us.", audience={"stages": ["prospect"]}, by=weaver
    )
    outreach_send(message=message, by=weaver)

    entry = AuditEntry.objects.get()
    assert (entry.verb, entry.actor, entry.subject) == (
        AuditVerb.OUTREACH_SENT,
        weaver,
        f"outreach message #{message.pk}",
    )
    assert entry.detail["recipients"] == 3
    assert "prospect0@example.org" not in str(entry.detail)


def test_an_admin_of_another_group_changes_nothing_and_nothing_is_logged(
    client, group, outsider, group_member
):
    from members.models import Membership

    membership = Membership.objects.get(person=group_member)
    client.force_login(outsider)
    url = reverse("members:group_member_update", args=[group.slug, membership.pk])
    assert client.post(url, {"role": "admin"}).status_code in {403, 404}
    assert not AuditEntry.objects.exists()

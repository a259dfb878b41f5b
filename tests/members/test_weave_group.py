"""A group's page for weavers: details, people, the whole timeline, and moving it by hand."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from members import timeline
from members.models import (
    Delivery,
    DeliveryStatus,
    Invitation,
    InvitationKind,
    OutreachMessage,
    RelationalMeeting,
    Signature,
    Stage,
    StageChange,
)
from members.services.groups import group_create
from members.timeline import TimelineEntry
from tests.factories import GroupFactory, PersonFactory, add_member, publish_statement

pytestmark = pytest.mark.django_db


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2025, 3, day, hour, tzinfo=UTC)


def page_url(group) -> str:
    return reverse("members:weave_group", kwargs={"slug": group.slug})


@pytest.fixture
def prospect(place, weaver):
    return group_create(
        name="Canal Boaters",
        kind="community",
        place=place,
        contact_name="Cora Canal",
        contact_email="cora@example.org",
        created_by=weaver,
        reason="Met them at the fair",
    )


def _history(group, weaver, *, count: int = 1):
    """``count`` entries of every kind for ``group``, on known dates."""
    StageChange.objects.filter(group=group).update(at=at(1))
    other = GroupFactory(name="Lock Keepers", slug="lock-keepers", place=group.place)
    version = publish_statement()
    for number in range(count):
        Invitation.objects.create(
            kind=InvitationKind.GROUP,
            group=group,
            email=f"invite{number}@example.org",
            token_hash=f"{number:064x}",
            created_by=weaver,
            created_at=at(2),
            expires_at=at(16),
            used_at=at(5) if number == 0 else None,
        )
        message = OutreachMessage.objects.create(subject=f"Clean air news {number}", body="Hello")
        Delivery.objects.create(
            message=message,
            email=f"cora{number}@example.org",
            group=group,
            status=DeliveryStatus.SENT,
            sent_at=at(3),
        )
        person_a = PersonFactory(name=f"Ana Boater {number}")
        person_b = PersonFactory(name=f"Bea Keeper {number}")
        RelationalMeeting.objects.create(
            person_a=person_a,
            person_b=person_b,
            group_a=group,
            group_b=other,
            met_on=date(2025, 3, 4),
            notes="Private notes about the conversation",
        )
    signer = PersonFactory(name="Sam Signer")
    Signature.objects.create(
        group=group, version=version, signed_by=signer, signed_at=at(6), confirmed_at=at(6, 13)
    )


def test_the_page_shows_details_contacts_and_members(
    client, weaver, group, group_admin, group_member
):
    group.contact_name = "Rita Riverside"
    group.contact_email = "rita@example.org"
    group.save()
    client.force_login(weaver)

    page = client.get(page_url(group)).content.decode()

    assert "Riverside Tenants" in page
    assert "Rita Riverside" in page and "rita@example.org" in page
    assert "Ada Admin" in page and "admin@example.net" in page
    assert "Mo Member" in page and "member@example.net" in page


def test_the_timeline_holds_every_kind_of_entry_newest_first(client, weaver, prospect):
    _history(prospect, weaver)
    client.force_login(weaver)

    response = client.get(page_url(prospect))

    entries = response.context["timeline"]
    assert [(entry.kind, entry.summary) for entry in entries] == [
        ("signature", "Signed the statement, version 1"),
        ("invitation", "Invitation sent to invite0@example.org was used"),
        ("meeting", "Ana Boater 0 (Canal Boaters) met Bea Keeper 0 (Lock Keepers)"),
        ("email", "“Clean air news 0” to cora0@example.org"),
        ("invitation", "Invitation to join the network sent to invite0@example.org"),
        ("stage", "Added as prospect"),
    ]  # fmt: skip
    assert entries[0].by == "Sam Signer"
    assert entries[0].detail.startswith("Confirmed 2025-03-06")
    assert entries[3].detail == "sent"
    assert entries[5].detail == "Met them at the fair"
    page = response.content.decode()
    assert "Clean air news 0" in page
    assert "Private notes" not in page


def test_a_meeting_where_the_group_is_the_second_side_is_in_its_timeline(client, weaver, prospect):
    other = GroupFactory(name="Lock Keepers", slug="lock-keepers", place=prospect.place)
    RelationalMeeting.objects.create(
        person_a=PersonFactory(name="Lee Keeper"),
        person_b=PersonFactory(name="Bo Boater"),
        group_a=other,
        group_b=prospect,
        met_on=date(2025, 3, 4),
    )
    client.force_login(weaver)

    entries = client.get(page_url(prospect)).context["timeline"]

    assert "Lee Keeper (Lock Keepers) met Bo Boater (Canal Boaters)" in [e.summary for e in entries]


def test_an_unconfirmed_signature_says_so(client, weaver, prospect):
    Signature.objects.create(group=prospect, version=publish_statement(), signed_by=weaver)
    client.force_login(weaver)

    entries = client.get(page_url(prospect)).context["timeline"]

    assert entries[0].kind == "signature"
    assert entries[0].detail.startswith("Not confirmed yet")


def test_other_apps_add_entries_through_the_registry(client, weaver, prospect, monkeypatch):
    monkeypatch.setattr(timeline, "_sources", list(timeline._sources))

    def action_entries(group, *, limit, before=None):
        return [
            TimelineEntry(
                at=timezone.now() + timedelta(days=1),
                kind="action",
                label="Action",
                summary=f"{group.name} held a clean-air picnic",
                url="/actions/1/",
            )
        ]

    timeline.timeline_source_register(action_entries)
    timeline.timeline_source_register(action_entries)  # ready() may run twice
    client.force_login(weaver)

    response = client.get(page_url(prospect))

    entries = response.context["timeline"]
    assert entries[0].summary == "Canal Boaters held a clean-air picnic"
    assert [entry.kind for entry in entries].count("action") == 1
    assert 'href="/actions/1/"' in response.content.decode()


def test_the_timeline_is_cut_to_the_newest_entries(weaver, prospect):
    _history(prospect, weaver, count=3)

    entries, cut = timeline.timeline_for(prospect, limit=4)

    assert cut is True
    # The three meetings share a day: they wait together for the next page.
    assert [entry.kind for entry in entries] == ["signature", "invitation"]


def test_older_pages_follow_on_without_repeating_or_skipping_an_entry(weaver, prospect):
    _history(prospect, weaver, count=3)
    everything, cut = timeline.timeline_for(prospect, limit=100)
    assert not cut and len(everything) == 12

    pages, before, cut = [], None, True
    while cut:
        entries, cut = timeline.timeline_for(prospect, limit=4, before=before)
        pages.append([(entry.kind, entry.summary) for entry in entries])
        before = entries[-1].at

    assert [len(page) for page in pages] == [2, 3, 3, 4]
    assert [entry for page in pages for entry in page] == [
        (entry.kind, entry.summary) for entry in everything
    ]


def test_the_page_links_to_older_entries_and_back(client, weaver, prospect):
    _history(prospect, weaver, count=20)  # 63 entries, more than a page
    client.force_login(weaver)

    first = client.get(page_url(prospect))

    older = first.context["timeline_older_query"]
    assert older and "Older entries" in first.content.decode()
    second = client.get(page_url(prospect) + older)
    assert len(first.context["timeline"]) + len(second.context["timeline"]) == 63
    assert second.context["timeline"][-1].summary == "Added as prospect"
    assert second.context["timeline_older_query"] == ""
    assert f'href="{page_url(prospect)}#timeline-title">Newest' in second.content.decode()


@pytest.mark.parametrize("before", ["yesterday", "0001-01-01", "2025-13-40T00:00"])
def test_a_malformed_cursor_shows_the_newest_entries(client, weaver, prospect, before):
    _history(prospect, weaver)
    client.force_login(weaver)

    response = client.get(page_url(prospect), {"before": before})

    assert response.status_code == 200
    assert response.context["timeline"][0].kind == "signature"
    assert response.context["timeline_first_page"] is True


@pytest.mark.parametrize("size", [5, 60])
def test_the_group_page_uses_a_fixed_number_of_queries(
    client, weaver, prospect, size, django_assert_num_queries
):
    _history(prospect, weaver, count=size)
    for _number in range(size // 5):
        add_member(prospect, PersonFactory())
    client.force_login(weaver)
    client.get(page_url(prospect))

    # session, person, roles, coalition; group, its working groups, its caucuses,
    # its people; timeline: stage changes, invitations, email, signatures, meetings,
    # actions hosted and amplifications given and received (registered by the actions app)
    with django_assert_num_queries(16):
        response = client.get(page_url(prospect))
    if size == 5:  # the whole history on one page
        assert len(response.context["timeline"]) == 18
        assert response.context["timeline_older_query"] == ""
    else:  # a page, and a link to the rest
        assert response.context["timeline_older_query"]


def test_a_weaver_moves_a_group_by_hand_with_a_reason(client, weaver, prospect):
    client.force_login(weaver)

    response = client.post(page_url(prospect), {"stage": "contacted", "reason": "Called Cora"})

    assert response.status_code == 302
    prospect.refresh_from_db()
    assert prospect.stage == Stage.CONTACTED
    assert prospect.last_contact_at is not None
    change = prospect.stage_changes.first()
    assert (change.to_stage, change.reason, change.changed_by) == (
        "contacted",
        "Called Cora",
        weaver,
    )
    follow = client.get(response["Location"])
    assert "Canal Boaters moved." in follow.content.decode()
    assert follow.context["timeline"][0].summary == "Moved from prospect to contacted"


def test_a_move_the_rules_forbid_is_refused_with_the_reason(client, weaver, group):
    client.force_login(weaver)

    response = client.post(page_url(group), {"stage": "prospect", "reason": "Start over"})

    assert response.status_code == 400
    assert response.context["form"].errors["stage"] == [
        "A group cannot be moved from aligned to prospect by hand."
    ]
    group.refresh_from_db()
    assert group.stage == Stage.ALIGNED


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_move_needs_a_reason(client, weaver, prospect, reason):
    client.force_login(weaver)

    response = client.post(page_url(prospect), {"stage": "contacted", "reason": reason})

    assert response.status_code == 400
    assert response.context["form"].errors["reason"]
    prospect.refresh_from_db()
    assert prospect.stage == Stage.PROSPECT


@pytest.mark.parametrize(
    "data",
    [
        {"stage": "famous", "reason": "Why not"},
        {"stage": "prospect", "reason": "Already there"},
        {"stage": "contacted", "reason": "x" * 301},
        {},
    ],
)
def test_bad_moves_are_form_errors_not_crashes(client, weaver, prospect, data):
    client.force_login(weaver)

    response = client.post(page_url(prospect), data)

    assert response.status_code == 400
    assert response.context["form"].errors
    assert StageChange.objects.filter(group=prospect).count() == 1


def test_the_email_link_appears_only_once_outreach_exists(client, weaver, prospect):
    client.force_login(weaver)

    page = client.get(page_url(prospect)).content.decode()

    try:
        outreach = reverse("members:outreach_new")
    except NoReverseMatch:
        assert "Email this group" not in page
    else:
        assert f'href="{outreach}?group=canal-boaters"' in page


def test_a_prospect_can_be_invited_from_its_page_and_an_aligned_group_cannot(
    client, weaver, prospect, group
):
    client.force_login(weaver)

    prospect_page = client.get(page_url(prospect)).content.decode()
    aligned_page = client.get(page_url(group)).content.decode()

    assert "Invite this group to join" not in aligned_page
    try:
        invite = reverse("members:group_invite", kwargs={"slug": prospect.slug})
    except NoReverseMatch:  # the invitation page is not built: no form pointing nowhere
        assert "Invite this group to join" not in prospect_page
    else:
        assert f'action="{invite}"' in prospect_page
        assert 'value="cora@example.org"' in prospect_page


def test_timeline_text_is_escaped(client, weaver, prospect):
    StageChange.objects.filter(group=prospect).update(reason="<b>Met</b> at the fair")
    client.force_login(weaver)

    page = client.get(page_url(prospect)).content.decode()

    assert "&lt;b&gt;Met&lt;/b&gt; at the fair" in page
    assert "<b>Met</b>" not in page

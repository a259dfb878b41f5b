"""The meeting pages: who sees which meeting and its notes, logging one, bad input."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from coalition.services import place_create
from members.models import RelationalMeeting
from members.services.relationships import MEETINGS_PER_HOUR, meeting_log
from tests.factories import GroupFactory, PersonFactory, add_member

pytestmark = pytest.mark.django_db

NOTES = "Talked about the incinerator and her kids' asthma."
FOLLOW_UP = "Send the clinic's contact by Friday."
MEETINGS = reverse("members:meetings")
NEW = reverse("members:meeting_new")
NEUTRAL = "We could not log a meeting with that address. Check it, or ask a weaver to log it."


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


@pytest.fixture
def other_group(place):
    return GroupFactory(name="Dockside Nurses", slug="dockside-nurses", place=place)


@pytest.fixture
def tenant(group):
    """A person of ``group``: one side of the meeting."""
    person = PersonFactory(name="Tara Tenant", email="tara@example.net")
    add_member(group, person)
    return person


@pytest.fixture
def nurse(other_group):
    """A person of another group: the other side."""
    person = PersonFactory(name="Nia Nurse", email="nia@example.net")
    add_member(other_group, person)
    return person


@pytest.fixture
def meeting(tenant, nurse):
    return meeting_log(
        person_a=tenant, person_b=nurse, met_on=days_ago(3), notes=NOTES, follow_up=FOLLOW_UP,
        by=tenant,
    )  # fmt: skip


def detail_url(meeting) -> str:
    return reverse("members:meeting_detail", args=[meeting.pk])


class TestMeetingDetailPrivacy:
    def test_anonymous_people_are_sent_to_log_in(self, client, meeting):
        response = client.get(detail_url(meeting))

        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")

    @pytest.mark.parametrize("who", ["outsider", "group_member", "group_admin", "steering_member"])
    def test_people_who_did_not_meet_get_404(self, client, meeting, request, who):
        """Even a member or the admin of one of the groups: the notes are the two people's."""
        client.force_login(request.getfixturevalue(who))

        response = client.get(detail_url(meeting))

        assert response.status_code == 404
        assert NOTES not in response.content.decode()

    @pytest.mark.parametrize("who", ["tenant", "nurse", "weaver"])
    def test_the_two_people_and_weavers_read_the_notes(self, client, meeting, request, who):
        client.force_login(request.getfixturevalue(who))

        response = client.get(detail_url(meeting))

        page = response.content.decode()
        assert response.status_code == 200
        assert "incinerator" in page and "Send the clinic" in page

    def test_a_steward_reads_the_notes(self, client, meeting, make_person):
        client.force_login(make_person("steward@example.net", roles=("steward",)))

        assert client.get(detail_url(meeting)).status_code == 200

    def test_a_meeting_that_does_not_exist_is_404_like_a_hidden_one(self, client, weaver):
        client.force_login(weaver)

        assert client.get(reverse("members:meeting_detail", args=[999999])).status_code == 404

    def test_a_participant_does_not_learn_the_other_persons_group(self, client, meeting, tenant):
        client.force_login(tenant)

        page = client.get(detail_url(meeting)).content.decode()

        assert "Riverside Tenants" in page
        assert "Dockside Nurses" not in page

    def test_a_weaver_sees_both_groups(self, client, meeting, weaver):
        client.force_login(weaver)

        page = client.get(detail_url(meeting)).content.decode()

        assert "Riverside Tenants" in page and "Dockside Nurses" in page


class TestMeetingPeopleNames:
    """Typing an address must not tell a member whose account it is."""

    def test_the_logger_sees_the_address_they_typed_not_the_name(self, client, tenant, nurse):
        client.force_login(tenant)

        response = client.post(
            NEW,
            {"other_email": nurse.email, "met_on": days_ago(2).isoformat(), "notes": NOTES},
            follow=True,
        )

        page = response.content.decode()
        assert "Nia Nurse" not in page
        assert "nia@example.net" in page and "Tara Tenant" in page
        assert "Nia Nurse" not in client.get(MEETINGS).content.decode()

    def test_the_other_person_sees_who_logged_the_meeting_by_name(self, client, meeting, nurse):
        client.force_login(nurse)

        detail = client.get(detail_url(meeting)).content.decode()
        listing = client.get(MEETINGS).content.decode()

        assert "Tara Tenant" in detail and "Nia Nurse" in detail
        assert "Tara Tenant" in listing

    def test_a_weaver_sees_both_names(self, client, meeting, weaver):
        client.force_login(weaver)

        detail = client.get(detail_url(meeting)).content.decode()
        listing = client.get(MEETINGS).content.decode()

        assert "Tara Tenant" in detail and "Nia Nurse" in detail
        assert "Tara Tenant" in listing and "Nia Nurse" in listing


class TestMeetingList:
    def test_anonymous_people_are_sent_to_log_in(self, client):
        response = client.get(MEETINGS)

        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={MEETINGS}"

    @pytest.mark.parametrize("who", ["outsider", "group_member", "group_admin", "steering_member"])
    def test_others_get_the_page_but_never_the_meeting(self, client, meeting, request, who):
        client.force_login(request.getfixturevalue(who))

        response = client.get(MEETINGS)

        page = response.content.decode()
        assert response.status_code == 200
        assert detail_url(meeting) not in page
        assert NOTES not in page and "Nia Nurse" not in page
        assert list(response.context["page"]) == []

    @pytest.mark.parametrize("who", ["tenant", "nurse"])
    def test_both_people_see_the_meeting_whoever_logged_it(self, client, meeting, request, who):
        client.force_login(request.getfixturevalue(who))

        response = client.get(MEETINGS)

        assert list(response.context["page"]) == [meeting]
        assert detail_url(meeting) in response.content.decode()

    def test_the_list_never_shows_notes_even_to_the_people_who_met(self, client, meeting, tenant):
        client.force_login(tenant)

        assert NOTES not in client.get(MEETINGS).content.decode()

    def test_a_weaver_sees_every_meeting(self, client, meeting, weaver, group_admin, outsider):
        other = meeting_log(
            person_a=group_admin, person_b=outsider, met_on=days_ago(1), notes="", follow_up="",
            by=group_admin,
        )  # fmt: skip
        client.force_login(weaver)

        assert list(client.get(MEETINGS).context["page"]) == [other, meeting]

    def test_a_weaver_narrows_to_a_place_where_either_group_is(self, client, weaver, place, tenant):
        elsewhere = place_create(name="Far Town", kind=3)
        district = place_create(name="Old Quay", kind=2, parent=elsewhere)
        far_group = GroupFactory(name="Far Group", place=district)
        far_person = PersonFactory()
        add_member(far_group, far_person)
        lonely = PersonFactory()
        reaching = meeting_log(
            person_a=tenant, person_b=far_person, met_on=days_ago(2), notes="", follow_up="",
            by=tenant,
        )  # fmt: skip
        meeting_log(
            person_a=tenant, person_b=lonely, met_on=days_ago(2), notes="", follow_up="", by=tenant
        )
        client.force_login(weaver)

        response = client.get(MEETINGS, {"place": elsewhere.pk})

        assert list(response.context["page"]) == [reaching]

    def test_a_weaver_narrows_to_a_date_range(self, client, weaver, tenant, nurse):
        old = meeting_log(
            person_a=tenant, person_b=nurse, met_on=days_ago(60), notes="", follow_up="", by=tenant
        )
        meeting_log(
            person_a=tenant, person_b=nurse, met_on=days_ago(5), notes="", follow_up="", by=tenant
        )
        client.force_login(weaver)

        response = client.get(
            MEETINGS, {"since": days_ago(90).isoformat(), "until": days_ago(30).isoformat()}
        )

        assert list(response.context["page"]) == [old]

    def test_a_range_that_ends_before_it_starts_is_explained(self, client, weaver):
        client.force_login(weaver)

        response = client.get(MEETINGS, {"since": "2024-05-01", "until": "2024-04-01"})

        assert response.status_code == 200
        assert "The end of the range is before its start." in response.content.decode()

    def test_a_malformed_date_or_page_is_not_an_error(self, client, weaver, meeting):
        client.force_login(weaver)

        response = client.get(MEETINGS, {"since": "yesterday", "page": "lots", "place": "x"})

        assert response.status_code == 200
        assert list(response.context["page"]) == [meeting]

    def test_the_list_is_paginated_keeping_the_filters(self, client, weaver, tenant, nurse):
        RelationalMeeting.objects.bulk_create(
            RelationalMeeting(person_a=tenant, person_b=nurse, met_on=days_ago(n % 30))
            for n in range(55)
        )
        client.force_login(weaver)

        response = client.get(MEETINGS, {"since": days_ago(40).isoformat()})

        assert len(response.context["page"]) == 50
        assert f"since={days_ago(40).isoformat()}&amp;page=2" in response.content.decode()

    def test_past_the_count_limit_the_list_says_more_than(
        self, client, weaver, tenant, nurse, monkeypatch
    ):
        monkeypatch.setattr("coalition.paging.COUNT_LIMIT", 60)
        RelationalMeeting.objects.bulk_create(
            RelationalMeeting(person_a=tenant, person_b=nurse, met_on=days_ago(n % 30))
            for n in range(75)
        )
        client.force_login(weaver)

        first = client.get(MEETINGS)
        second = client.get(MEETINGS, {"page": 2})

        assert "More than 60 meetings" in first.content.decode()
        assert "Page 1 of" not in first.content.decode()
        # The pages reach as far as was counted: 60 rows, the second page has 10.
        assert len(second.context["page"]) == 10


@pytest.mark.parametrize("size", [3, 40])
def test_the_weavers_list_uses_a_fixed_number_of_queries(
    client, weaver, place, size, django_assert_num_queries
):
    groups = [GroupFactory(place=place) for _ in range(4)]
    people = []
    for index in range(size + 1):
        person = PersonFactory()
        add_member(groups[index % 4], person)
        people.append(person)
    for index in range(size):
        meeting_log(
            person_a=people[index], person_b=people[index + 1], met_on=days_ago(index),
            notes="n", follow_up="f", by=people[index],
        )  # fmt: skip
    client.force_login(weaver)

    # session, user, roles, the chosen place, count, page, coalition, places for the filter
    with django_assert_num_queries(8):
        response = client.get(MEETINGS, {"place": place.pk})
    assert len(response.context["page"]) == size


@pytest.mark.parametrize("size", [3, 40])
def test_a_participants_list_uses_a_fixed_number_of_queries(
    client, tenant, size, django_assert_num_queries
):
    for _ in range(size):
        meeting_log(
            person_a=tenant, person_b=PersonFactory(), met_on=days_ago(1), notes="", follow_up="",
            by=tenant,
        )  # fmt: skip
    client.force_login(tenant)

    # session, user, roles, count, page, memberships, coalition
    with django_assert_num_queries(7):
        response = client.get(MEETINGS)
    assert len(response.context["page"]) == size


class TestLogAMeeting:
    def test_anonymous_people_are_sent_to_log_in(self, client):
        response = client.get(NEW)

        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={NEW}"

    @pytest.mark.parametrize(
        "who", ["outsider", "group_member", "group_admin", "steering_member", "weaver"]
    )
    def test_every_logged_in_person_may_log_a_meeting(self, client, request, who):
        client.force_login(request.getfixturevalue(who))

        assert client.get(NEW).status_code == 200

    def test_an_account_outside_the_network_cannot_log_a_meeting(self, client, make_person, nurse):
        client.force_login(make_person("lone@example.net", name="Lone Account"))

        page = client.get(NEW)
        response = client.post(
            NEW, {"other_email": nurse.email, "met_on": days_ago(1).isoformat(), "notes": "x"}
        )

        assert page.status_code == 403
        assert "Meetings are logged by people of the network" in page.content.decode()
        assert response.status_code == 403
        assert "Nia Nurse" not in response.content.decode()
        assert not RelationalMeeting.objects.exists()

    def test_a_member_gets_no_directory_of_people(self, client, group_member, nurse, outsider):
        client.force_login(group_member)

        page = client.get(NEW).content.decode()

        assert 'name="other_email"' in page
        assert nurse.email not in page and outsider.email not in page
        assert 'name="person_b"' not in page

    def test_a_member_logs_a_meeting_by_the_other_persons_address(
        self, client, tenant, nurse, group, other_group
    ):
        client.force_login(tenant)

        response = client.post(
            NEW,
            {"other_email": "  NIA@example.net ", "met_on": days_ago(2).isoformat(),
             "notes": NOTES, "follow_up": FOLLOW_UP},
        )  # fmt: skip

        meeting = RelationalMeeting.objects.get()
        assert response.status_code == 302
        assert response["Location"] == detail_url(meeting)
        assert (meeting.person_a, meeting.person_b) == (tenant, nurse)
        assert (meeting.group_a, meeting.group_b) == (group, other_group)
        assert (meeting.notes, meeting.follow_up, meeting.logged_by) == (NOTES, FOLLOW_UP, tenant)

    def test_a_member_of_several_groups_says_which_one_they_spoke_for(
        self, client, tenant, nurse, place
    ):
        second = GroupFactory(name="Cycling Club", place=place)
        add_member(second, tenant)
        client.force_login(tenant)

        page = client.get(NEW).content.decode()
        client.post(
            NEW,
            {"other_email": nurse.email, "group": second.pk, "met_on": days_ago(1).isoformat()},
        )

        assert "Cycling Club" in page
        assert RelationalMeeting.objects.get().group_a == second

    def test_a_member_cannot_claim_a_group_they_are_not_in(self, client, tenant, nurse, place):
        add_member(GroupFactory(name="Cycling Club", place=place), tenant)
        client.force_login(tenant)

        response = client.post(
            NEW,
            {"other_email": nurse.email, "group": nurse.memberships.get().group_id,
             "met_on": days_ago(1).isoformat()},
        )  # fmt: skip

        assert response.status_code == 400
        assert response.context["form"].errors["group"]
        assert not RelationalMeeting.objects.exists()

    def test_a_member_of_one_group_is_not_asked_which(self, client, tenant, group):
        client.force_login(tenant)

        page = client.get(NEW).content.decode()

        assert 'name="group"' not in page

    def test_an_unknown_address_gets_the_neutral_answer(self, client, tenant):
        client.force_login(tenant)

        response = client.post(
            NEW, {"other_email": "nobody@example.org", "met_on": days_ago(1).isoformat()}
        )

        assert response.status_code == 400
        assert response.context["form"].errors["other_email"] == [NEUTRAL]
        assert not RelationalMeeting.objects.exists()

    def test_an_inactive_account_gets_the_same_answer(self, client, tenant, nurse):
        nurse.is_active = False
        nurse.save()
        client.force_login(tenant)

        response = client.post(NEW, {"other_email": nurse.email, "met_on": days_ago(1).isoformat()})

        assert response.context["form"].errors["other_email"] == [NEUTRAL]
        assert not RelationalMeeting.objects.exists()

    def test_an_account_outside_the_network_gets_the_same_answer(self, client, tenant, make_person):
        make_person("lone@example.net", name="Lone Account")
        client.force_login(tenant)

        unknown = client.post(
            NEW, {"other_email": "nobody@example.org", "met_on": days_ago(1).isoformat()}
        )
        outside = client.post(
            NEW, {"other_email": "lone@example.net", "met_on": days_ago(1).isoformat()}
        )

        assert outside.status_code == unknown.status_code == 400
        assert outside.context["form"].errors == unknown.context["form"].errors
        assert "Lone Account" not in outside.content.decode()
        assert "No account" not in outside.content.decode()
        assert not RelationalMeeting.objects.exists()

    def test_a_member_may_try_30_addresses_an_hour(self, client, tenant, nurse):
        client.force_login(tenant)
        for number in range(MEETINGS_PER_HOUR):
            client.post(
                NEW,
                {"other_email": f"guess{number}@example.org", "met_on": days_ago(1).isoformat()},
            )

        response = client.post(NEW, {"other_email": nurse.email, "met_on": days_ago(1).isoformat()})

        assert response.status_code == 400
        assert "Please wait a little" in response.content.decode()
        assert not RelationalMeeting.objects.exists()

    def test_the_limit_is_per_person(self, client, tenant, nurse, group_member):
        client.force_login(group_member)
        for number in range(MEETINGS_PER_HOUR + 1):
            client.post(
                NEW,
                {"other_email": f"guess{number}@example.org", "met_on": days_ago(1).isoformat()},
            )
        client.force_login(tenant)

        response = client.post(NEW, {"other_email": nurse.email, "met_on": days_ago(1).isoformat()})

        assert response.status_code == 302
        assert RelationalMeeting.objects.count() == 1

    def test_meeting_yourself_is_refused(self, client, tenant):
        client.force_login(tenant)

        response = client.post(
            NEW, {"other_email": tenant.email, "met_on": days_ago(1).isoformat()}
        )

        assert response.status_code == 400
        assert response.context["form"].errors["other_email"] == [
            "A relational meeting is between two different people."
        ]
        assert not RelationalMeeting.objects.exists()

    def test_a_date_in_the_future_is_refused(self, client, tenant, nurse):
        client.force_login(tenant)

        response = client.post(
            NEW, {"other_email": nurse.email, "met_on": days_ago(-1).isoformat()}
        )

        assert response.status_code == 400
        assert response.context["form"].errors["met_on"] == ["The date cannot be in the future."]
        assert not RelationalMeeting.objects.exists()

    @pytest.mark.parametrize(("field", "size"), [("notes", 10_001), ("follow_up", 2_001)])
    def test_oversized_text_is_refused(self, client, tenant, nurse, field, size):
        client.force_login(tenant)

        response = client.post(
            NEW,
            {"other_email": nurse.email, "met_on": days_ago(1).isoformat(), field: "x" * size},
        )

        assert response.status_code == 400
        assert response.context["form"].errors[field]
        assert not RelationalMeeting.objects.exists()

    def test_missing_and_malformed_fields_are_explained(self, client, tenant):
        client.force_login(tenant)

        response = client.post(NEW, {"other_email": "not an address", "met_on": "soon"})

        errors = response.context["form"].errors
        assert response.status_code == 400
        assert errors["other_email"] and errors["met_on"]

    def test_a_weaver_picks_both_people_and_their_groups(
        self, client, weaver, tenant, nurse, group, other_group
    ):
        client.force_login(weaver)

        page = client.get(NEW).content.decode()
        response = client.post(
            NEW,
            {"person_a": tenant.pk, "person_b": nurse.pk, "group_b": other_group.pk,
             "met_on": days_ago(4).isoformat(), "notes": NOTES},
        )  # fmt: skip

        meeting = RelationalMeeting.objects.get()
        assert 'name="person_a"' in page and nurse.email in page
        assert response.status_code == 302
        assert (meeting.group_a, meeting.group_b, meeting.logged_by) == (group, other_group, weaver)

    def test_a_weaver_narrows_the_people_with_a_search(self, client, weaver, tenant, nurse):
        client.force_login(weaver)

        response = client.get(NEW, {"people": "nia"})

        page = response.content.decode()
        assert nurse.email in page
        assert tenant.email not in page
        assert weaver.email in page  # the weaver stays chosen as the first person

    def test_a_weaver_may_choose_someone_outside_the_listed_people(
        self, client, weaver, tenant, nurse
    ):
        client.force_login(weaver)

        response = client.post(
            NEW + "?people=zzz",
            {"person_a": tenant.pk, "person_b": nurse.pk, "met_on": days_ago(1).isoformat()},
        )

        assert response.status_code == 302

    def test_a_weaver_cannot_log_the_same_person_twice(self, client, weaver, tenant):
        client.force_login(weaver)

        response = client.post(
            NEW, {"person_a": tenant.pk, "person_b": tenant.pk, "met_on": days_ago(1).isoformat()}
        )

        assert response.status_code == 400
        assert response.context["form"].errors["person_b"]

    def test_a_weaver_choosing_nobody_real_gets_an_error(self, client, weaver, tenant):
        client.force_login(weaver)

        response = client.post(
            NEW, {"person_a": tenant.pk, "person_b": 999999, "met_on": days_ago(1).isoformat()}
        )

        assert response.status_code == 400
        assert response.context["form"].errors["person_b"]

    @pytest.mark.parametrize("value", ["²", "9" * 30, str(2**63), "-" + "9" * 30, "x"])
    @pytest.mark.parametrize("field", ["person_a", "person_b", "group_a", "group_b"])
    def test_a_weaver_posting_an_id_no_database_holds_gets_a_field_error(
        self, client, weaver, tenant, nurse, field, value
    ):
        client.force_login(weaver)
        data = {"person_a": tenant.pk, "person_b": nurse.pk, "met_on": days_ago(1).isoformat()}

        response = client.post(NEW, {**data, field: value})

        assert response.status_code == 400
        assert response.context["form"].errors[field]
        assert not RelationalMeeting.objects.exists()

    @pytest.mark.parametrize("value", ["²", "9" * 30])
    def test_a_member_naming_a_group_no_database_holds_gets_a_field_error(
        self, client, tenant, nurse, place, value
    ):
        add_member(GroupFactory(name="Cycling Club", place=place), tenant)
        client.force_login(tenant)

        response = client.post(
            NEW, {"other_email": nurse.email, "group": value, "met_on": days_ago(1).isoformat()}
        )

        assert response.status_code == 400
        assert response.context["form"].errors["group"]

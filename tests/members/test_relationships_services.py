"""Rules of relational meetings, the leadership ladder, skills and trainings."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from coalition.errors import RuleBroken
from members.models import LadderLevel, RelationalMeeting, Skill, Training
from members.services import relationships as services
from tests.factories import GroupFactory, PersonFactory, add_member

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def days_ago(days: int) -> datetime.date:
    return TODAY() - datetime.timedelta(days=days)


def log(**overrides) -> RelationalMeeting:
    values = {"met_on": days_ago(1), "notes": "We talked.", "follow_up": ""}
    values.update(overrides)
    return services.meeting_log(**values)


@pytest.fixture
def other_group(place):
    return GroupFactory(name="Dockside Nurses", slug="dockside-nurses", place=place)


@pytest.fixture
def nurse(other_group):
    person = PersonFactory(name="Nia Nurse")
    add_member(other_group, person)
    return person


class TestMeetingLog:
    def test_one_of_the_two_people_logs_a_meeting_with_their_groups(
        self, group_member, nurse, group, other_group
    ):
        meeting = log(person_a=group_member, person_b=nurse, by=group_member)

        assert (meeting.group_a, meeting.group_b) == (group, other_group)
        assert meeting.logged_by == group_member

    def test_a_meeting_needs_two_different_people(self, group_member):
        with pytest.raises(RuleBroken) as broken:
            log(person_a=group_member, person_b=group_member, by=group_member)

        assert broken.value.field == "person_b"
        assert RelationalMeeting.objects.count() == 0

    def test_a_meeting_cannot_be_dated_in_the_future(self, group_member, nurse):
        with pytest.raises(RuleBroken) as broken:
            log(person_a=group_member, person_b=nurse, by=group_member, met_on=days_ago(-1))

        assert broken.value.field == "met_on"

    def test_a_meeting_today_is_fine(self, group_member, nurse):
        assert log(person_a=group_member, person_b=nurse, by=group_member, met_on=TODAY())

    @pytest.mark.parametrize(
        ("field", "limit"), [("notes", services.NOTES_MAX), ("follow_up", services.FOLLOW_UP_MAX)]
    )
    def test_oversized_text_is_refused(self, group_member, nurse, field, limit):
        with pytest.raises(RuleBroken) as broken:
            log(
                person_a=group_member, person_b=nurse, by=group_member, **{field: "x" * (limit + 1)}
            )

        assert broken.value.field == field
        assert "too long" in broken.value.message

    def test_someone_who_was_not_there_cannot_log_it(self, group_member, nurse, group_admin):
        with pytest.raises(RuleBroken):
            log(person_a=group_member, person_b=nurse, by=group_admin)

        assert RelationalMeeting.objects.count() == 0

    def test_a_steering_member_who_was_not_there_cannot_log_it(
        self, group_member, nurse, steering_member
    ):
        with pytest.raises(RuleBroken):
            log(person_a=group_member, person_b=nurse, by=steering_member)

    def test_a_weaver_may_log_a_meeting_between_two_other_people(self, group_member, nurse, weaver):
        meeting = log(person_a=group_member, person_b=nurse, by=weaver)

        assert meeting.logged_by == weaver

    def test_a_person_in_no_group_speaks_for_no_group(self, weaver, nurse, other_group):
        meeting = log(person_a=weaver, person_b=nurse, by=weaver)

        assert meeting.group_a is None
        assert meeting.group_b == other_group

    def test_a_person_in_several_groups_is_not_guessed(self, group_member, nurse, other_group):
        add_member(GroupFactory(name="Second Group"), group_member)

        meeting = log(person_a=group_member, person_b=nurse, by=group_member)

        assert meeting.group_a is None

    def test_a_person_in_several_groups_can_say_which_one(
        self, group_member, nurse, other_group, place
    ):
        second = GroupFactory(name="Second Group", place=place)
        add_member(second, group_member)

        meeting = log(person_a=group_member, person_b=nurse, by=group_member, group_a=second)

        assert meeting.group_a == second

    def test_a_person_cannot_speak_for_a_group_they_are_not_in(
        self, group_member, nurse, other_group
    ):
        with pytest.raises(RuleBroken) as broken:
            log(person_a=group_member, person_b=nurse, by=group_member, group_a=other_group)

        assert broken.value.field == "group_a"

    def test_logging_remembers_contact_with_both_groups(
        self, group_member, nurse, group, other_group
    ):
        log(person_a=group_member, person_b=nurse, by=group_member)

        group.refresh_from_db()
        other_group.refresh_from_db()
        assert group.last_contact_at is not None
        assert other_group.last_contact_at is not None


class TestLadder:
    @pytest.fixture
    def ladder(self, db):
        services.ladder_defaults_ensure()
        return list(LadderLevel.objects.order_by("rank"))

    def test_the_default_ladder_has_four_levels_two_of_them_leaders(self, ladder):
        assert [level.name for level in ladder] == ["Supporter", "Volunteer", "Leader", "Organiser"]
        assert [level.counts_as_leader for level in ladder] == [False, False, True, True]

    def test_the_defaults_are_not_added_again_once_levels_exist(self, ladder):
        LadderLevel.objects.filter(name="Volunteer").update(name="Helper")

        assert services.ladder_defaults_ensure() is False
        assert LadderLevel.objects.count() == 4

    def test_a_coalition_with_its_own_ladder_never_gets_the_defaults(self, db):
        LadderLevel.objects.create(name="Friend", rank=1)

        assert services.ladder_defaults_ensure() is False
        assert list(LadderLevel.objects.values_list("name", flat=True)) == ["Friend"]

    def test_the_current_level_is_the_latest_step_by_date_whatever_the_order_recorded(
        self, ladder, group_member, weaver
    ):
        supporter, volunteer, leader, _ = ladder
        services.ladder_step_record(person=group_member, level=leader, at=days_ago(10), by=weaver)
        services.ladder_step_record(
            person=group_member, level=supporter, at=days_ago(300), by=weaver
        )
        services.ladder_step_record(
            person=group_member, level=volunteer, at=days_ago(100), by=weaver
        )

        group_member.refresh_from_db()
        assert group_member.ladder_level == leader
        assert group_member.ladder_steps.count() == 3

    def test_a_later_dated_step_down_the_ladder_is_the_current_level(
        self, ladder, group_member, weaver
    ):
        supporter, _, leader, _ = ladder
        services.ladder_step_record(person=group_member, level=leader, at=days_ago(50), by=weaver)
        services.ladder_step_record(person=group_member, level=supporter, at=days_ago(5), by=weaver)

        group_member.refresh_from_db()
        assert group_member.ladder_level == supporter

    def test_on_the_same_day_the_step_recorded_last_wins(self, ladder, group_member, weaver):
        _, volunteer, leader, _ = ladder
        services.ladder_step_record(person=group_member, level=leader, at=days_ago(3), by=weaver)
        step = services.ladder_step_record(
            person=group_member, level=volunteer, at=days_ago(3), by=weaver
        )

        group_member.refresh_from_db()
        assert group_member.ladder_level == volunteer == step.level

    def test_a_step_is_dated_today_by_default(self, ladder, group_member, weaver):
        step = services.ladder_step_record(person=group_member, level=ladder[0], by=weaver)

        assert step.at == TODAY()
        assert step.recorded_by == weaver

    def test_a_step_cannot_be_dated_in_the_future(self, ladder, group_member, weaver):
        with pytest.raises(RuleBroken) as broken:
            services.ladder_step_record(
                person=group_member, level=ladder[0], at=days_ago(-2), by=weaver
            )

        assert broken.value.field == "at"

    def test_an_oversized_step_note_is_refused(self, ladder, group_member, weaver):
        with pytest.raises(RuleBroken):
            services.ladder_step_record(
                person=group_member, level=ladder[0], by=weaver, note="x" * 301
            )

    def test_a_new_level_goes_to_the_top(self, ladder):
        level = services.ladder_level_create(name="Coordinator", counts_as_leader=True)

        assert level.rank > ladder[-1].rank

    def test_two_levels_cannot_share_a_name(self, ladder):
        with pytest.raises(RuleBroken) as broken:
            services.ladder_level_create(name="  leader ")

        assert broken.value.field == "name"

    def test_a_level_can_be_renamed_and_stop_counting_as_leader(self, ladder):
        leader = ladder[2]

        services.ladder_level_update(level=leader, name="Team lead", counts_as_leader=False)

        leader.refresh_from_db()
        assert (leader.name, leader.counts_as_leader) == ("Team lead", False)

    def test_renaming_a_level_to_another_levels_name_is_refused(self, ladder):
        with pytest.raises(RuleBroken):
            services.ladder_level_update(level=ladder[0], name="Volunteer", counts_as_leader=False)

    def test_moving_a_level_up_swaps_it_with_the_one_above(self, ladder):
        supporter = ladder[0]

        services.ladder_level_move(level=supporter, up=True)

        names = list(LadderLevel.objects.order_by("rank").values_list("name", flat=True))
        assert names == ["Volunteer", "Supporter", "Leader", "Organiser"]

    def test_moving_the_top_level_up_changes_nothing(self, ladder):
        services.ladder_level_move(level=ladder[-1], up=True)
        services.ladder_level_move(level=ladder[0], up=False)

        names = list(LadderLevel.objects.order_by("rank").values_list("name", flat=True))
        assert names == ["Supporter", "Volunteer", "Leader", "Organiser"]


class TestSkillsAndTrainings:
    def test_a_persons_skills_are_replaced(self, group_member):
        first, second, third = (services.skill_create(name=n) for n in ("Press", "Maps", "Food"))
        services.person_skills_set(person=group_member, skills=[first, second])

        services.person_skills_set(person=group_member, skills=[third])

        assert list(group_member.skills.all()) == [third]

    def test_a_skill_name_is_unique_ignoring_case(self, db):
        services.skill_create(name="Facilitation")

        with pytest.raises(RuleBroken):
            services.skill_create(name="facilitation")
        assert Skill.objects.count() == 1

    def test_attending_a_training_twice_records_it_once(self, group_member):
        training = services.training_create(name="Story of self", held_on=days_ago(7))

        services.training_attend(training=training, person=group_member)
        services.training_attend(training=training, person=group_member)

        assert list(group_member.trainings.all()) == [training]

    def test_nobody_attends_a_training_that_has_not_happened(self, group_member):
        training = services.training_create(name="Next month", held_on=days_ago(-30))

        with pytest.raises(RuleBroken):
            services.training_attend(training=training, person=group_member)

    def test_a_training_keeps_the_skills_it_teaches(self, db):
        maps = services.skill_create(name="Maps")

        training = services.training_create(name="Sensors", held_on=days_ago(1), skills=[maps])

        assert list(Training.objects.get(pk=training.pk).skills.all()) == [maps]

    def test_a_training_needs_a_name(self, db):
        with pytest.raises(RuleBroken):
            services.training_create(name="  ", held_on=days_ago(1))

"""The weavers' pages on leaders: a person's ladder and skills, and the ladder itself."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from members.models import LadderLevel, LadderStep, Skill, Training
from members.services import relationships as services
from tests.factories import GroupFactory, PersonFactory, add_member

pytestmark = pytest.mark.django_db

LADDER = reverse("members:weave_ladder")
FORBIDDEN = ["outsider", "group_member", "group_admin", "steering_member"]


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def person_url(person) -> str:
    return reverse("members:weave_person", args=[person.pk])


@pytest.fixture
def ladder(db):
    services.ladder_defaults_ensure()
    return {level.name: level for level in LadderLevel.objects.all()}


@pytest.fixture
def steward(make_person):
    return make_person("steward@example.net", name="Stevie Steward", roles=("steward",))


class TestPermissions:
    @pytest.mark.parametrize("page", ["person", "ladder"])
    def test_anonymous_people_are_sent_to_log_in(self, client, group_member, page):
        url = person_url(group_member) if page == "person" else LADDER

        response = client.get(url)

        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={url}"

    @pytest.mark.parametrize("page", ["person", "ladder"])
    @pytest.mark.parametrize("who", FORBIDDEN)
    def test_people_without_the_weave_role_get_403(self, client, group_member, request, who, page):
        client.force_login(request.getfixturevalue(who))
        url = person_url(group_member) if page == "person" else LADDER

        assert client.get(url).status_code == 403
        assert (
            client.post(url, {"form": "skill_new", "skill_new-name": "Spying"}).status_code == 403
        )
        assert not Skill.objects.exists()

    @pytest.mark.parametrize("page", ["person", "ladder"])
    @pytest.mark.parametrize("who", ["weaver", "steward"])
    def test_weavers_and_stewards_get_the_page(self, client, group_member, request, who, page):
        client.force_login(request.getfixturevalue(who))
        url = person_url(group_member) if page == "person" else LADDER

        assert client.get(url).status_code == 200

    def test_a_person_who_does_not_exist_is_404(self, client, weaver):
        client.force_login(weaver)

        assert client.get(reverse("members:weave_person", args=[999999])).status_code == 404


class TestPersonPage:
    def test_it_shows_the_history_groups_skills_trainings_and_meetings(
        self, client, weaver, group_member, group, ladder, nurse_meeting
    ):
        services.ladder_step_record(
            person=group_member, level=ladder["Volunteer"], at=days_ago(40), by=weaver,
            note="Ran the stall",
        )  # fmt: skip
        services.person_skills_set(person=group_member, skills=[services.skill_create(name="Maps")])
        training = services.training_create(name="Story of self", held_on=days_ago(20))
        services.training_attend(training=training, person=group_member)
        client.force_login(weaver)

        page = client.get(person_url(group_member)).content.decode()

        assert "Ran the stall" in page and "Volunteer" in page
        assert group.name in page
        assert "Maps" in page and "Story of self" in page
        assert reverse("members:meeting_detail", args=[nurse_meeting.pk]) in page
        assert "Call back" in page

    def test_a_weaver_records_a_step(self, client, weaver, group_member, ladder):
        client.force_login(weaver)

        response = client.post(
            person_url(group_member),
            {"form": "step", "step-level": ladder["Leader"].pk, "step-at": days_ago(2).isoformat(),
             "step-note": "Led the march"},
        )  # fmt: skip

        group_member.refresh_from_db()
        assert response.status_code == 302
        assert group_member.ladder_level == ladder["Leader"]
        assert LadderStep.objects.get().recorded_by == weaver

    def test_a_step_in_the_future_is_refused(self, client, weaver, group_member, ladder):
        client.force_login(weaver)

        response = client.post(
            person_url(group_member),
            {"form": "step", "step-level": ladder["Leader"].pk,
             "step-at": days_ago(-3).isoformat()},
        )  # fmt: skip

        assert response.status_code == 400
        assert response.context["forms"]["step"].errors["at"] == [
            "The date cannot be in the future."
        ]
        assert not LadderStep.objects.exists()

    def test_an_unknown_level_or_oversized_note_is_refused(
        self, client, weaver, group_member, ladder
    ):
        client.force_login(weaver)

        response = client.post(
            person_url(group_member),
            {"form": "step", "step-level": 999999, "step-at": days_ago(1).isoformat(),
             "step-note": "x" * 301},
        )  # fmt: skip

        errors = response.context["forms"]["step"].errors
        assert response.status_code == 400
        assert errors["level"] and errors["note"]
        assert not LadderStep.objects.exists()

    def test_a_weaver_sets_the_skills(self, client, weaver, group_member):
        maps, press = services.skill_create(name="Maps"), services.skill_create(name="Press")
        client.force_login(weaver)

        response = client.post(
            person_url(group_member), {"form": "skills", "skills-skills": [maps.pk, press.pk]}
        )

        assert response.status_code == 302
        assert set(group_member.skills.all()) == {maps, press}

    def test_a_weaver_records_attendance_at_a_training(self, client, weaver, group_member):
        training = services.training_create(name="Story of self", held_on=days_ago(20))
        client.force_login(weaver)

        response = client.post(
            person_url(group_member), {"form": "training", "training-training": training.pk}
        )

        assert response.status_code == 302
        assert list(group_member.trainings.all()) == [training]

    def test_a_training_still_to_come_cannot_be_attended(self, client, weaver, group_member):
        training = services.training_create(name="Next month", held_on=days_ago(-30))
        client.force_login(weaver)

        response = client.post(
            person_url(group_member), {"form": "training", "training-training": training.pk}
        )

        assert response.status_code == 400
        assert response.context["forms"]["training"].errors["training"]

    def test_an_unknown_form_is_a_bad_request(self, client, weaver, group_member):
        client.force_login(weaver)

        assert client.post(person_url(group_member), {"form": "nope"}).status_code == 400


@pytest.fixture
def nurse_meeting(group_member, place):
    nurses = GroupFactory(name="Dockside Nurses", place=place)
    nurse = PersonFactory()
    add_member(nurses, nurse)
    return services.meeting_log(
        person_a=group_member, person_b=nurse, met_on=days_ago(3), notes="The dock fumes",
        follow_up="Call back", by=group_member,
    )  # fmt: skip


class TestLadderPage:
    def test_an_empty_ladder_gets_the_default_levels(self, client, weaver):
        client.force_login(weaver)

        page = client.get(LADDER).content.decode()

        assert list(LadderLevel.objects.values_list("name", flat=True)) == [
            "Supporter", "Volunteer", "Leader", "Organiser",
        ]  # fmt: skip
        assert "Organiser" in page

    def test_it_counts_people_per_level_leaders_new_leaders_and_skills(
        self, client, weaver, ladder
    ):
        maps = services.skill_create(name="Maps")
        veteran, newcomer, helper = PersonFactory(), PersonFactory(), PersonFactory()
        services.ladder_step_record(
            person=veteran, level=ladder["Leader"], at=days_ago(400), by=weaver
        )
        services.ladder_step_record(
            person=veteran, level=ladder["Organiser"], at=days_ago(10), by=weaver
        )
        services.ladder_step_record(
            person=newcomer, level=ladder["Volunteer"], at=days_ago(200), by=weaver
        )
        services.ladder_step_record(
            person=newcomer, level=ladder["Leader"], at=days_ago(20), by=weaver
        )
        services.ladder_step_record(
            person=helper, level=ladder["Volunteer"], at=days_ago(5), by=weaver
        )
        services.person_skills_set(person=newcomer, skills=[maps])
        services.person_skills_set(person=helper, skills=[maps])
        client.force_login(weaver)

        overview = client.get(LADDER).context["overview"]

        counts = {level.name: level.people_count for level in overview.levels}
        assert counts == {"Supporter": 0, "Volunteer": 1, "Leader": 1, "Organiser": 1}
        assert overview.leaders_total == 2
        # The veteran has been a leader for over a year: only the newcomer is new.
        assert overview.new_leaders == [newcomer] and overview.new_leaders_total == 1
        assert [(s.name, s.people_count, s.leaders_count) for s in overview.skills] == [
            ("Maps", 2, 1)
        ]  # fmt: skip

    def test_a_weaver_adds_a_level(self, client, weaver, ladder):
        client.force_login(weaver)

        response = client.post(
            LADDER,
            {"form": "level_new", "level_new-name": "Trainer", "level_new-counts_as_leader": "on"},
        )

        level = LadderLevel.objects.get(name="Trainer")
        assert response.status_code == 302
        assert level.counts_as_leader and level.rank == 5

    def test_a_duplicate_level_name_is_explained(self, client, weaver, ladder):
        client.force_login(weaver)

        response = client.post(LADDER, {"form": "level_new", "level_new-name": "leader"})

        assert response.status_code == 400
        assert "There is already a level called leader." in response.content.decode()
        assert LadderLevel.objects.count() == 4

    def test_an_oversized_level_name_is_refused(self, client, weaver, ladder):
        client.force_login(weaver)

        response = client.post(LADDER, {"form": "level_new", "level_new-name": "x" * 61})

        assert response.status_code == 400
        assert response.context["forms"]["level_new"].errors["name"]

    def test_a_weaver_renames_a_level(self, client, weaver, ladder):
        client.force_login(weaver)

        response = client.post(
            LADDER, {"form": "level_edit", "level": ladder["Supporter"].pk, "name": "Friend"}
        )

        assert response.status_code == 302
        assert LadderLevel.objects.filter(name="Friend", counts_as_leader=False).exists()

    def test_renaming_to_a_taken_name_shows_the_reason(self, client, weaver, ladder):
        client.force_login(weaver)

        response = client.post(
            LADDER, {"form": "level_edit", "level": ladder["Supporter"].pk, "name": "Leader"}
        )

        assert response.status_code == 400
        assert "There is already a level called Leader." in response.content.decode()

    def test_editing_a_level_that_does_not_exist_is_explained(self, client, weaver, ladder):
        client.force_login(weaver)

        response = client.post(LADDER, {"form": "level_edit", "level": 999999, "name": "Ghost"})

        assert response.status_code == 400
        assert not LadderLevel.objects.filter(name="Ghost").exists()

    def test_a_weaver_reorders_the_levels(self, client, weaver, ladder):
        client.force_login(weaver)

        response = client.post(
            LADDER, {"form": "level_move", "level": ladder["Leader"].pk, "direction": "down"}
        )

        assert response.status_code == 302
        assert list(LadderLevel.objects.values_list("name", flat=True)) == [
            "Supporter", "Leader", "Volunteer", "Organiser",
        ]  # fmt: skip

    def test_a_weaver_adds_a_skill_and_a_training(self, client, weaver, ladder):
        client.force_login(weaver)

        client.post(LADDER, {"form": "skill_new", "skill_new-name": "Press work"})
        skill = Skill.objects.get()
        response = client.post(
            LADDER,
            {"form": "training_new", "training_new-name": "Talking to reporters",
             "training_new-held_on": days_ago(3).isoformat(), "training_new-skills": [skill.pk]},
        )  # fmt: skip

        assert response.status_code == 302
        assert list(Training.objects.get().skills.all()) == [skill]

    def test_a_training_with_a_bad_date_is_refused(self, client, weaver, ladder):
        client.force_login(weaver)

        response = client.post(
            LADDER, {"form": "training_new", "training_new-name": "Hm", "training_new-held_on": "?"}
        )

        assert response.status_code == 400
        assert response.context["forms"]["training_new"].errors["held_on"]
        assert not Training.objects.exists()

    def test_an_unknown_form_is_a_bad_request(self, client, weaver):
        client.force_login(weaver)

        assert client.post(LADDER, {"form": "drop_tables"}).status_code == 400


@pytest.mark.parametrize("size", [3, 40])
def test_the_ladder_page_uses_a_fixed_number_of_queries(
    client, weaver, ladder, size, django_assert_num_queries
):
    levels = list(ladder.values())
    skills = [services.skill_create(name=f"Skill {n}") for n in range(size)]
    for index in range(size):
        person = PersonFactory()
        services.ladder_step_record(
            person=person, level=levels[index % 4], at=days_ago(index), by=weaver
        )
        services.person_skills_set(person=person, skills=skills[: index % 5])
        training = services.training_create(name=f"Training {index}", held_on=days_ago(index))
        services.training_attend(training=training, person=person)
    client.force_login(weaver)

    # session, user, roles, levels exist?, skills for the form, levels with counts,
    # new leaders with their count, skills with counts, trainings, coalition
    with django_assert_num_queries(10):
        response = client.get(LADDER)
    assert response.status_code == 200
    shown = response.context["overview"]
    assert shown.new_leaders_total == len(shown.new_leaders) > 0


@pytest.mark.parametrize("size", [3, 40])
def test_the_person_page_uses_a_fixed_number_of_queries(
    client, weaver, ladder, group_member, size, django_assert_num_queries
):
    levels = list(ladder.values())
    for index in range(size):
        services.ladder_step_record(
            person=group_member, level=levels[index % 4], at=days_ago(index), by=weaver
        )
        other = PersonFactory()
        add_member(GroupFactory(), other)
        services.meeting_log(
            person_a=group_member, person_b=other, met_on=days_ago(index), notes="n",
            follow_up="f", by=weaver,
        )  # fmt: skip
        training = services.training_create(name=f"Training {index}", held_on=days_ago(index))
        services.training_attend(training=training, person=group_member)
        services.skill_create(name=f"Skill {index}")
    services.person_skills_set(person=group_member, skills=list(Skill.objects.all()))
    client.force_login(weaver)

    with django_assert_num_queries(14):
        response = client.get(person_url(group_member))
    assert response.status_code == 200


def test_the_new_leaders_count_covers_those_not_shown(client, weaver, ladder, monkeypatch):
    monkeypatch.setattr("members.selectors_relationships.NEW_LEADERS_SHOWN", 2)
    for index in range(3):
        services.ladder_step_record(
            person=PersonFactory(), level=ladder["Leader"], at=days_ago(index + 1), by=weaver
        )
    client.force_login(weaver)

    overview = client.get(LADDER).context["overview"]

    assert len(overview.new_leaders) == 2 and overview.new_leaders_total == 3

"""Group.has_tie follows every way a tie between groups is made or broken."""

from datetime import date

import pytest

from actions.models import Action, Amplification
from members.models import Group, RelationalMeeting, Stage
from members.services.ties import group_ties_refresh
from members.ties import tied_groups_q
from tests.factories import GroupFactory, PersonFactory, make_action

pytestmark = pytest.mark.django_db


def meet(group_a, group_b, person_a=None):
    return RelationalMeeting.objects.create(
        person_a=person_a or PersonFactory(), person_b=PersonFactory(), group_a=group_a,
        group_b=group_b, met_on=date(2025, 3, 1),
    )  # fmt: skip


def tied() -> set[str]:
    stored = set(Group.objects.filter(has_tie=True).values_list("name", flat=True))
    # The stored flag always says what the registry says.
    assert stored == set(Group.objects.filter(tied_groups_q()).values_list("name", flat=True))
    return stored


@pytest.fixture
def groups(db):
    names = ["Harbour", "Hill", "Docks"]
    return {name: GroupFactory(name=name, stage=Stage.ALIGNED) for name in names}


def test_a_meeting_between_two_groups_ties_both_and_others_do_not(groups):
    meet(groups["Harbour"], groups["Hill"])
    meet(groups["Docks"], groups["Docks"])
    meet(groups["Docks"], None)

    assert tied() == {"Harbour", "Hill"}


def test_erasing_the_person_who_met_unties_the_groups(groups):
    person = PersonFactory()
    meet(groups["Harbour"], groups["Hill"], person_a=person)

    person.delete()

    assert tied() == set()


def test_a_meeting_moved_to_other_groups_unties_the_first_ones(groups):
    meeting = meet(groups["Harbour"], groups["Hill"])

    meeting.group_b = groups["Docks"]
    meeting.save()

    assert tied() == {"Harbour", "Docks"}


def test_deleting_a_group_unties_its_only_partner(groups):
    meet(groups["Harbour"], groups["Hill"])
    meet(groups["Hill"], groups["Docks"])

    groups["Hill"].delete()

    assert tied() == set()


def test_cohosting_ties_and_withdrawing_or_deleting_the_action_unties(groups):
    march = make_action(groups["Harbour"])
    cohost = Amplification.objects.create(action=march, group=groups["Hill"], kind="cohost")
    Amplification.objects.create(action=march, group=groups["Docks"], kind="endorse")
    assert tied() == {"Harbour", "Hill"}

    cohost.delete()
    assert tied() == set()

    Amplification.objects.create(action=march, group=groups["Docks"], kind="cohost")
    assert tied() == {"Harbour", "Docks"}
    Action.objects.filter(pk=march.pk).delete()
    assert tied() == set()


def test_a_full_refresh_repairs_a_flag_written_around_it(groups):
    meet(groups["Harbour"], groups["Hill"])
    Group.objects.update(has_tie=False)

    assert group_ties_refresh() == 2
    assert tied() == {"Harbour", "Hill"}

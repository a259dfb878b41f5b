"""Demo relationships and leaders: the ladder, skills, trainings, people and their 1-1 meetings.

Called by ``members.demo.seed()`` after the demo groups exist. Every name and
address is invented. Running it again changes nothing: each record is looked
up by what makes it unique before it is created, never by a date relative to
today.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from members.models import (
    Group,
    LadderLevel,
    LadderStep,
    Membership,
    MembershipRole,
    RelationalMeeting,
    Skill,
    Stage,
    Training,
)
from members.services.relationships import (
    ladder_defaults_ensure,
    ladder_step_record,
    meeting_log,
    person_skills_set,
    training_attend,
    training_create,
)

DEMO_SKILLS = [
    "Facilitating meetings",
    "One-to-one conversations",
    "Talking to the press",
    "Door knocking",
    "Reading air quality data",
    "Fundraising",
]

# (name, days ago, skills it teaches)
DEMO_TRAININGS = [
    ("Relational meetings, the basics", 150, ["One-to-one conversations"]),
    ("Running a good meeting", 75, ["Facilitating meetings"]),
    ("Sensors and maps workshop", 20, ["Reading air quality data"]),
]

# (email, name, index of the signed demo group they join, ladder steps as
# (level index from the bottom, days ago), skills, trainings attended)
DEMO_PEOPLE = [
    ("ines.okafor@example.org", "Ines Okafor", 0, [(0, 400), (1, 200), (2, 40)],
     ["Facilitating meetings", "One-to-one conversations"], [0, 1]),
    ("tomasz.brandt@example.org", "Tomasz Brandt", 1, [(0, 300), (1, 60)],
     ["Door knocking"], [0]),
    ("amara.lindqvist@example.org", "Amara Lindqvist", 2, [(1, 500), (2, 250), (3, 30)],
     ["Talking to the press", "Fundraising"], [1, 2]),
    ("felix.moreau@example.org", "Felix Moreau", 3, [(0, 90)],
     ["Reading air quality data"], [2]),
    ("yara.haddad@example.org", "Yara Haddad", 4, [(0, 250), (2, 15)],
     ["One-to-one conversations", "Door knocking"], [0, 2]),
]  # fmt: skip

# (person index or an email, person index or an email, days ago, notes, follow-up)
DEMO_MEETINGS = [
    ("weaver@example.org", 0, 120, "Why the tenants union cares about the bus depot fumes.",
     "Introduce Ines to the clinic collective."),
    (0, 2, 100, "Shared asthma stories from the tenants and the clinic's patients.",
     "Plan a joint listening session."),
    ("weaver@example.org", 1, 80, "What the parents want from the school run campaign.",
     "Send the sensors workshop dates."),
    (1, 3, 45, "Feeding volunteers at the school gate action.", ""),
    (2, 4, 30, "Cyclists and nurses on safer, cleaner routes to the hospital.",
     "Ride to the hospital together in spring."),
    ("group-admin@example.org", 4, 12, "How the cyclists could join the tenants' air walk.",
     "Share the walk route."),
    (3, 0, 5, "The community table hosting the next network potluck.", "Book the hall."),
]  # fmt: skip


def _today() -> datetime.date:
    return timezone.localdate()


@transaction.atomic
def seed() -> None:
    User = get_user_model()
    today = _today()
    ladder_defaults_ensure()
    levels = list(LadderLevel.objects.order_by("rank"))

    skills = {}
    for name in DEMO_SKILLS:
        skills[name], _ = Skill.objects.get_or_create(name=name)

    trainings = []
    for name, days_ago, taught in DEMO_TRAININGS:
        training = Training.objects.filter(name=name).first()
        if training is None:
            training = training_create(
                name=name,
                held_on=today - datetime.timedelta(days=days_ago),
                skills=[skills[skill] for skill in taught],
            )
        trainings.append(training)

    # People join the signed demo groups, in a stable order, if there are any.
    signed = list(Group.objects.filter(stage__in=[Stage.ALIGNED, Stage.PRODUCING]).order_by("pk"))
    weaver = User.objects.filter(email="weaver@example.org").first()
    people = []
    for email, name, group_index, steps, skill_names, attended in DEMO_PEOPLE:
        person = User.objects.filter(email=email).first()
        if person is None:
            person = User.objects.create_user(email=email, name=name)  # no password: no login
        people.append(person)
        if signed and not Membership.objects.filter(person=person).exists():
            Membership.objects.create(
                group=signed[group_index % len(signed)],
                person=person,
                role=MembershipRole.MEMBER,
            )
        if levels and not LadderStep.objects.filter(person=person).exists():
            for level_index, days_ago in steps:
                ladder_step_record(
                    person=person,
                    level=levels[min(level_index, len(levels) - 1)],
                    at=today - datetime.timedelta(days=days_ago),
                    by=weaver,
                    note="Demo",
                )
        if not person.skills.exists():
            person_skills_set(person=person, skills=[skills[skill] for skill in skill_names])
        for index in attended:
            training_attend(training=trainings[index], person=person)

    def resolve(who):
        if isinstance(who, int):
            return people[who]
        return User.objects.filter(email=who).first()

    for who_a, who_b, days_ago, notes, follow_up in DEMO_MEETINGS:
        person_a, person_b = resolve(who_a), resolve(who_b)
        if person_a is None or person_b is None:
            continue
        if RelationalMeeting.objects.filter(
            person_a=person_a, person_b=person_b, notes=notes
        ).exists():
            continue
        meeting_log(
            person_a=person_a,
            person_b=person_b,
            met_on=today - datetime.timedelta(days=days_ago),
            notes=notes,
            follow_up=follow_up,
            by=weaver or person_a,
        )

"""Demo wins, climate signals and a year of backdated history, so the dashboard's charts
mean something (idempotent: every row is looked up by its title or marker first)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from actions.models import Action, ActionStatus, Visibility
from coalition.models import Place
from members.models import (
    Group,
    LadderLevel,
    LadderStep,
    Membership,
    MembershipRole,
    RelationalMeeting,
    Stage,
    StageChange,
)
from reporting.models import ClimateSignal, SignalKind, Stance, Win, WinLevel

# Marks the backdated rows this module made, so a second run finds them.
MARKER = "Demo history"

# (title, days ago, place, level, public, shifted the climate, evidence, action titles)
DEMO_WINS = [
    ("Port authority agrees to shore power for cruise ships", 20, "Dockyards", WinLevel.PARTIAL,
     True, True, "https://example.org/news/shore-power", ["Letters to the port authority"]),
    ("Clean air zone around three schools in Harbourside", 55, "Harbourside", WinLevel.FULL,
     True, True, "https://example.org/news/school-zones", ["School gate petition"]),
    ("Air monitors installed on the Mill Quarter bus route", 140, "Mill Quarter", WinLevel.FULL,
     True, False, "", ["Air quality walk along the docks"]),
    ("Council promises a review of the bus depot", 230, "Port Maren", WinLevel.PARTIAL,
     False, True, "", []),
    ("Hospital adds a cycle route to its travel plan", 300, "Old Town", WinLevel.PARTIAL,
     True, False, "https://example.org/news/hospital-cycling", []),
]  # fmt: skip

# (outlet or person, kind, days ago, stance, place, summary)
DEMO_SIGNALS = [
    ("Port Maren Evening Post", SignalKind.MEDIA, 10, Stance.SUPPORTIVE, "Port Maren",
     "Editorial backs a clean air zone around schools."),
    ("Councillor Dana Whitby", SignalKind.LEGISLATOR, 25, Stance.SUPPORTIVE, "Harbourside",
     "Says the council should act on asthma admissions this year."),
    ("Lakeshore Radio", SignalKind.MEDIA, 48, Stance.NEUTRAL, "Lakeshore Region",
     "Phone-in on traffic fumes, listeners split."),
    ("Northland Motorists' Club", SignalKind.OTHER, 70, Stance.OPPOSED, "Northland",
     "Warns a clean air zone would hurt small businesses."),
    ("Northland Civic Poll", SignalKind.POLL, 95, Stance.SUPPORTIVE, "Northland",
     "61% of residents support clean air zones near schools."),
    ("Councillor Ray Osei", SignalKind.LEGISLATOR, 130, Stance.OPPOSED, "Port Maren",
     "Calls the school zones premature."),
    ("Alder Falls Gazette", SignalKind.MEDIA, 170, Stance.NEUTRAL, "Alder Falls",
     "Reports both sides of the bus depot debate."),
    ("Harbourside Health Board", SignalKind.OTHER, 210, Stance.SUPPORTIVE, "Harbourside",
     "Links winter admissions to traffic pollution."),
    ("Port Maren Evening Post", SignalKind.MEDIA, 260, Stance.OPPOSED, "Port Maren",
     "Column calls the air walks a stunt."),
    ("Councillor Dana Whitby", SignalKind.LEGISLATOR, 320, Stance.NEUTRAL, "Harbourside",
     "Asks officers for air quality figures."),
]  # fmt: skip

# (title, kind, host, months ago, participants, letters, signatures, media pieces, lat, lon)
HISTORY_ACTIONS = [
    ("Spring air walk by the canal", "event", "Dockyards Parents for Clean Air", 11,
     28, None, None, None, "54.5020", "-4.4030"),
    ("Postcards to the transport minister", "letters", "Mill Quarter Tenants Union", 10,
     15, 340, None, None, "54.5035", "-4.3990"),
    ("Clinic waiting-room petition", "petition", "Harbourside Clinic Collective", 9,
     None, None, 860, None, "54.5055", "-4.4105"),
    ("Meeting the port's environment officer", "lobby", "Mill Quarter Tenants Union", 9,
     6, None, None, None, None, None),
    ("Radio interview on school fumes", "media", "Dockyards Parents for Clean Air", 8,
     None, None, None, 2, None, None),
    ("Bike bus to Old Town schools", "direct", "Port Maren Cyclists", 7,
     45, None, None, 1, "54.5090", "-4.4180"),
    ("Harvest supper on clean air", "event", "St Brendan's Community Table", 6,
     70, None, None, None, "54.4975", "-4.3940"),
    ("Letters to the health board", "letters", "Harbourside Clinic Collective", 5,
     12, 180, None, None, None, None),
    ("Online briefing for new groups", "online", "Port Maren Cyclists", 5,
     38, None, None, None, None, None),
    ("Petition at the Saturday market", "petition", "St Brendan's Community Table", 4,
     None, None, 1120, 1, "54.4980", "-4.3920"),
    ("Winter air walk past the depot", "event", "Mill Quarter Tenants Union", 3,
     33, None, None, 1, "54.5040", "-4.3970"),
    ("Visit to the council's transport committee", "lobby", "Harbourside Clinic Collective", 2,
     9, None, None, 1, None, None),
    ("Op-ed by two parents", "media", "Dockyards Parents for Clean Air", 2,
     None, None, None, 3, None, None),
    ("Members' planning evening", "event", "Port Maren Cyclists", 1,
     14, None, None, None, None, None),
]  # fmt: skip

# (email, name, group) — invented people who join the network during the year.
HISTORY_PEOPLE = [
    ("noor.castellanos@example.org", "Noor Castellanos", "Harbourside Clinic Collective"),
    ("owen.takahashi@example.org", "Owen Takahashi", "St Brendan's Community Table"),
    ("priya.nakamura@example.org", "Priya Nakamura", "Port Maren Cyclists"),
]

# (person index or email, person index or email, months ago, notes)
HISTORY_MEETINGS = [
    ("weaver@example.org", 0, 11, "Why the clinic's nurses want to campaign on air."),
    ("weaver@example.org", 1, 10, "The community table's first steps in the network."),
    (0, 2, 9, "Nurses and cyclists on routes to the hospital."),
    (1, "group-admin@example.org", 8, "Sharing a hall for the harvest supper."),
    ("weaver@example.org", 2, 6, "Training the cyclists in one-to-one conversations."),
    (0, 1, 5, "A joint petition at the Saturday market."),
    (2, "group-admin@example.org", 4, "The depot walk's route and the bike bus."),
    ("weaver@example.org", "group-admin@example.org", 3, "Taking stock after the winter walk."),
    (1, 2, 2, "Who speaks to the transport committee."),
    (0, "weaver@example.org", 1, "Planning the next day of action."),
]

# (group, from stage, to stage, months ago)
HISTORY_STAGES = [
    ("Harbourside Clinic Collective", Stage.CONTACTED, Stage.ALIGNED, 10),
    ("St Brendan's Community Table", Stage.ALIGNED, Stage.PRODUCING, 6),
    ("Port Maren Cyclists", Stage.CONTACTED, Stage.ALIGNED, 8),
    ("Alder Falls Farmers Cooperative", Stage.PROSPECT, Stage.CONTACTED, 4),
    ("Lakeshore Nurses Union", Stage.PROSPECT, Stage.CONTACTED, 2),
    ("Hill Country Walkers", Stage.ALIGNED, Stage.LAPSED, 5),
]


def _months_ago(today: datetime.date, months: int) -> datetime.date:
    """The 15th of the month ``months`` before this one: clear of month edges."""
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return datetime.date(year, month + 1, 15)


def _at(day: datetime.date, hour: int = 18) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@transaction.atomic
def seed() -> None:
    today = timezone.localdate()
    steering = get_user_model().objects.filter(email="steering@example.org").first()
    _seed_history(today)
    _seed_wins(today, steering)
    _seed_signals(today, steering)


def _seed_wins(today: datetime.date, steering) -> None:
    for title, days_ago, place_name, level, public, shifted, evidence, titles in DEMO_WINS:
        if Win.objects.filter(title=title).exists():
            continue
        place = Place.objects.filter(name=place_name).first()
        if place is None:
            continue
        win = Win.objects.create(
            title=title,
            won_on=today - datetime.timedelta(days=days_ago),
            place=place,
            level=level,
            description=f"{title}: an invented win of the demo coalition.",
            evidence_url=evidence,
            shifted_climate=shifted,
            is_public=public,
            recorded_by=steering,
        )
        win.actions.set(Action.objects.filter(title__in=titles))


def _seed_signals(today: datetime.date, steering) -> None:
    for source, kind, days_ago, stance, place_name, summary in DEMO_SIGNALS:
        if ClimateSignal.objects.filter(source=source, summary=summary).exists():
            continue
        place = Place.objects.filter(name=place_name).first()
        if place is None:
            continue
        ClimateSignal.objects.create(
            kind=kind,
            source=source,
            said_on=today - datetime.timedelta(days=days_ago),
            stance=stance,
            url="https://example.org/press/" + str(days_ago),
            summary=summary,
            place=place,
            recorded_by=steering,
        )


def _seed_history(today: datetime.date) -> None:
    User = get_user_model()
    groups = {group.name: group for group in Group.objects.all()}

    for row in HISTORY_ACTIONS:
        title, kind, host, months, people, letters, signatures, media, lat, lon = row
        group = groups.get(host)
        if group is None or Action.objects.filter(title=title, host_group=group).exists():
            continue
        starts = _at(_months_ago(today, months))
        Action.objects.create(
            host_group=group,
            title=title,
            kind=kind,
            place=group.place,
            latitude=Decimal(lat) if lat else None,
            longitude=Decimal(lon) if lon else None,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=2),
            visibility=Visibility.PUBLIC,
            status=ActionStatus.DONE,
            participants=people,
            letters_sent=letters,
            signatures_gathered=signatures,
            media_pieces=media,
            story=f"{title}: invented history of the demo coalition.",
            description=f"{title}: an invented action of the demo coalition.",
            created_at=starts - datetime.timedelta(days=14),
        )

    weaver = User.objects.filter(email="weaver@example.org").first()
    levels = list(LadderLevel.objects.order_by("rank"))
    people = []
    for number, (email, name, group_name) in enumerate(HISTORY_PEOPLE):
        person = User.objects.filter(email=email).first()
        if person is None:
            person = User.objects.create_user(email=email, name=name)  # no password: no login
        people.append(person)
        group = groups.get(group_name)
        if group is not None:
            Membership.objects.get_or_create(
                group=group, person=person, defaults={"role": MembershipRole.MEMBER}
            )
        if levels and not LadderStep.objects.filter(person=person, note=MARKER).exists():
            # Each climbs a rung every few months, the last one recently.
            climbed = levels[: 2 + number % 2]
            for rung, level in enumerate(climbed):
                LadderStep.objects.create(
                    person=person,
                    level=level,
                    at=_months_ago(today, 11 - number - rung * 4),
                    recorded_by=weaver,
                    note=MARKER,
                )
            User.objects.filter(pk=person.pk).update(ladder_level=climbed[-1])

    def resolve(who):
        if isinstance(who, int):
            return people[who]
        return User.objects.filter(email=who).first()

    def group_of(person):
        membership = Membership.objects.filter(person=person).order_by("pk").first()
        return membership.group if membership else None

    for who_a, who_b, months, notes in HISTORY_MEETINGS:
        person_a, person_b = resolve(who_a), resolve(who_b)
        if person_a is None or person_b is None or person_a == person_b:
            continue
        if RelationalMeeting.objects.filter(notes=notes, person_a=person_a).exists():
            continue
        RelationalMeeting.objects.create(
            person_a=person_a,
            person_b=person_b,
            group_a=group_of(person_a),
            group_b=group_of(person_b),
            met_on=_months_ago(today, months),
            notes=notes,
            logged_by=weaver,
        )

    for group_name, from_stage, to_stage, months in HISTORY_STAGES:
        group = groups.get(group_name)
        if group is None:
            continue
        reason = f"{MARKER}: {from_stage} to {to_stage}"
        if StageChange.objects.filter(group=group, reason=reason).exists():
            continue
        # The record of the change only: the group's current stage is the demo's own.
        StageChange.objects.create(
            group=group,
            from_stage=from_stage,
            to_stage=to_stage,
            changed_by=weaver,
            reason=reason,
            at=_at(_months_ago(today, months), 10),
        )

"""200 people RSVP at the same instant to an action with 50 places: exactly 50 get one.

Each of the 200 threads has its own database connection, as 200 web workers
would. They run in a Django process of their own against the private
PostgreSQL cluster: the machine's shared server allows 100 connections, and
other people use it.
"""

from __future__ import annotations

import pytest

from tests.faults.parts import django_env, run_django

PEOPLE = 200
CAPACITY = 50

SCRIPT = f"""
import threading
from django.db import connection
from actions.models import Action, Participation, ParticipationStatus
from actions.services.participation import participation_create
from coalition.errors import RuleBroken
from coalition.models import OutboxMessage, OutboxStatus
from tests.factories import GroupFactory, make_action, make_place, publish_privacy_policy

publish_privacy_policy()
action = make_action(GroupFactory(place=make_place("Rush City")), capacity={CAPACITY})
connection.close()
start = threading.Barrier({PEOPLE})
outcomes = [None] * {PEOPLE}

def rsvp(index):
    try:
        start.wait()
        participation_create(
            action=Action.objects.get(pk=action.pk), name=f"Visitor {{index}}",
            email=f"visitor{{index}}@example.org", consent=True,
        )
        outcomes[index] = "accepted"
    except RuleBroken as refusal:
        outcomes[index] = "refused: " + str(refusal.message)
    except Exception as problem:
        outcomes[index] = "error: " + repr(problem)
    finally:
        connection.close()

threads = [threading.Thread(target=rsvp, args=(n,)) for n in range({PEOPLE})]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join(timeout=120)
action.refresh_from_db()
print(json.dumps({{
    "alive": sum(thread.is_alive() for thread in threads),
    "outcomes": outcomes,
    "rsvp_count": action.rsvp_count,
    "confirmed": Participation.objects.filter(
        action=action, status=ParticipationStatus.CONFIRMED).count(),
    "rows": Participation.objects.filter(action=action).count(),
    "emails": list(OutboxMessage.objects.filter(task="coalition.tasks.email_send")
                   .values_list("status", flat=True)),
}}))
"""


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_hundred_people_at_once_fill_fifty_places_and_no_more(private_postgres):
    database = private_postgres.create_database("coalition_rush")

    result = run_django(SCRIPT, django_env(DATABASE_URL=database, CONN_MAX_AGE="0"))

    assert result["alive"] == 0
    outcomes = result["outcomes"]
    assert [o for o in outcomes if o.startswith("error")] == []
    assert outcomes.count("accepted") == CAPACITY
    assert outcomes.count("refused: This action is full.") == PEOPLE - CAPACITY
    assert result["rsvp_count"] == result["confirmed"] == result["rows"] == CAPACITY
    # One confirmation each, through the outbox, and none for those refused.
    assert result["emails"] == ["done"] * CAPACITY

"""The people page (/network/people/): stewards find a person and give or withdraw roles."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.urls import reverse

from coalition.errors import RuleBroken
from coalition.models import AuditEntry, AuditVerb, NetworkRole
from coalition.selectors import PEOPLE_SHOWN, people_for_roles
from coalition.services import role_grant, role_revoke

pytestmark = pytest.mark.django_db

PEOPLE = "/network/people/"


def names(query: str) -> list[str]:
    return [person.name for person in people_for_roles(query=query)]


@pytest.fixture
def helene(make_person):
    return make_person("h.dupre@example.net", name="Hélène Dupré")


# --- Finding people ------------------------------------------------------------------


@pytest.mark.parametrize("query", ["helene", "HÉLÈNE", "lène", "dupre", "Hélène dupré", "H.DUPRE"])
def test_a_person_is_found_by_part_of_their_name_or_email_whatever_the_case_and_accents(
    helene, query
):
    assert names(query) == ["Hélène Dupré"]


def test_every_word_of_the_search_must_match(helene, make_person):
    make_person("helene.martin@example.net", name="Helene Martin")

    assert names("helene") == ["Helene Martin", "Hélène Dupré"]
    assert names("helene martin") == ["Helene Martin"]


def test_like_wildcards_typed_in_the_search_match_only_themselves(helene):
    assert names("%") == []
    assert names("_") == []


def test_a_name_changed_later_is_found_by_its_new_spelling(helene):
    helene.name = "Héloïse Dupré"
    helene.save(update_fields=["name"])

    assert names("heloise") == ["Héloïse Dupré"]
    assert names("helene") == []


def test_without_a_search_the_page_lists_the_people_who_hold_a_role(helene, steward, weaver):
    assert names("") == ["Stew Steward", "Wanda Weaver"]


def test_the_list_is_bounded_and_says_there_are_more(client, steward, make_person):
    for number in range(PEOPLE_SHOWN + 2):
        make_person(f"river{number}@example.net", name=f"River Person {number:02}")
    client.force_login(steward)

    response = client.get(PEOPLE, {"q": "river"})

    assert len(response.context["people"]) == PEOPLE_SHOWN
    assert response.context["more"] is True
    assert "Only the first 50 are shown" in response.content.decode()


def test_the_page_shows_each_person_found_with_their_roles(client, steward, weaver):
    client.force_login(steward)

    page = client.get(PEOPLE, {"q": "wanda"}).content.decode()

    assert "Wanda Weaver" in page and "weaver@example.net" in page
    assert 'name="role" value="weaver"' in page


@pytest.mark.parametrize("extra", [3, 30])
def test_the_page_takes_the_same_few_queries_however_many_people_it_shows(
    client, steward, make_person, django_assert_max_num_queries, extra
):
    from coalition.services import role_invitation_create

    for number in range(extra):
        person = make_person(f"holder{number}@example.net", name=f"Holder {number}")
        NetworkRole.objects.create(person=person, role="weaver")
        NetworkRole.objects.create(person=person, role="moderator")
        role_invitation_create(
            email=f"new{number}@example.net", role="weaver", reason="New weaver", by=steward
        )
    client.force_login(steward)

    with django_assert_max_num_queries(8):
        assert client.get(PEOPLE).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(PEOPLE, {"q": "holder"}).status_code == 200


# --- Giving and withdrawing ---------------------------------------------------------


def test_a_steward_gives_a_role_with_a_reason_and_the_audit_log_keeps_it(client, steward, helene):
    client.force_login(steward)

    response = client.post(
        PEOPLE,
        {"action": "grant", "person": helene.pk, "role": "moderator", "reason": "Elected in May"},
    )

    assert response.status_code == 302
    grant = NetworkRole.objects.get(person=helene)
    assert (grant.role, grant.granted_by) == ("moderator", steward)
    entry = AuditEntry.objects.get(verb=AuditVerb.ROLE_GRANTED)
    assert entry.actor == steward
    assert entry.detail == {"role": "moderator", "person": helene.pk, "reason": "Elected in May"}
    assert "h.dupre" not in entry.subject


def test_a_steward_withdraws_a_role_with_a_reason_and_the_audit_log_keeps_it(
    client, steward, weaver
):
    client.force_login(steward)

    response = client.post(
        PEOPLE, {"action": "revoke", "person": weaver.pk, "role": "weaver", "reason": "Moved away"}
    )

    assert response.status_code == 302
    assert not NetworkRole.objects.filter(person=weaver).exists()
    entry = AuditEntry.objects.get(verb=AuditVerb.ROLE_REVOKED)
    assert (entry.actor, entry.detail["reason"]) == (steward, "Moved away")


@pytest.mark.parametrize("action", ["grant", "revoke"])
@pytest.mark.parametrize("reason", ["", "   "])
def test_a_change_without_a_reason_is_refused_with_400_and_a_message(
    client, steward, weaver, action, reason
):
    client.force_login(steward)

    response = client.post(
        PEOPLE, {"action": action, "person": weaver.pk, "role": "weaver", "reason": reason}
    )

    assert response.status_code == 400
    assert "Say why: the reason goes into the audit log." in response.content.decode()
    assert list(NetworkRole.objects.filter(person=weaver).values_list("role", flat=True)) == [
        "weaver"
    ]
    assert not AuditEntry.objects.exists()


def test_nobody_gives_a_role_to_themselves(client, steward):
    client.force_login(steward)

    response = client.post(
        PEOPLE, {"action": "grant", "person": steward.pk, "role": "weaver", "reason": "Why not"}
    )

    assert response.status_code == 400
    assert "Nobody gives a role to themselves" in response.content.decode()
    assert list(steward.network_roles.values_list("role", flat=True)) == ["steward"]


def test_a_steering_member_cannot_make_themselves_steward(client, steering_member):
    client.force_login(steering_member)

    granted = client.post(
        PEOPLE,
        {"action": "grant", "person": steering_member.pk, "role": "steward", "reason": "Me"},
    )
    invited = client.post(
        PEOPLE,
        {"action": "invite", "email": steering_member.email, "role": "steward", "reason": "Me"},
    )

    assert granted.status_code == 403 and invited.status_code == 403
    assert list(steering_member.network_roles.values_list("role", flat=True)) == ["steering"]
    with pytest.raises(RuleBroken, match="Nobody gives a role to themselves"):
        role_grant(person=steering_member, role="steward", by=steering_member, reason="Me")
    assert not NetworkRole.objects.filter(role="steward").exists()


def test_roles_cannot_be_written_through_the_django_admin(rf, staff):
    from django.contrib import admin

    model_admin = admin.site._registry[NetworkRole]
    request = rf.post("/admin/coalition/networkrole/add/")
    request.user = staff

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert model_admin.has_view_permission(request)


def test_the_last_steward_cannot_be_withdrawn(client, steward):
    client.force_login(steward)

    response = client.post(
        PEOPLE, {"action": "revoke", "person": steward.pk, "role": "steward", "reason": "Tired"}
    )

    assert response.status_code == 400
    assert "last steward" in response.content.decode()
    assert steward.network_roles.filter(role="steward").exists()


def test_a_steward_may_step_down_while_another_remains(client, steward, make_person):
    other = make_person("second@example.net", name="Sol Second", roles=("steward",))
    client.force_login(steward)

    response = client.post(
        PEOPLE, {"action": "revoke", "person": steward.pk, "role": "steward", "reason": "Handover"}
    )

    assert response.status_code == 302 and response["Location"] == "/"
    assert list(NetworkRole.objects.filter(role="steward").values_list("person", flat=True)) == [
        other.pk
    ]


def test_a_deactivated_steward_does_not_count_as_the_one_who_remains(steward, make_person):
    make_person("gone@example.net", name="Gone", roles=("steward",), is_active=False)
    keeper = make_person("keeper@example.net", name="Kim Keeper", roles=("steward",))
    role_revoke(person=steward, role="steward", by=keeper, reason="Reorganising")

    with pytest.raises(RuleBroken, match="last steward"):
        role_revoke(person=keeper, role="steward", by=None, reason="Reorganising")

    assert keeper.network_roles.filter(role="steward").exists()


def test_a_role_already_held_is_refused_with_a_message(client, steward, weaver):
    client.force_login(steward)

    response = client.post(
        PEOPLE, {"action": "grant", "person": weaver.pk, "role": "weaver", "reason": "Again"}
    )

    assert response.status_code == 400
    assert "already holds the role" in response.content.decode()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"action": "dance"},
        {"action": "grant", "person": "²", "role": "weaver", "reason": "x"},
        {"action": "grant", "person": "9" * 30, "role": "weaver", "reason": "x"},
        {"action": "grant", "person": "1", "role": "emperor", "reason": "x"},
        {"action": "withdraw_invitation", "invitation": "abc"},
    ],
)
def test_a_post_that_cannot_be_a_change_is_a_400_and_changes_nothing(client, steward, weaver, body):
    client.force_login(steward)

    assert client.post(PEOPLE, body).status_code == 400
    assert NetworkRole.objects.count() == 2
    assert not AuditEntry.objects.exists()


NOT_STEWARDS = (
    "outsider", "group_member", "group_admin", "weaver", "coordinator", "steering_member", "staff",
)  # fmt: skip


@pytest.mark.parametrize("who", NOT_STEWARDS)
def test_nobody_but_a_steward_gets_in_or_changes_a_role(client, request, steward, helene, who):
    client.force_login(request.getfixturevalue(who))
    before = set(NetworkRole.objects.values_list("person", "role"))

    assert client.get(PEOPLE).status_code == 403
    for action, role in (("grant", "steward"), ("revoke", "steward")):
        person = helene if action == "grant" else steward
        response = client.post(
            PEOPLE, {"action": action, "person": person.pk, "role": role, "reason": "Coup"}
        )
        assert response.status_code == 403
    response = client.post(
        PEOPLE, {"action": "invite", "email": "x@example.net", "role": "steward", "reason": "Coup"}
    )
    assert response.status_code == 403
    assert set(NetworkRole.objects.values_list("person", "role")) == before
    assert not AuditEntry.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in_and_change_nothing(client, steward, helene):
    response = client.post(
        PEOPLE, {"action": "grant", "person": helene.pk, "role": "steward", "reason": "Coup"}
    )

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not helene.network_roles.exists()


def test_the_service_refuses_an_unknown_role(steward, helene):
    with pytest.raises(RuleBroken, match="Choose a role"):
        role_grant(person=helene, role="emperor", by=steward, reason="Crowned")


# --- The navigation -------------------------------------------------------------------


def _network_link(client) -> str | None:
    links = [item["url"] for item in client.get("/privacy/").context["navigation"]]
    return next((url for url in links if url.startswith("/network/")), None)


def test_the_network_entry_leads_stewards_to_the_people_page(client, steward):
    client.force_login(steward)

    assert _network_link(client) == reverse("network_people")


def test_the_steering_committee_still_reaches_places_and_statement_versions(
    client, steering_member
):
    client.force_login(steering_member)

    assert _network_link(client) == reverse("network_places")
    page = client.get(reverse("network_places")).content.decode()
    assert reverse("statement_versions") in page
    assert reverse("network_people") not in page
    assert client.get(reverse("statement_versions")).status_code == 200


# --- Two stewards withdrawing each other at once (PostgreSQL) ------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_stewards_withdrawing_each_other_at_once_leave_one_steward(make_person):
    first = make_person("first@example.net", name="Fay First", roles=("steward",))
    second = make_person("second@example.net", name="Sam Second", roles=("steward",))
    start = threading.Barrier(2)
    results: list = [None, None]

    def withdraw(index: int, person, by) -> None:
        try:
            start.wait()
            role_revoke(person=person, role="steward", by=by, reason="Only one of us")
            results[index] = "done"
        except Exception as error:  # the test reads every outcome
            results[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=withdraw, args=(0, first, second)),
        threading.Thread(target=withdraw, args=(1, second, first)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(type(result).__name__ for result in results) == ["RuleBroken", "str"]
    assert NetworkRole.objects.filter(role="steward").count() == 1

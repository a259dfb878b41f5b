"""/me/notifications/, its settings and the unsubscribe page, as each person sees them."""

import pytest

from members.models import User
from notifications.models import Delivery, Notification, NotificationChoice
from notifications.services import notify, unsubscribe_token

pytestmark = pytest.mark.django_db


def news(person, kind, count: int = 1):
    for n in range(count):
        notify(recipients=[person], kind=kind, url="/actions/", context={"role": f"role {n}"})


def test_the_inbox_shows_only_my_news_unread_first(client, make_person, news_kind):
    ana = make_person("ana@example.net")
    ben = make_person("ben@example.net")
    news(ana, news_kind, 2)
    news(ben, news_kind, 1)
    Notification.objects.filter(recipient=ana).order_by("pk").first().__class__.objects.filter(
        pk=Notification.objects.filter(recipient=ana).order_by("pk").first().pk
    ).update(read_at="2026-01-01T00:00:00Z")
    client.force_login(ana)

    response = client.get("/me/notifications/")

    assert response.status_code == 200
    titles = [n.title for n in response.context["items"]]
    assert titles == ["You are now a role 1 of Coalition", "You are now a role 0 of Coalition"]
    assert response.context["items"][0].read_at is None
    assert all(n.recipient_id == ana.pk for n in response.context["items"])


def test_the_menu_shows_the_unread_count(client, make_person, news_kind):
    ana = make_person("ana@example.net")
    news(ana, news_kind, 3)
    client.force_login(ana)

    assert "3 unread" in client.get("/").content.decode()


def test_marking_read_lowers_the_count_and_others_cannot_mark_mine(client, make_person, news_kind):
    ana = make_person("ana@example.net")
    ben = make_person("ben@example.net")
    news(ana, news_kind, 2)
    mine = Notification.objects.filter(recipient=ana).first()
    client.force_login(ben)
    client.post("/me/notifications/read/", {"notification": mine.pk})
    assert Notification.objects.get(pk=mine.pk).read_at is None

    client.force_login(ana)
    response = client.post("/me/notifications/read/", {"notification": mine.pk})

    assert response.status_code == 302
    assert User.objects.get(pk=ana.pk).notifications_unread == 1
    client.post("/me/notifications/read/", {"all": "1"})
    assert User.objects.get(pk=ana.pk).notifications_unread == 0


def test_a_bad_notification_id_answers_400(client, make_person):
    client.force_login(make_person("ana@example.net"))

    assert client.post("/me/notifications/read/", {"notification": "x"}).status_code == 400
    assert client.get("/me/notifications/?before=abc").status_code == 400


def test_choices_are_saved_and_a_bad_choice_answers_400(client, make_person, news_kind):
    ana = make_person("ana@example.net")
    client.force_login(ana)
    from notifications.registry import KINDS

    # Every kind that concerns her is on the form (other apps register theirs too).
    form = {name: kind.default for name, kind in KINDS.items() if kind.concerns(ana)}
    form.update({"role_given": Delivery.IMMEDIATE, news_kind: Delivery.DAILY})

    assert client.post("/me/notifications/settings/", form).status_code == 302
    assert NotificationChoice.objects.get(person=ana, kind=news_kind).delivery == Delivery.DAILY

    response = client.post("/me/notifications/settings/", {**form, news_kind: "hourly"})
    assert response.status_code == 400
    assert NotificationChoice.objects.get(person=ana, kind=news_kind).delivery == Delivery.DAILY


def test_unsubscribe_asks_first_then_stops_the_kind_by_post_without_login(
    client, make_person, news_kind
):
    ana = make_person("ana@example.net")
    token = unsubscribe_token(person=ana, kinds=[news_kind])

    page = client.get(f"/notifications/unsubscribe/{token}/")
    assert page.status_code == 200 and "Test news" in page.content.decode()
    assert not NotificationChoice.objects.exists()

    done = client.post(f"/notifications/unsubscribe/{token}/")
    assert done.status_code == 200
    assert NotificationChoice.objects.get(person=ana, kind=news_kind).delivery == Delivery.SITE


def test_a_tampered_unsubscribe_link_answers_400(client, make_person, news_kind):
    token = unsubscribe_token(person=make_person("ana@example.net"), kinds=[news_kind])

    assert client.post(f"/notifications/unsubscribe/{token}x/").status_code == 400
    assert not NotificationChoice.objects.exists()


@pytest.mark.parametrize("count", [3, 60])
def test_the_inbox_costs_the_same_queries_whatever_its_length(
    client, make_person, news_kind, django_assert_num_queries, count
):
    ana = make_person("ana@example.net")
    news(ana, news_kind, count)
    client.force_login(ana)
    client.get("/me/notifications/")  # warm the session and consent checks

    with django_assert_num_queries(5):
        assert client.get("/me/notifications/").status_code == 200

"""notify(): one row per recipient, delivered by each person's choice, emailed at once only once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from members.models import User
from notifications.models import Delivery, Notification, NotificationChoice
from notifications.services import (
    notification_read,
    notifications_read_all,
    notifications_unsubscribe,
    notify,
    unsubscribe_token,
)

pytestmark = pytest.mark.django_db


def choose(person, kind, delivery):
    NotificationChoice.objects.create(person=person, kind=kind, delivery=delivery)


def unread(person) -> int:
    return User.objects.get(pk=person.pk).notifications_unread


def test_each_recipient_gets_one_row_even_when_named_twice(make_person, news_kind):
    ana = make_person("ana@example.net")
    ben = make_person("ben@example.net")

    made = notify(recipients=[ana, ben, ana], kind=news_kind, context={"role": "weaver"})

    assert sorted(n.recipient.email for n in made) == ["ana@example.net", "ben@example.net"]
    assert Notification.objects.count() == 2
    assert unread(ana) == 1 and unread(ben) == 1


def test_the_person_who_caused_the_news_is_not_told(make_person, news_kind):
    ana = make_person("ana@example.net")
    ben = make_person("ben@example.net")

    notify(recipients=[ana, ben], kind=news_kind, exclude=[ben], context={"role": "weaver"})

    assert list(Notification.objects.values_list("recipient__email", flat=True)) == [
        "ana@example.net"
    ]


def test_an_unknown_kind_is_a_programming_error(make_person):
    with pytest.raises(LookupError):
        notify(recipients=[make_person("ana@example.net")], kind="no_such_kind")


def test_the_default_delivery_sends_no_email_now(
    make_person, news_kind, django_capture_on_commit_callbacks
):
    ana = make_person("ana@example.net")
    with django_capture_on_commit_callbacks(execute=True):
        (made,) = notify(recipients=[ana], kind=news_kind, context={"role": "weaver"})

    assert made.delivery == Delivery.WEEKLY
    assert mail.outbox == []


def test_immediate_news_is_emailed_once_after_commit_with_one_click_unsubscribe(
    make_person, news_kind, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://coalition.example.org"
    ana = make_person("ana@example.net")
    choose(ana, news_kind, Delivery.IMMEDIATE)

    with django_capture_on_commit_callbacks(execute=True):
        (made,) = notify(
            recipients=[ana], kind=news_kind, url="/actions/7/", context={"role": "weaver"}
        )

    (message,) = mail.outbox
    assert message.to == ["ana@example.net"]
    assert message.subject == made.title
    assert "https://coalition.example.org/actions/7/" in message.body
    token = unsubscribe_token(person=ana, kinds=[news_kind])
    assert message.extra_headers["List-Unsubscribe"] == (
        f"<https://coalition.example.org/notifications/unsubscribe/{token}/>"
    )
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    made.refresh_from_db()
    assert made.emailed_at is not None


def test_nothing_is_emailed_when_the_change_rolls_back(
    make_person, news_kind, django_capture_on_commit_callbacks
):
    from django.db import transaction

    ana = make_person("ana@example.net")
    choose(ana, news_kind, Delivery.IMMEDIATE)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify(recipients=[ana], kind=news_kind, context={"role": "weaver"})
        raise RuntimeError

    assert mail.outbox == [] and not Notification.objects.exists()


def test_a_second_email_about_the_same_thing_within_the_hour_waits_for_the_daily_digest(
    make_person, news_kind, django_capture_on_commit_callbacks
):
    ana = make_person("ana@example.net")
    choose(ana, news_kind, Delivery.IMMEDIATE)
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[ana], kind=news_kind, about="actions.action:1", context={"role": "a"})
        (second,) = notify(
            recipients=[ana], kind=news_kind, about="actions.action:1", context={"role": "b"}
        )
        (other,) = notify(
            recipients=[ana], kind=news_kind, about="actions.action:2", context={"role": "c"}
        )

    assert second.delivery == Delivery.DAILY
    assert other.delivery == Delivery.IMMEDIATE
    assert len(mail.outbox) == 2


def test_an_email_already_sent_is_not_sent_again(
    make_person, news_kind, django_capture_on_commit_callbacks
):
    from notifications.services import notifications_email_send

    ana = make_person("ana@example.net")
    choose(ana, news_kind, Delivery.IMMEDIATE)
    with django_capture_on_commit_callbacks(execute=True):
        (made,) = notify(recipients=[ana], kind=news_kind, context={"role": "weaver"})

    assert notifications_email_send(notification_ids=[made.pk]) == 0
    assert len(mail.outbox) == 1


def test_a_claim_left_by_a_dead_worker_is_sent_after_the_stale_time(make_person, news_kind):
    from notifications.services import STALE_MINUTES, notifications_email_send

    ana = make_person("ana@example.net")
    choose(ana, news_kind, Delivery.SITE)
    (made,) = notify(recipients=[ana], kind=news_kind, context={"role": "weaver"})
    Notification.objects.filter(pk=made.pk).update(
        delivery=Delivery.IMMEDIATE, email_claimed_at=timezone.now() - timedelta(minutes=2)
    )
    assert notifications_email_send(notification_ids=[made.pk]) == 0

    Notification.objects.filter(pk=made.pk).update(
        email_claimed_at=timezone.now() - timedelta(minutes=STALE_MINUTES + 1)
    )
    assert notifications_email_send(notification_ids=[made.pk]) == 1
    assert len(mail.outbox) == 1


def test_reading_one_and_reading_all_keep_the_count_right(make_person, news_kind):
    ana = make_person("ana@example.net")
    ben = make_person("ben@example.net")
    first, *_rest = [
        notify(recipients=[ana], kind=news_kind, context={"role": str(n)})[0] for n in range(3)
    ]
    (bens,) = notify(recipients=[ben], kind=news_kind, context={"role": "x"})

    assert notification_read(person=ana, notification_id=first.pk)
    assert not notification_read(person=ana, notification_id=first.pk)
    assert not notification_read(person=ana, notification_id=bens.pk)  # not hers
    assert unread(ana) == 2 and unread(ben) == 1

    assert notifications_read_all(person=ana) == 2
    assert unread(ana) == 0 and unread(ben) == 1


def test_one_click_unsubscribe_keeps_the_news_on_the_site(make_person, news_kind):
    ana = make_person("ana@example.net")
    choose(ana, news_kind, Delivery.IMMEDIATE)

    person, kinds = notifications_unsubscribe(
        token=unsubscribe_token(person=ana, kinds=[news_kind])
    )

    assert person == ana and kinds == [news_kind]
    assert NotificationChoice.objects.get(person=ana, kind=news_kind).delivery == Delivery.SITE


def test_a_role_given_is_news_for_the_person_who_got_it(
    make_person, steward, django_capture_on_commit_callbacks
):
    from coalition.services import role_grant

    ana = make_person("ana@example.net", name="Ana Lima")
    with django_capture_on_commit_callbacks(execute=True):
        role_grant(person=ana, role="weaver", by=steward, reason="Runs the east side")

    notice = Notification.objects.get(recipient=ana)
    assert notice.kind == "role_given"
    assert notice.title == "You are now a weaver of Coalition"
    assert not Notification.objects.filter(recipient=steward).exists()


def test_my_notifications_and_choices_are_in_my_data_and_go_with_erasure(make_person, news_kind):
    from privacy.registry import providers

    ana = make_person("ana@example.net")
    ben = make_person("ben@example.net")
    choose(ana, news_kind, Delivery.DAILY)
    notify(recipients=[ana, ben], kind=news_kind, context={"role": "weaver"})
    provider = next(p for p in providers() if p.name == "notifications")

    rows = provider.export(ana)
    assert [row.get("title") for row in rows if "title" in row] == [
        "You are now a weaver of Coalition"
    ]
    assert {"kind": news_kind, "delivery": Delivery.DAILY} in rows

    assert provider.erase(ana) == 2
    assert not Notification.objects.filter(recipient=ana).exists()
    assert Notification.objects.filter(recipient=ben).count() == 1

"""url_for_ids: one reverse() for many ids gives the addresses reverse() gives one by one."""

from __future__ import annotations

from django.urls import reverse

from coalition.reversing import url_for_ids


def test_each_id_gets_the_address_reverse_gives_it():
    action_url = url_for_ids("actions:detail")
    for pk in (1, 7, 918273645, 10_000_000_001):
        assert action_url(pk) == reverse("actions:detail", args=[pk])


def test_the_prefix_comes_first():
    action_url = url_for_ids("actions:detail", prefix="https://coalition.example.org")
    assert action_url(12) == "https://coalition.example.org" + reverse("actions:detail", args=[12])


def test_the_addresses_follow_the_active_language_like_reverse():
    from django.utils import translation

    with translation.override("fr"):
        assert url_for_ids("actions:ical")(3) == reverse("actions:ical", args=[3])

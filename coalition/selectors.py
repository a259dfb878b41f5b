"""Reads of the network's frame for pages, the API and reports."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Prefetch, Q
from django.template.loader import render_to_string
from django.utils import translation

from coalition.models import (
    Coalition,
    NetworkRole,
    Place,
    Principle,
    PrivacyPolicy,
    Role,
    SetupToken,
    StatementVersion,
)


def statement_current() -> StatementVersion | None:
    """The published statement version with the highest number, with its principles."""
    return (
        StatementVersion.objects.filter(published_at__isnull=False)
        .prefetch_related(Prefetch("principles", queryset=Principle.objects.order_by("position")))
        .order_by("-number")
        .first()
    )


def privacy_policy_current() -> PrivacyPolicy | None:
    return PrivacyPolicy.objects.filter(published_at__isnull=False).order_by("-number").first()


def in_place(place: Place | None, field: str = "place") -> Q:
    """Q for rows whose ``field`` is ``place`` or anywhere under it (one indexed LIKE)."""
    if place is None:
        return Q()
    return Q(**{f"{field}__path__startswith": place.path})


def place_subtree(place: Place):
    """The place and every place under it."""
    return Place.objects.filter(path__startswith=place.path)


def places_for_choice() -> list[Place]:
    """Every place, in tree order, for select boxes (names indented by depth)."""
    return list(Place.objects.only("id", "name", "kind", "depth", "path").order_by("path"))


# --- First-run setup ---------------------------------------------------------


def setup_done() -> bool:
    """Setup has finished (through /setup/ or coalition_init)."""
    return Coalition.objects.filter(pk=1, set_up_at__isnull=False).exists()


def setup_needed() -> bool:
    """Nobody has set the coalition up: it is not marked set up and nobody is its steward.

    A steward made another way (the admin, a restored database) counts as set
    up, so no setup link is offered to a running coalition.
    """
    return not setup_done() and not NetworkRole.objects.filter(role=Role.STEWARD).exists()


def setup_token_usable(token_hash: str) -> bool:
    """An unused setup token with this hash exists and setup has not finished."""
    return (
        bool(token_hash)
        and SetupToken.objects.filter(token_hash=token_hash, used_at__isnull=True).exists()
        and not setup_done()
    )


def privacy_policy_starting_text(*, language: str, coalition_name: str) -> str:
    """The privacy policy shipped with the app, in ``language``, naming the coalition."""
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    with translation.override(language):
        return render_to_string(
            f"coalition/setup/privacy_policy_{language}.txt", {"name": coalition_name}
        ).strip()

"""Reads of a person's own API tokens: nobody else's are ever listed or found."""

from __future__ import annotations

from django.db.models import QuerySet

from api.filters import ID_MAX
from api.models import ApiToken


def tokens_of(person) -> QuerySet[ApiToken]:
    """The person's tokens, active first, newest first (one query)."""
    return ApiToken.objects.filter(person=person).order_by("-revoked_at", "-created_at", "-id")


def token_of(person, pk: int) -> ApiToken | None:
    if pk > ID_MAX:
        return None
    return ApiToken.objects.filter(person=person, pk=pk).first()

"""Writes of personal API tokens: creation (the key is returned once), revocation, use."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import ApiToken
from coalition.audit import record
from coalition.errors import RuleBroken
from coalition.models import AuditVerb

# Keys look like "coa_<40 url-safe characters>"; the prefix shown is "coa_" and
# the first 6 random characters, enough to tell keys apart, useless to guess one.
KEY_PREFIX = "coa_"
PREFIX_LENGTH = len(KEY_PREFIX) + 6
NAME_MAX = 100
# A person rarely needs more; a cap keeps a leaked session from minting thousands.
ACTIVE_TOKENS_MAX = 20
# last_used_at is written at most this often, so each API call does not write a row.
LAST_USED_EVERY = datetime.timedelta(minutes=1)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def token_create(*, person, name: str) -> tuple[ApiToken, str]:
    """Create a token for ``person``; return it and its key, which is never shown again."""
    name = name.strip()
    if not name:
        raise RuleBroken(_("Give the token a name."), field="name")
    if len(name) > NAME_MAX:
        raise RuleBroken(
            _("The name is too long (at most %(max)s characters).") % {"max": NAME_MAX},
            field="name",
        )
    active = ApiToken.objects.filter(person=person, revoked_at__isnull=True).count()
    if active >= ACTIVE_TOKENS_MAX:
        raise RuleBroken(
            _("You have %(max)s active tokens; revoke one first.") % {"max": ACTIVE_TOKENS_MAX},
            field="name",
        )
    key = KEY_PREFIX + secrets.token_urlsafe(30)
    token = ApiToken.objects.create(
        person=person, name=name, prefix=key[:PREFIX_LENGTH], key_hash=key_hash(key)
    )
    record(person, AuditVerb.TOKEN_CREATED, f"API token {token.prefix}", token=token.pk)
    return token, key


@transaction.atomic
def token_revoke(*, person, token: ApiToken) -> ApiToken:
    """Revoke one of the person's own tokens; revoking twice changes nothing."""
    if token.person_id != person.pk:
        raise RuleBroken(_("This is not your token."))
    changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if changed:
        token.refresh_from_db(fields=["revoked_at"])
        record(person, AuditVerb.TOKEN_REVOKED, f"API token {token.prefix}", token=token.pk)
    return token


def token_touch(*, token: ApiToken) -> None:
    """Note that the token was used, at most once a minute (a conditional update)."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_EVERY:
        return
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_EVERY)
    ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)
    token.last_used_at = now

"""Source API keys at rest: encrypted with Fernet (AES-CBC + HMAC) under a key from settings."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    # SOURCES_KEY when set (so SECRET_KEY can be rotated alone), else derived from SECRET_KEY.
    secret = settings.SOURCES_KEY or settings.SECRET_KEY
    digest = hashlib.sha256(b"coalition-sources:" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def key_encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode() if plain else ""


def key_decrypt(token: str) -> str | None:
    """The key, "" when there is none, None when it was saved under another secret."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return None

"""The address a request came from, for rate limits: the proxy's word only when we trust it."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address: the last hop of X-Forwarded-For behind a trusted proxy,
    else REMOTE_ADDR.

    Only the last hop is the one our own proxy wrote; anything before it was
    sent by the client and can be made up to dodge a limit. Without
    TRUST_X_FORWARDED_FOR the header is ignored, since then anyone can send it.
    """
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1][:64]
    return request.META.get("REMOTE_ADDR", "")

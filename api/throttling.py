"""Rate limits of the API: one for anonymous callers (per address), one per person.

The rates are read from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` at each
request (DRF's own classes read them once at import), so tests and settings
overrides take effect; set them with ``API_THROTTLE_ANON`` and
``API_THROTTLE_USER``.
"""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from coalition.client_ip import client_ip


class _LiveRates:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def get_ident(self, request):
        # The same address rule as the pages' rate limits (TRUST_X_FORWARDED_FOR).
        return client_ip(request)


class AnonymousThrottle(_LiveRates, AnonRateThrottle):
    scope = "anonymous"


class PersonThrottle(_LiveRates, UserRateThrottle):
    scope = "person"

"""Asks a logged-in person to agree to a new version of the privacy policy before going on."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

from privacy.services import consent

# Where a person may always go: the policy itself and its consent page, their
# data (to download or erase it instead of agreeing), logging out, the API
# (token clients cannot answer a page), one-click unsubscribes and files.
EXEMPT_PREFIXES = (
    "/privacy/",
    "/me/data/",
    "/accounts/logout/",
    "/api/",
    "/unsubscribe/",
    "/i18n/",
    "/healthz",
    "/favicon.ico",
)


class ConsentMiddleware:
    """Redirects page requests (GET) of people who must agree to the current policy.

    What the person must do is kept in their session for the current version,
    so an ordinary page costs no query; a new version (its number is cached)
    makes the next request look again, once.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.exempt = EXEMPT_PREFIXES + tuple(
            prefix for prefix in (settings.STATIC_URL, settings.MEDIA_URL) if prefix
        )

    def __call__(self, request: HttpRequest):
        if self._asks(request):
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('privacy:consent')}?{query}")
        return self.get_response(request)

    def _asks(self, request: HttpRequest) -> bool:
        if request.method not in {"GET", "HEAD"} or request.path.startswith(self.exempt):
            return False
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        current = consent.current_policy_number()
        if not current:
            return False
        state = consent.session_state(request.session)
        if state is None or state[0] != current:
            ask = consent.must_consent(user, current=current)
            consent.session_remember(request.session, current=current, ask=ask)
            return ask
        return state[1]

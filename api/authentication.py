"""DRF authentication by personal token: ``Authorization: Bearer <key>``, or OSDI's
``OSDI-API-Token: <key>``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from api.models import ApiToken
from api.services.tokens import key_hash, token_touch


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """A personal API token sent as ``Authorization: Bearer <key>``.

    No header, or another scheme: this class stands aside (session
    authentication may still apply). A Bearer key that is unknown, revoked or
    belongs to an inactive account: 401.
    """

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        osdi_token = request.META.get("HTTP_OSDI_API_TOKEN", "").strip()
        if not header and osdi_token:
            # OSDI clients send the key in their own header (OSDI-API-Token: <key>).
            header = [self.keyword.encode(), *osdi_token.encode("latin-1", "replace").split()]
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Malformed Authorization header: send 'Bearer <key>'.")
            )
        try:
            key = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Unknown or revoked API token.")) from None
        token = (
            ApiToken.objects.select_related("person")
            .filter(key_hash=key_hash(key), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.person.is_active:
            raise exceptions.AuthenticationFailed(_("Unknown or revoked API token."))
        token_touch(token=token)
        return token.person, token

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (not 403) to unauthenticated requests.
        return f'{self.keyword} realm="api"'

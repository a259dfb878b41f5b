"""How allauth sends its email (rendered in the request, sent by Celery after commit), and
how it meets a wrong password at login (a known address at sign-up: members/forms_signup.py).

Account email speaks as the coalition ("Hello from Clean Air Alliance!"), in
the language the person chose for their account (else that of the request
that caused it), with links on SITE_URL rather than on whatever host the
request came in by.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.utils import translation

from coalition.client_ip import client_ip
from coalition.mail import coalition_name, email_queue
from members import login_throttle


@dataclass(frozen=True)
class _Site:
    """What allauth's templates read as ``current_site``."""

    name: str
    domain: str


def on_site(url: str) -> str:
    """``url`` (absolute or a path) as an address on SITE_URL."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return settings.SITE_URL + path


def _login_of(credentials: dict) -> str:
    return str(credentials.get("email", credentials.get("username", "")) or "")


def _throttled() -> bool:
    return getattr(settings, "ACCOUNT_RATE_LIMITS", None) is not False


def _recipient_language(email: str) -> str:
    from members.models import User

    chosen = User.objects.filter(email__iexact=email).values_list("language", flat=True).first()
    return chosen if chosen in dict(settings.LANGUAGES) else translation.get_language()


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        context = {
            **context,
            "email": email,
            "current_site": _Site(name=coalition_name(), domain=urlsplit(settings.SITE_URL).netloc),
        }
        for key, value in list(context.items()):
            if key.endswith("_url") and isinstance(value, str) and "://" in value:
                context[key] = on_site(value)
        # The request may be someone else's (a stranger's failed logins, a reset asked
        # from a borrowed browser): the recipient's own choice wins.
        with translation.override(_recipient_language(email)):
            message = self.render_mail(template_prefix, email, context)
        email_queue(message)

    def get_reset_password_from_key_url(self, key: str) -> str:
        return on_site(super().get_reset_password_from_key_url(key))

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return on_site(super().get_email_confirmation_url(request, emailconfirmation))

    # --- Login: a growing delay per (account, address), see members.login_throttle ----

    def pre_authenticate(self, request, **credentials) -> None:
        """Replaces allauth's login_failed limit (which locked the account everywhere)."""
        if not _throttled():
            return
        wait = login_throttle.delay_left(login=_login_of(credentials), address=client_ip(request))
        if wait:
            # coalition.middleware.RetryAfterMiddleware turns the form's answer into a 429.
            request.retry_after = wait
            raise self.validation_error("too_many_login_attempts")

    def authenticate(self, request, **credentials):
        user = super().authenticate(request, **credentials)
        if user is not None and _throttled():
            login_throttle.success_record(login=_login_of(credentials), address=client_ip(request))
        return user

    def authentication_failed(self, request, **credentials) -> None:
        if not _throttled():
            return
        login = _login_of(credentials)
        if login_throttle.failure_record(login=login, address=client_ip(request)):
            self._tell_owner_of_failures(request, login)

    def _tell_owner_of_failures(self, request, login: str) -> None:
        from allauth.account.internal import flows

        from members.models import User

        owner = User.objects.filter(email__iexact=login, is_active=True).first()
        if owner is None:
            return
        self.send_mail(
            "account/email/login_failures",
            owner.email,
            {
                "failures": login_throttle.NOTIFY_AFTER,
                "password_reset_url": flows.password_reset.get_reset_password_url(request),
            },
        )

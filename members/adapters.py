"""How allauth sends its email: rendered in the request, sent by Celery after commit.

Account email speaks as the coalition ("Hello from Clean Air Alliance!"), in
the language of the person's request, with links on SITE_URL rather than on
whatever host the request came in by.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings

from coalition.mail import coalition_name, email_queue


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
        message = self.render_mail(template_prefix, email, context)
        email_queue(message)

    def get_reset_password_from_key_url(self, key: str) -> str:
        return on_site(super().get_reset_password_from_key_url(key))

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return on_site(super().get_email_confirmation_url(request, emailconfirmation))

"""Email leaves the request: it is queued in the outbox and sent by a Celery task after commit.

Every message, whichever path built it (transactional email, outreach,
reminders, reports, allauth's account email), is finished on its way out by
``CoalitionEmailBackend``: the subject is plain text (never HTML-escaped), the
sender's name is the coalition's unless the message speaks for a group, and
a text/html part with the coalition's name sits beside the text/plain one.
"""

from __future__ import annotations

import html
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string


def coalition_name() -> str:
    """The coalition's name as set up, or COALITION_NAME before setup."""
    from coalition.models import Coalition

    name = Coalition.objects.filter(pk=1).values_list("name", flat=True).first()
    return name or settings.COALITION_NAME


def language_for(person=None) -> str:
    """The language to write to ``person`` in: theirs, else the coalition's default."""
    chosen = getattr(person, "language", "") or ""
    if chosen in dict(settings.LANGUAGES):
        return chosen
    from coalition.models import Coalition

    default = Coalition.objects.filter(pk=1).values_list("language", flat=True).first()
    return default or settings.LANGUAGE_CODE


def sender(name: str) -> str:
    """A From header with ``name`` before the app's sending address."""
    return formataddr((" ".join(name.split()), parseaddr(settings.DEFAULT_FROM_EMAIL)[1]))


def email_queue(message: EmailMessage) -> None:
    """Send ``message`` from a worker once the current transaction commits.

    If the transaction rolls back, nothing is sent: a person never gets a
    link to something that does not exist. It goes through the outbox, so a
    broker that is down at the commit delays the message, never loses it.
    """
    from coalition.outbox import outbox_add
    from coalition.tasks import email_send

    html_part = None
    if isinstance(message, EmailMultiAlternatives):
        for content, mimetype in message.alternatives:
            if mimetype == "text/html":
                html_part = content
    outbox_add(
        email_send,
        # Plain strings: the row's arguments are stored as JSON.
        subject=str(message.subject),
        body=str(message.body),
        html=None if html_part is None else str(html_part),
        from_email=None if message.from_email is None else str(message.from_email),
        to=[str(address) for address in message.to],
        headers={str(name): str(value) for name, value in message.extra_headers.items()},
    )


def finish(message: EmailMessage, *, name: str) -> EmailMessage:
    """The message as it should leave: plain subject, named sender, text and HTML parts."""
    # Subjects are rendered from templates that escape by default; a subject
    # is a header, never HTML, so an entity there is always a mistake.
    message.subject = " ".join(html.unescape(str(message.subject)).split())
    display, address = parseaddr(str(message.from_email or settings.DEFAULT_FROM_EMAIL))
    default_display, default_address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if not display or (display == default_display and address == default_address):
        message.from_email = formataddr((" ".join(name.split()), address or default_address))
    if message.content_subtype == "plain" and not any(
        mimetype == "text/html" for _content, mimetype in getattr(message, "alternatives", [])
    ):
        page = render_to_string(
            "email/message.html",
            {
                "coalition_name": name,
                "subject": message.subject,
                "body": str(message.body),
            },
        )
        if isinstance(message, EmailMultiAlternatives):
            message.attach_alternative(page, "text/html")
        else:
            message.__class__ = EmailMultiAlternatives
            message.alternatives = []
            message.attach_alternative(page, "text/html")
    return message


class CoalitionEmailBackend(BaseEmailBackend):
    """Finishes each message (``finish``), then hands it to EMAIL_DELIVERY_BACKEND."""

    def __init__(self, fail_silently: bool = False, **kwargs) -> None:
        super().__init__(fail_silently=fail_silently)
        self.delivery = get_connection(
            settings.EMAIL_DELIVERY_BACKEND, fail_silently=fail_silently, **kwargs
        )
        self._name: str | None = None

    def open(self):
        return self.delivery.open()

    def close(self) -> None:
        self.delivery.close()

    def send_messages(self, email_messages) -> int:
        messages = list(email_messages)
        if not messages:
            return 0
        if self._name is None:
            self._name = coalition_name()
        return self.delivery.send_messages([finish(m, name=self._name) for m in messages])

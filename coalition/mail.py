"""Email leaves the request: it is queued in the outbox and sent by a Celery task after commit."""

from __future__ import annotations

from django.core.mail import EmailMessage, EmailMultiAlternatives


def email_queue(message: EmailMessage) -> None:
    """Send ``message`` from a worker once the current transaction commits.

    If the transaction rolls back, nothing is sent: a person never gets a
    link to something that does not exist. It goes through the outbox, so a
    broker that is down at the commit delays the message, never loses it.
    """
    from coalition.outbox import outbox_add
    from coalition.tasks import email_send

    html = None
    if isinstance(message, EmailMultiAlternatives):
        for content, mimetype in message.alternatives:
            if mimetype == "text/html":
                html = content
    outbox_add(
        email_send,
        # Plain strings: the row's arguments are stored as JSON.
        subject=str(message.subject),
        body=str(message.body),
        html=None if html is None else str(html),
        from_email=None if message.from_email is None else str(message.from_email),
        to=[str(address) for address in message.to],
        headers={str(name): str(value) for name, value in message.extra_headers.items()},
    )

"""Email leaves the request: it is queued and sent by a Celery task after commit."""

from __future__ import annotations

from django.core.mail import EmailMessage, EmailMultiAlternatives


def email_queue(message: EmailMessage) -> None:
    """Send ``message`` from a worker once the current transaction commits.

    If the transaction rolls back, nothing is sent: a person never gets a
    link to something that does not exist.
    """
    from coalition.tasks import email_send

    html = None
    if isinstance(message, EmailMultiAlternatives):
        for content, mimetype in message.alternatives:
            if mimetype == "text/html":
                html = content
    email_send.delay_on_commit(
        subject=message.subject,
        body=message.body,
        html=html,
        from_email=message.from_email,
        to=list(message.to),
        headers=dict(message.extra_headers),
    )

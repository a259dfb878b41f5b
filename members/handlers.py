"""How the members app reacts to the frame and to allauth."""

from __future__ import annotations

import logging

from allauth.account.signals import email_confirmed
from django.dispatch import receiver

from coalition.signals import statement_published

logger = logging.getLogger(__name__)


@receiver(statement_published, dispatch_uid="members.resign_on_new_statement")
def ask_signatories_to_resign(sender, *, version, by=None, **kwargs) -> None:
    """A new statement version: flag older signatories and write to them."""
    from members.services.signatures import signatories_mark_resign

    if signatories_mark_resign(version=version):
        from members.services.outreach import outreach_resign_send

        outreach_resign_send(version=version, by=by)


@receiver(email_confirmed, dispatch_uid="members.confirm_signatures")
def confirm_signatures_on_verification(sender, *, request, email_address, **kwargs) -> None:
    """A person verified their address: the signatures they made now count."""
    from members.services.signatures import signatures_confirm_for

    count = signatures_confirm_for(person=email_address.user)
    if count:
        logger.info("Confirmed %s signature(s) after email verification", count)

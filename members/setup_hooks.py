"""What the members app lends the frame's first run: the steward's account, and the
"invite the first groups" next step (coalition/setup_hooks.py, coalition/next_steps.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from coalition import next_steps, setup_hooks
from members.models import Invitation, InvitationKind
from members.services.first_run import account_create_verified


def _groups_invited() -> bool:
    return Invitation.objects.filter(kind=InvitationKind.GROUP).exists()


def register() -> None:
    setup_hooks.account_create_register(account_create_verified)
    next_steps.register(
        "groups",
        title=_("Invite the first groups"),
        explanation=_(
            "Add the groups you already know as prospects and invite them to sign the statement."
        ),
        link_label=_("Add a prospect group"),
        url_name="members:weave_prospect_new",
        path="/weave/prospects/new/",
        done=_groups_invited,
        order=30,
    )

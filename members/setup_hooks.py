"""What the members app lends the frame's first run: the "invite the first groups" next step
(coalition/next_steps.py). The steward's account is made through coalition/accounts.py."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from coalition import next_steps
from members.models import Invitation, InvitationKind


def _groups_invited() -> bool:
    return Invitation.objects.filter(kind=InvitationKind.GROUP).exists()


def register() -> None:
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

"""The kinds of news moderation sends through the notification centre (notifications/registry.py).

Registered on import, from actions' AppConfig.ready() (actions/hooks_moderation.py)
and by the services that send them. A file of its own, beside the other
``*_moderation`` modules, so that other areas' kinds live in theirs.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from coalition.permissions import can_moderate
from notifications.models import Delivery
from notifications.registry import register

FLAGGED = register(
    "moderation_flagged",
    label=_("An action flagged to the moderators"),
    template="actions/moderation/kinds/flagged.txt",
    default=Delivery.IMMEDIATE,
    for_person=can_moderate,
)
REVIEW_ASKED = register(
    "moderation_review_asked",
    label=_("The hosts of a hidden action ask for a review"),
    template="actions/moderation/kinds/review_asked.txt",
    default=Delivery.IMMEDIATE,
    for_person=can_moderate,
)
FLAG_OUTCOME = register(
    "moderation_flag_outcome",
    label=_("What the moderators decided about an action you flagged"),
    template="actions/moderation/kinds/flag_outcome.txt",
    default=Delivery.IMMEDIATE,
)
YOUR_ACTION_FLAGGED = register(
    "moderation_your_action_flagged",
    label=_("Your group's action flagged to the moderators"),
    template="actions/moderation/kinds/your_action_flagged.txt",
    # Not urgent for the hosts (nothing changed yet): the daily digest.
    default=Delivery.DAILY,
)
YOUR_ACTION = register(
    "moderation_your_action",
    label=_("Your group's action hidden or shown again by the moderators"),
    template="actions/moderation/kinds/your_action.txt",
    default=Delivery.IMMEDIATE,
)
PART_OF_HIDDEN = register(
    "moderation_part_of_hidden",
    label=_("An action you co-host or RSVPed to hidden by the moderators"),
    template="actions/moderation/kinds/part_of_hidden.txt",
    default=Delivery.IMMEDIATE,
)

"""What the API's writes accept: types and shapes only; the rules live in the services."""

from __future__ import annotations

from rest_framework import serializers

from actions.models import ActionKind, AmplificationKind, SupportKind, Visibility
from api.filters import ID_MAX


def _id(help_text: str) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=ID_MAX, help_text=help_text)


class ActionFieldsInput(serializers.Serializer):
    group = serializers.SlugField(help_text="The slug of one of your groups: the host.")
    title = serializers.CharField(max_length=160)
    kind = serializers.ChoiceField(choices=ActionKind.choices)
    place = _id("The place's id.")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    description = serializers.CharField(
        max_length=10_000, required=False, default="", allow_blank=True
    )
    tactic = serializers.SlugField(required=False, allow_null=True, default=None)
    address = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True, default=None
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True, default=None
    )
    visibility = serializers.ChoiceField(
        choices=Visibility.choices, required=False, default=Visibility.PUBLIC
    )
    capacity = serializers.IntegerField(
        min_value=1, max_value=ID_MAX, required=False, allow_null=True, default=None
    )


class ActionCreateInput(ActionFieldsInput):
    """Post an action for one of your (signed) groups."""


class EventRegisterInput(ActionFieldsInput):
    """Register your group's event for a day of action: an action inside its window and places."""

    day = serializers.SlugField(help_text="The day of action's slug.")


class AmplificationInput(serializers.Serializer):
    action = _id("The action to amplify.")
    group = serializers.SlugField(help_text="The slug of a group you act for (admin or contact).")
    kind = serializers.ChoiceField(choices=AmplificationKind.choices)
    people = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=0, max_value=ID_MAX,
        help_text="For a pledge: how many people.",
    )  # fmt: skip


class ParticipationInput(serializers.Serializer):
    action = _id("The action you are coming to.")
    name = serializers.CharField(
        max_length=150, required=False, allow_blank=True, help_text="Your name by default."
    )
    email = serializers.EmailField(
        max_length=254, required=False, help_text="Your account's address by default."
    )
    consent = serializers.BooleanField(help_text="You agree to the current privacy policy.")


class SupportRequestInput(serializers.Serializer):
    action = _id("The action (your group hosts it) that needs support.")
    kind = serializers.ChoiceField(choices=SupportKind.choices)
    amount = serializers.IntegerField(min_value=1, max_value=ID_MAX)
    description = serializers.CharField(
        max_length=300, required=False, default="", allow_blank=True
    )

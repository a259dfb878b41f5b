"""What the API answers: plain serializers over rows the selectors already loaded.

Nothing here queries the database: every related row is select_related or
prefetched by ``api.selectors``, and each permission question is answered by
``coalition.permissions`` from the person's memberships and roles, read once
per request. Personal fields are null unless the person may see them on the
pages.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from actions.models import ActionKind, ActionStatus, AmplificationKind, SupportKind, Visibility
from actions.selectors_amplification import group_label, group_named
from coalition.models import PlaceKind
from coalition.permissions import can_edit_action, can_see_group_members, is_in_network
from convergence.models import DayStatus
from members.models import GroupKind, Stage
from reporting.models import SignalKind, Stance, WinLevel


def _user(serializer) -> object:
    return serializer.context["request"].user


class PlaceRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class GroupRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


class PlaceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=PlaceKind.choices)
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    depth = serializers.IntegerField()


class GroupSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=GroupKind.choices)
    place = PlaceRefSerializer()
    description = serializers.CharField()
    website = serializers.CharField()
    signed = serializers.SerializerMethodField()
    needs_resign = serializers.BooleanField()
    stage = serializers.SerializerMethodField()
    contact_name = serializers.SerializerMethodField()
    contact_email = serializers.SerializerMethodField()

    def get_signed(self, group) -> bool:
        return group.signed_version_id is not None

    def _insider(self, group) -> bool:
        return can_see_group_members(_user(self), group)

    @extend_schema_field(serializers.ChoiceField(choices=Stage.choices, allow_null=True))
    def get_stage(self, group):
        return group.stage if self._insider(group) else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_contact_name(self, group):
        return group.contact_name if self._insider(group) else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_contact_email(self, group):
        return group.contact_email if self._insider(group) else None


class TacticSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    title = serializers.CharField()
    summary = serializers.CharField()
    why_it_worked = serializers.CharField()
    how_to = serializers.CharField()
    resources = serializers.CharField()
    adoption_count = serializers.IntegerField()
    place_count = serializers.IntegerField()


class ActionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    kind = serializers.ChoiceField(choices=ActionKind.choices)
    tactic = serializers.CharField(source="tactic.slug", allow_null=True)
    host_group = GroupRefSerializer()
    place = PlaceRefSerializer()
    address = serializers.CharField()
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    visibility = serializers.ChoiceField(choices=Visibility.choices)
    capacity = serializers.IntegerField(allow_null=True)
    rsvp_count = serializers.IntegerField()
    places_left = serializers.IntegerField(allow_null=True)
    status = serializers.ChoiceField(choices=ActionStatus.choices)
    participants = serializers.IntegerField(allow_null=True)
    letters_sent = serializers.IntegerField(allow_null=True)
    signatures_gathered = serializers.IntegerField(allow_null=True)
    media_pieces = serializers.IntegerField(allow_null=True)
    story = serializers.CharField()
    hidden = serializers.BooleanField(source="is_hidden")
    created_at = serializers.DateTimeField()


class AmplifyingGroupSerializer(serializers.Serializer):
    """A group as the viewer may know it: no slug, and "another group", when not."""

    slug = serializers.CharField(allow_null=True)
    name = serializers.CharField()


class AmplificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    action = serializers.IntegerField(source="action_id")
    group = serializers.SerializerMethodField()
    kind = serializers.ChoiceField(choices=AmplificationKind.choices)
    people = serializers.IntegerField(allow_null=True)
    sees_rsvps = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    @extend_schema_field(AmplifyingGroupSerializer)
    def get_group(self, amplification) -> dict:
        viewer_in_network = is_in_network(_user(self))
        group = amplification.group
        named = group_named(group, viewer_in_network=viewer_in_network)
        return {
            "slug": group.slug if named else None,
            "name": group_label(group, viewer_in_network=viewer_in_network),
        }

    # Nullable: null for everyone but the hosts (the schema said boolean, issue #17).
    @extend_schema_field({"type": "boolean", "nullable": True})
    def get_sees_rsvps(self, amplification) -> bool | None:
        """Only the hosts see whom they let see their RSVPs; null for everyone else."""
        if can_edit_action(_user(self), amplification.action):
            return amplification.sees_rsvps
        return None


class ActionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()


class SupportRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    action = ActionRefSerializer()
    kind = serializers.ChoiceField(choices=SupportKind.choices)
    description = serializers.CharField()
    amount = serializers.IntegerField()
    pledged = serializers.IntegerField()
    is_open = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    met_at = serializers.DateTimeField(allow_null=True)


class DayOfActionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    title = serializers.CharField()
    purpose = serializers.CharField()
    target = serializers.CharField()
    ask = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=DayStatus.choices)
    places = PlaceRefSerializer(many=True)
    goal_events = serializers.IntegerField(allow_null=True)
    goal_participants = serializers.IntegerField(allow_null=True)
    total_events = serializers.IntegerField(allow_null=True)
    total_participants = serializers.IntegerField(allow_null=True)


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    day = serializers.CharField(source="day.slug")
    action = ActionSerializer()
    registered_at = serializers.DateTimeField()


class ParticipationSerializer(serializers.Serializer):
    """An RSVP: only for the action's hosts (``can_see_rsvps``) and the person who made it."""

    id = serializers.IntegerField()
    action = serializers.IntegerField(source="action_id")
    name = serializers.CharField()
    email = serializers.EmailField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()


class WinSerializer(serializers.Serializer):
    """The fields of ``/impact/`` for everyone; the rest (null otherwise) for the dashboard."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    won_on = serializers.DateField()
    level = serializers.ChoiceField(choices=WinLevel.choices)
    place = PlaceRefSerializer()
    evidence_url = serializers.CharField()
    description = serializers.SerializerMethodField()
    shifted_climate = serializers.SerializerMethodField()
    is_public = serializers.SerializerMethodField()

    def _full(self) -> bool:
        return self.context.get("full_records", False)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_description(self, win):
        return win.description if self._full() else None

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_shifted_climate(self, win):
        return win.shifted_climate if self._full() else None

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_is_public(self, win):
        return win.is_public if self._full() else None


class ClimateSignalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=SignalKind.choices)
    source = serializers.CharField()
    said_on = serializers.DateField()
    stance = serializers.ChoiceField(choices=Stance.choices)
    url = serializers.CharField()
    summary = serializers.CharField()
    place = PlaceRefSerializer()
    day_of_action = serializers.CharField(source="day_of_action.slug", allow_null=True)

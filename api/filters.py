"""Query-string filters of the API's lists, the same as the pages' filters.

Each is a serializer over ``request.query_params``: a bad value answers 400
with a message on the field, never an empty list that looks like an answer.
References (a place, a tactic, a day) are checked in one query each.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from actions.models import ActionKind, AmplificationKind, SupportKind, Tactic
from coalition.dates import validate_day_in_range
from coalition.models import Place, PlaceKind, WorkingGroup
from convergence.models import DayStatus
from members.models import GroupKind
from reporting.models import SignalKind, Stance

# Postgres integers stop here; a larger id is a bad value, not a 500.
ID_MAX = 2**31 - 1


def _id_field(help_text: str) -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False, min_value=1, max_value=ID_MAX, help_text=help_text
    )


class _Filters(serializers.Serializer):
    def _place(self, pk: int | None, field: str = "place") -> Place | None:
        if pk is None:
            return None
        place = Place.objects.only("id", "path").filter(pk=pk).first()
        if place is None:
            raise serializers.ValidationError({field: [_("There is no place with this id.")]})
        return place


class PlaceFilters(_Filters):
    within = _id_field("Only this place and the places under it.")
    kind = serializers.ChoiceField(choices=PlaceKind.choices, required=False)

    def validate(self, data):
        data["within"] = self._place(data.get("within"), "within")
        return data


class GroupFilters(_Filters):
    place = _id_field("Only groups in this place or under it.")
    kind = serializers.ChoiceField(choices=GroupKind.choices, required=False)

    def validate(self, data):
        data["place"] = self._place(data.get("place"))
        return data


class ActionFilters(_Filters):
    place = _id_field("Only actions in this place or under it.")
    kind = serializers.ChoiceField(choices=ActionKind.choices, required=False)
    tactic = serializers.SlugField(required=False, help_text="A tactic's slug.")
    working_group = serializers.SlugField(
        required=False, help_text="A working group's slug: actions of groups in it."
    )
    group = serializers.SlugField(required=False, help_text="The host group's slug.")
    date_from = serializers.DateField(
        required=False,
        help_text="Starting on or after this day (1900-01-01 to 2999-12-31).",
        validators=[validate_day_in_range],
    )
    date_to = serializers.DateField(
        required=False,
        help_text="Starting on or before this day (1900-01-01 to 2999-12-31).",
        validators=[validate_day_in_range],
    )
    ordering = serializers.ChoiceField(
        choices=["-starts_at", "starts_at"],
        required=False,
        help_text="-starts_at (latest first, the default) or starts_at (soonest first).",
    )

    def validate(self, data):
        data["place"] = self._place(data.get("place"))
        if data.get("tactic") and not Tactic.objects.filter(slug=data["tactic"]).exists():
            raise serializers.ValidationError({"tactic": [_("There is no tactic with this slug.")]})
        if (
            data.get("working_group")
            and not WorkingGroup.objects.filter(slug=data["working_group"]).exists()
        ):
            raise serializers.ValidationError(
                {"working_group": [_("There is no working group with this slug.")]}
            )
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise serializers.ValidationError(
                {"date_to": [_("The end of the range is before its start.")]}
            )
        return data


class AmplificationFilters(_Filters):
    action = _id_field("Only amplifications of this action.")
    kind = serializers.ChoiceField(choices=AmplificationKind.choices, required=False)


class SupportRequestFilters(_Filters):
    place = _id_field("Only requests for actions in this place or under it.")
    kind = serializers.ChoiceField(choices=SupportKind.choices, required=False)

    def validate(self, data):
        data["place"] = self._place(data.get("place"))
        return data


class DayFilters(_Filters):
    status = serializers.ChoiceField(choices=DayStatus.choices, required=False)


class EventFilters(_Filters):
    day = serializers.SlugField(required=False, help_text="The day of action's slug.")
    place = _id_field("Only events in this place or under it.")
    group = serializers.SlugField(required=False, help_text="The host group's slug.")

    def validate(self, data):
        data["place"] = self._place(data.get("place"))
        return data


class ParticipationFilters(_Filters):
    action = _id_field("The RSVPs of this action (for its hosts); without it, your own RSVPs.")


class RecordFilters(_Filters):
    place = _id_field("Only records in this place or under it.")
    since = serializers.DateField(required=False, validators=[validate_day_in_range])
    until = serializers.DateField(required=False, validators=[validate_day_in_range])

    def validate(self, data):
        data["place"] = self._place(data.get("place"))
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise serializers.ValidationError(
                {"until": [_("The end of the range is before its start.")]}
            )
        return data


class SignalFilters(RecordFilters):
    kind = serializers.ChoiceField(choices=SignalKind.choices, required=False)
    stance = serializers.ChoiceField(choices=Stance.choices, required=False)

"""Days of action and their registered events in the API."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api import selectors
from api.filters import DayFilters, EventFilters
from api.inputs import EventRegisterInput
from api.serializers import DayOfActionSerializer, EventSerializer
from api.views.actions import action_fields, own_group
from api.views.base import ApiListView, ApiView
from coalition.selectors import in_place
from convergence.selectors import days_visible_to
from convergence.services.events import event_register


@extend_schema_view(
    get=extend_schema(parameters=[DayFilters], summary="Days of action", tags=["days of action"])
)
class DayList(ApiListView):
    serializer_class = DayOfActionSerializer
    filters_class = DayFilters
    keyset = ("starts_at", "id")

    def get_queryset(self):
        filters = self.filters()
        days = selectors.days_for_api(self.request.user)
        if filters.get("status"):
            days = days.filter(status=filters["status"])
        return days

    def get(self, request):
        return self.list(request)


@extend_schema_view(get=extend_schema(tags=["days of action"]))
class DayDetail(ApiView):
    serializer_class = DayOfActionSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return selectors.days_for_api(self.request.user)

    def get(self, request, slug: str):
        return self.retrieve(request)


@extend_schema_view(
    get=extend_schema(
        parameters=[EventFilters],
        summary="Events registered for days of action",
        tags=["events"],
    ),
    post=extend_schema(
        request=EventRegisterInput,
        responses={201: EventSerializer},
        summary="Register your group's event for a day of action",
        tags=["events"],
    ),
)
class EventList(ApiListView):
    serializer_class = EventSerializer
    filters_class = EventFilters
    keyset = ("-id",)

    def get_queryset(self):
        filters = self.filters()
        events = selectors.events_for_api(self.request.user).filter(
            in_place(filters.get("place"), "action__place")
        )
        if filters.get("day"):
            events = events.filter(day__slug=filters["day"])
        if filters.get("group"):
            events = events.filter(action__host_group__slug=filters["group"])
        return events

    def get(self, request):
        return self.list(request)

    def post(self, request):
        checked = EventRegisterInput(data=request.data)
        checked.is_valid(raise_exception=True)
        data = checked.validated_data
        day = days_visible_to(request.user).filter(slug=data["day"]).first()
        if day is None:
            raise ValidationError({"day": [_("There is no day of action with this slug.")]})
        group = own_group(request.user, data["group"])
        event = event_register(day=day, group=group, by=request.user, **action_fields(data))
        row = selectors.events_for_api(request.user).get(pk=event.pk)
        return Response(self.get_serializer(row).data, status=status.HTTP_201_CREATED)


@extend_schema_view(get=extend_schema(tags=["events"]))
class EventDetail(ApiView):
    serializer_class = EventSerializer

    def get_queryset(self):
        return selectors.events_for_api(self.request.user)

    def get(self, request, pk: int):
        return self.retrieve(request)


urlpatterns = [
    path("api/v1/days/", DayList.as_view(), name="day_list"),
    path("api/v1/days/<slug:slug>/", DayDetail.as_view(), name="day_detail"),
    path("api/v1/events/", EventList.as_view(), name="event_list"),
    path("api/v1/events/<int:pk>/", EventDetail.as_view(), name="event_detail"),
]

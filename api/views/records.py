"""Wins and climate signals in the API: the dashboard's records, and the public wins."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.permissions import IsAuthenticated

from api import selectors
from api.filters import RecordFilters, SignalFilters
from api.serializers import ClimateSignalSerializer, WinSerializer
from api.views.base import ApiListView, ApiView
from coalition.permissions import HasCoalitionPermission, can_see_dashboard
from coalition.selectors import in_place


def _dated(rows, field: str, filters: dict):
    if filters.get("since"):
        rows = rows.filter(**{f"{field}__gte": filters["since"]})
    if filters.get("until"):
        rows = rows.filter(**{f"{field}__lte": filters["until"]})
    return rows


class _WinView(ApiView):
    serializer_class = WinSerializer

    def get_queryset(self):
        return selectors.wins_for_api(self.request.user)

    def extra_context(self) -> dict:
        return {"full_records": can_see_dashboard(self.request.user)}


@extend_schema_view(
    get=extend_schema(
        parameters=[RecordFilters],
        summary="Wins: the public ones for everyone, all of them for the dashboard's readers",
        tags=["wins"],
    )
)
class WinList(_WinView, ApiListView):
    filters_class = RecordFilters
    keyset = ("-won_on", "-id")

    def get_queryset(self):
        filters = self.filters()
        rows = super().get_queryset().filter(in_place(filters.get("place")))
        return _dated(rows, "won_on", filters)

    def get(self, request):
        return self.list(request)


@extend_schema_view(get=extend_schema(tags=["wins"]))
class WinDetail(_WinView):
    def get(self, request, pk: int):
        return self.retrieve(request)


class _SignalView(ApiView):
    serializer_class = ClimateSignalSerializer
    permission_classes = [IsAuthenticated, HasCoalitionPermission]
    coalition_permission = "see_dashboard"

    def get_queryset(self):
        return selectors.signals_for_api(self.request.user)


@extend_schema_view(
    get=extend_schema(
        parameters=[SignalFilters],
        summary="Climate signals (the steering committee and weavers)",
        tags=["climate signals"],
    )
)
class SignalList(_SignalView, ApiListView):
    filters_class = SignalFilters
    keyset = ("-said_on", "-id")

    def get_queryset(self):
        filters = self.filters()
        rows = super().get_queryset().filter(in_place(filters.get("place")))
        if filters.get("kind"):
            rows = rows.filter(kind=filters["kind"])
        if filters.get("stance"):
            rows = rows.filter(stance=filters["stance"])
        return _dated(rows, "said_on", filters)

    def get(self, request):
        return self.list(request)


@extend_schema_view(get=extend_schema(tags=["climate signals"]))
class SignalDetail(_SignalView):
    def get(self, request, pk: int):
        return self.retrieve(request)


urlpatterns = [
    path("api/v1/wins/", WinList.as_view(), name="win_list"),
    path("api/v1/wins/<int:pk>/", WinDetail.as_view(), name="win_detail"),
    path("api/v1/climate-signals/", SignalList.as_view(), name="signal_list"),
    path("api/v1/climate-signals/<int:pk>/", SignalDetail.as_view(), name="signal_detail"),
]

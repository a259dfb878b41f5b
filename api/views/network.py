"""The network's frame in the API: places, groups and the playbook's tactics."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_view

from api import selectors
from api.filters import GroupFilters, PlaceFilters
from api.serializers import GroupSerializer, PlaceSerializer, TacticSerializer
from api.views.base import ApiListView, ApiView
from coalition.selectors import in_place


@extend_schema_view(get=extend_schema(parameters=[PlaceFilters], summary="The place tree"))
class PlaceList(ApiListView):
    serializer_class = PlaceSerializer
    filters_class = PlaceFilters
    keyset = ("path", "id")

    def get_queryset(self):
        filters = self.filters()
        places = selectors.places_for_api()
        if filters.get("within"):
            places = places.filter(path__startswith=filters["within"].path)
        if filters.get("kind") is not None:
            places = places.filter(kind=filters["kind"])
        return places

    def get(self, request):
        return self.list(request)


class PlaceDetail(ApiView):
    serializer_class = PlaceSerializer

    def get_queryset(self):
        return selectors.places_for_api()

    def get(self, request, pk: int):
        return self.retrieve(request)


@extend_schema_view(
    get=extend_schema(
        parameters=[GroupFilters],
        summary="Groups: listed signatories, your own groups, and every group for weavers",
    )
)
class GroupList(ApiListView):
    serializer_class = GroupSerializer
    filters_class = GroupFilters
    keyset = ("name", "id")

    def get_queryset(self):
        filters = self.filters()
        groups = selectors.groups_for_api(self.request.user).filter(in_place(filters.get("place")))
        if filters.get("kind"):
            groups = groups.filter(kind=filters["kind"])
        return groups

    def get(self, request):
        return self.list(request)


class GroupDetail(ApiView):
    serializer_class = GroupSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return selectors.groups_for_api(self.request.user)

    def get(self, request, slug: str):
        return self.retrieve(request)


@extend_schema_view(get=extend_schema(summary="The playbook: tactics and how far they spread"))
class TacticList(ApiListView):
    serializer_class = TacticSerializer
    keyset = ("title", "id")

    def get_queryset(self):
        return selectors.tactics_for_api(self.request.user)

    def get(self, request):
        return self.list(request)


class TacticDetail(ApiView):
    serializer_class = TacticSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return selectors.tactics_for_api(self.request.user)

    def get(self, request, slug: str):
        return self.retrieve(request)


urlpatterns = [
    path("api/v1/places/", PlaceList.as_view(), name="place_list"),
    path("api/v1/places/<int:pk>/", PlaceDetail.as_view(), name="place_detail"),
    path("api/v1/groups/", GroupList.as_view(), name="group_list"),
    path("api/v1/groups/<slug:slug>/", GroupDetail.as_view(), name="group_detail"),
    path("api/v1/tactics/", TacticList.as_view(), name="tactic_list"),
    path("api/v1/tactics/<slug:slug>/", TacticDetail.as_view(), name="tactic_detail"),
]

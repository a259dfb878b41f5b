"""The API's entry point, its OpenAPI schema, its Swagger UI, and its 404 for unknown addresses."""

from __future__ import annotations

from django.urls import path, re_path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from api.errors import not_found
from api.views.base import ApiView

LISTS = {
    "places": "api:place_list",
    "groups": "api:group_list",
    "tactics": "api:tactic_list",
    "actions": "api:action_list",
    "amplifications": "api:amplification_list",
    "support_requests": "api:support_request_list",
    "participations": "api:participation_list",
    "days": "api:day_list",
    "events": "api:event_list",
    "wins": "api:win_list",
    "climate_signals": "api:signal_list",
}


class ApiRoot(ApiView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="Links to every list")
    def get(self, request):
        links = {key: request.build_absolute_uri(reverse(name)) for key, name in LISTS.items()}
        links["schema"] = request.build_absolute_uri(reverse("api:schema"))
        links["docs"] = request.build_absolute_uri(reverse("api:docs"))
        return Response(links)


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI from the sidecar's static files; its script is a separate file (CSP)."""

    template_name = "api/swagger_ui.html"
    url_name = "api:schema"


urlpatterns = [
    path("api/v1/", ApiRoot.as_view(), name="root"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SwaggerView.as_view(), name="docs"),
]

# Last: anything else under /api/ (but OSDI's own tree) is a 404 in the API's shape.
fallback = [re_path(r"^api/(?!osdi/)", not_found)]

"""OpenAPI details drf-spectacular cannot infer: the error shape, the token scheme."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )


class ErrorSerializer(serializers.Serializer):
    """Every 4xx and 5xx answer of the API."""

    error = ErrorDetailSerializer()


ERROR = OpenApiResponse(ErrorSerializer, description="The one error shape of the API.")


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token from /me/tokens/.",
        }


class CoalitionAutoSchema(AutoSchema):
    """Every operation documents the errors it can answer, in the one error shape."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = ["400", "401", "403", "404", "429"]
        if self.method == "POST":
            codes.append("409")
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(ERROR, code, direction=direction)
        return responses


# Where a row of each kind leads: (operation, "parameters" or "requestBody", {name: field
# of the row}); a field with a slash is nested (``place/id``). The list of those rows (from
# its first row) and the create that makes one (from the row it made) get these as
# OpenAPI links, so a client or a stateful test can go on from them. Details lead nowhere
# more: schemathesis 3 keeps one link per target and status code, so a second source
# would silently replace the first. Nothing leads to the actions' and groups' lists, where
# most work starts: schemathesis starts its workflows only where no link leads.
ROW_LEADS_TO: dict[str, list[tuple[str, str, dict[str, str]]]] = {
    "Place": [("v1_places_retrieve", "parameters", {"id": "id"})],
    "Group": [
        ("v1_groups_retrieve", "parameters", {"slug": "slug"}),
        ("v1_actions_create", "requestBody", {"group": "slug", "place": "place/id"}),
    ],
    "Tactic": [("v1_tactics_retrieve", "parameters", {"slug": "slug"})],
    "Action": [
        ("v1_actions_retrieve", "parameters", {"id": "id"}),
        ("v1_amplifications_list", "parameters", {"action": "id"}),
        ("v1_participations_list", "parameters", {"action": "id"}),
        ("v1_amplifications_create", "requestBody", {"action": "id"}),
        ("v1_participations_create", "requestBody", {"action": "id"}),
        ("v1_support_requests_create", "requestBody", {"action": "id"}),
    ],
    "Amplification": [("v1_amplifications_retrieve", "parameters", {"id": "id"})],
    "SupportRequest": [("v1_support_requests_retrieve", "parameters", {"id": "id"})],
    "Participation": [("v1_participations_retrieve", "parameters", {"id": "id"})],
    "DayOfAction": [
        ("v1_days_retrieve", "parameters", {"slug": "slug"}),
        ("v1_events_list", "parameters", {"day": "slug"}),
        ("v1_events_create", "requestBody", {"day": "slug"}),
    ],
    "Event": [("v1_events_retrieve", "parameters", {"id": "id"})],
    "Win": [("v1_wins_retrieve", "parameters", {"id": "id"})],
    "ClimateSignal": [("v1_climate_signals_retrieve", "parameters", {"id": "id"})],
}
# Which answer of which operation links on: a list's page, a create's new row.
LINKED_ANSWERS = {"_list": "200", "_create": "201"}


def add_links(result, generator, request, public):
    """OpenAPI links from every list's and create's rows to where they lead
    (``ROW_LEADS_TO``): from each create's 201 to the detail of the row it made, from each
    list's 200 to its first row's detail, from an action to amplifying it, and so on."""
    paths = result.get("paths", {})
    operation_ids = {op["operationId"] for ops in paths.values() for op in ops.values()}
    for operations in paths.values():
        for operation in operations.values():
            source = operation["operationId"]
            code = next((c for end, c in LINKED_ANSWERS.items() if source.endswith(end)), None)
            response = operation.get("responses", {}).get(code)
            if response is None:
                continue
            schema = response.get("content", {}).get("application/json", {}).get("schema", {})
            row, pointer = _row_of(schema.get("$ref", ""))
            for target, where, fields in ROW_LEADS_TO.get(row, []):
                if target not in operation_ids:
                    continue
                values = {
                    name: f"$response.body#{pointer}/{field}" for name, field in fields.items()
                }
                link = {"operationId": target, where: values}
                if code == "201" and fields == {"id": "id"}:
                    link["description"] = "The row this request created."
                else:
                    link["description"] = (
                        "From the page's first row." if pointer else "From the new row."
                    )
                response.setdefault("links", {})[target] = link
    return result


def _row_of(ref: str) -> tuple[str, str]:
    """The kind of row an answer's schema holds, and the JSON pointer to one of them."""
    name = ref.rsplit("/", 1)[-1]
    if name.startswith("Paginated") and name.endswith("List"):
        return name.removeprefix("Paginated").removesuffix("List"), "/results/0"
    return name, ""

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


def add_links(result, generator, request, public):
    """OpenAPI links from each create to its detail (the new row's ``id`` from the 201
    body), so stateful testing and clients can follow a write to what it made."""
    paths = result.get("paths", {})
    for path, operations in paths.items():
        create = operations.get("post")
        detail = paths.get(f"{path}{{id}}/", {}).get("get")
        if not create or not detail or "201" not in create.get("responses", {}):
            continue
        body = create["responses"]["201"].get("content", {}).get("application/json", {})
        if not _has_id(result, body.get("schema", {})):
            continue
        name = detail["operationId"]
        create["responses"]["201"].setdefault("links", {})[name] = {
            "operationId": name,
            "parameters": {"id": "$response.body#/id"},
            "description": "The row this request created.",
        }
    return result


def _has_id(result: dict, schema: dict) -> bool:
    ref = schema.get("$ref", "")
    if ref:
        schema = result.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[-1], {})
    return "id" in schema.get("properties", {})

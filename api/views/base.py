"""The base of every /api/v1/ view: filters, keyset pages, the error shape in the schema."""

from __future__ import annotations

from django.http import Http404
from rest_framework import exceptions, generics, mixins
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.response import Response

from api.filters import ID_MAX
from api.pagination import KeysetPagination


class MethodFirstMixin:
    """A method the address does not serve answers 405, before authentication and
    permissions: DRF checks those first, so a PUT on a list answered 401 or 403, which
    tells a client its token is wrong when its method is (issue #17)."""

    def initial(self, request, *args, **kwargs):
        method = request.method.lower()
        if method not in self.http_method_names or not hasattr(self, method):
            # What super().initial() would set first, so the error is rendered as asked.
            self.format_kwarg = self.get_format_suffix(**kwargs)
            request.accepted_renderer, request.accepted_media_type = (
                self.perform_content_negotiation(request)
            )
            raise exceptions.MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)


class ApiView(MethodFirstMixin, generics.GenericAPIView):
    """Reads for anyone the selectors allow, writes for people who are logged in."""

    permission_classes = [IsAuthenticatedOrReadOnly]
    pagination_class = KeysetPagination
    filters_class = None
    # The list's order: indexed fields ending with the primary key (see KeysetPagination).
    keyset: tuple[str, ...] = ("id",)

    def filters(self) -> dict:
        """The validated query-string filters (400 with field messages when bad)."""
        if getattr(self, "_filters", None) is None:
            if self.filters_class is None:
                self._filters = {}
            else:
                raw = {
                    key: value for key, value in self.request.query_params.items() if value != ""
                }
                checked = self.filters_class(data=raw)
                checked.is_valid(raise_exception=True)
                self._filters = {
                    key: value for key, value in checked.validated_data.items() if value is not None
                }
        return self._filters

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def pk(self) -> int:
        """The address's id; one past what the database holds is simply not found."""
        pk = int(self.kwargs["pk"])
        if pk > ID_MAX:
            raise Http404
        return pk

    def get_object(self):
        if "pk" in self.kwargs:
            self.pk()
        found = self.get_queryset().filter(**{self.lookup_field: self.kwargs[self.lookup_field]})
        row = found.first()
        if row is None:
            raise Http404
        self.check_object_permissions(self.request, row)
        return row

    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_serializer(self.get_object()).data)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), **self.extra_context()}

    def extra_context(self) -> dict:
        return {}


class ApiListView(ApiView, mixins.ListModelMixin):
    """A list (GET) and perhaps a create (POST); the mixin tells the schema it is a list."""

    def get(self, request, *args, **kwargs):
        return self.list(request)

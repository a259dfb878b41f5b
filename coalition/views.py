"""Pages of the frame: home and the health check."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from coalition import health


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "coalition/home.html")


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    database = health.database_ok()
    broker_kind, broker = health.broker_state()
    healthy = database and broker
    return JsonResponse(
        {
            "status": "ok" if healthy else "unavailable",
            "database": "ok" if database else "unreachable",
            "broker": "ok" if broker else "unreachable",
            "broker_kind": broker_kind,
        },
        status=200 if healthy else 503,
    )

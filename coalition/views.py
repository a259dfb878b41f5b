"""Pages of the frame: home, the health check, statement versions, the 413 page."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from coalition import health
from coalition.errors import RuleBroken
from coalition.forms import StatementDraftForm, id_from
from coalition.hooks import groups_to_resign_count
from coalition.models import Principle, StatementVersion
from coalition.permissions import permission_required
from coalition.services import statement_draft_create, statement_draft_update, statement_publish


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    from coalition.panels import home_panels

    return render(request, "coalition/home.html", {"panels": home_panels(request)})


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    database = health.database_ok()
    broker_kind, broker = health.broker_state()
    scheduler, last_tick = health.scheduler_state() if database else ("never", None)
    healthy = database and broker and scheduler in {"ok", "off"}
    return JsonResponse(
        {
            "status": "ok" if healthy else "unavailable",
            "database": "ok" if database else "unreachable",
            "broker": "ok" if broker else "unreachable",
            "broker_kind": broker_kind,
            "scheduler": scheduler,
            "scheduler_last_tick": last_tick.isoformat() if last_tick else None,
        },
        status=200 if healthy else 503,
    )


@require_http_methods(["GET", "POST"])
@permission_required("publish_statement")
def statement_versions(request: HttpRequest) -> HttpResponse:
    """Every version of the statement; draft a new one (from the current text)."""
    versions = StatementVersion.objects.prefetch_related("principles").order_by("-number")
    current = next((v for v in versions if v.published_at), None)
    status = 200
    if request.method == "POST":
        form = StatementDraftForm(request.POST)
        if form.is_valid():
            try:
                draft = statement_draft_create(
                    title=form.cleaned_data["title"],
                    text=form.cleaned_data["text"],
                    principles=form.cleaned_data["principles"],
                    by=request.user,
                )
            except RuleBroken as problem:
                form.add_error(None, problem.message)
            else:
                messages.success(request, _("Draft saved. Publish it when the network agrees."))
                return redirect("statement_version", number=draft.number)
        status = 400
    else:
        initial = {}
        if current is not None:
            initial = {
                "title": current.title,
                "text": current.text,
                "principles": "\n".join(
                    f"{p.title}: {p.text}" if p.text else p.title for p in current.principles.all()
                ),
            }
        form = StatementDraftForm(initial=initial)
    return render(
        request,
        "coalition/statement_versions.html",
        {"versions": versions, "current": current, "form": form},
        status=status,
    )


def _principles_text(version: StatementVersion) -> str:
    return "\n".join(
        f"{p.title}: {p.text}" if p.text else p.title for p in version.principles.all()
    )


def _version_or_404(number: int) -> StatementVersion:
    wanted = id_from(number)
    if wanted is None:
        raise Http404
    return get_object_or_404(
        StatementVersion.objects.prefetch_related(
            Prefetch("principles", queryset=Principle.objects.order_by("position", "id"))
        ),
        number=wanted,
    )


@require_http_methods(["GET", "POST"])
@permission_required("publish_statement")
def statement_version(request: HttpRequest, number: int) -> HttpResponse:
    """One version: a draft is opened again and edited; a published one is only read."""
    version = _version_or_404(number)
    form = None
    status = 200
    if request.method == "POST":
        if version.is_published:
            messages.error(
                request, _("Published versions are read-only: draft a new version instead.")
            )
            status = 400
        else:
            form = StatementDraftForm(request.POST)
            if form.is_valid():
                try:
                    statement_draft_update(
                        version=version,
                        title=form.cleaned_data["title"],
                        text=form.cleaned_data["text"],
                        principles=form.cleaned_data["principles"],
                        by=request.user,
                    )
                except RuleBroken as problem:
                    form.add_error(None, problem.message)
                else:
                    messages.success(request, _("Draft saved."))
                    return redirect("statement_version", number=version.number)
            status = 400
    elif not version.is_published:
        form = StatementDraftForm(
            initial={
                "title": version.title,
                "text": version.text,
                "principles": _principles_text(version),
            }
        )
    return render(
        request,
        "coalition/statement_version.html",
        {"version": version, "form": form},
        status=status,
    )


@require_safe
@permission_required("publish_statement")
def statement_version_preview(request: HttpRequest, number: int) -> HttpResponse:
    """The version as it will read on /statement/ once published."""
    version = _version_or_404(number)
    return render(request, "coalition/statement_preview.html", {"version": version})


@require_http_methods(["GET", "POST"])
@permission_required("publish_statement")
def statement_version_publish(request: HttpRequest, number: int) -> HttpResponse:
    """Say how many groups will be asked to re-sign, and publish once confirmed."""
    version = _version_or_404(number)
    problem = ""
    status = 200
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            problem = _("Confirm to publish: nothing was published.")
        else:
            try:
                statement_publish(version=version, by=request.user)
            except RuleBroken as broken:
                problem = broken.message
            else:
                messages.success(
                    request,
                    _(
                        "Version %(number)s is now the statement. Groups that signed an "
                        "earlier version are asked to sign again."
                    )
                    % {"number": version.number},
                )
                return redirect("statement_versions")
        status = 400
    return render(
        request,
        "coalition/statement_publish.html",
        {
            "version": version,
            "problem": problem,
            "to_resign": None if version.is_published else groups_to_resign_count(version=version),
        },
        status=status,
    )


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    """The current privacy policy; earlier versions stay readable by number."""
    from coalition.models import PrivacyPolicy

    number = request.GET.get("version", "")
    published = PrivacyPolicy.objects.filter(published_at__isnull=False)
    # isdecimal, not isdigit: "²" is a digit int() refuses; a number too large
    # for the database is a version that does not exist.
    if number.isdecimal():
        wanted = id_from(number)
        if wanted is None:
            raise Http404
        policy = get_object_or_404(published, number=wanted)
    else:
        policy = published.order_by("-number").first()
    return render(
        request,
        "coalition/privacy.html",
        {
            "policy": policy,
            "versions": published.order_by("-number").only("number", "published_at"),
        },
    )


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 400 handler: a body too large to read is a 413 naming the limit, not a 400."""
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return render(request, "413.html", {"limit": limit}, status=413)
    return defaults.bad_request(request, exception)

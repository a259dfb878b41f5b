"""The weaver's pipeline: board by stage, a group's file, where the network is thin, CSV import."""

from __future__ import annotations

import os
from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from coalition.errors import RuleBroken
from coalition.permissions import permission_required
from coalition.place_pick import places_to_offer, typed_name
from coalition.responses import form_status
from members.forms_weave import (
    PipelineFilterForm,
    PlaceFilterForm,
    ProspectImportConfirmForm,
    ProspectImportForm,
    StageMoveForm,
)
from members.models import ProspectImport, Stage
from members.selectors_weave import (
    BOARD_CARDS_PER_STAGE,
    LAPSED_RECENTLY_DAYS,
    recently_lapsed,
    thin_places,
    untied_groups,
    weave_board,
    weave_filter_choices,
    weave_group_file,
    weave_group_list,
    with_days_since_contact,
)
from members.services.groups import group_set_stage
from members.services.imports import (
    MAX_BYTES,
    prospect_import_parse,
    prospect_import_start,
    prospect_import_stash,
    prospect_import_unstash,
)

GROUPS_PER_PAGE = 50
THIN_PER_PAGE = 25
# The preview table stays readable; every bad row is always listed.
PREVIEW_ROWS_SHOWN = 500
# The progress page leaves the stored rows unread: they may be 2 MB.
PROGRESS_FIELDS = (
    "filename", "status", "rows_total", "rows_done", "created_count", "skipped_count",
    "row_errors", "problem", "created_at", "finished_at",
)  # fmt: skip


def _paginate(request: HttpRequest, queryset, *, per_page: int, param: str = "page"):
    """A page of ``queryset`` with links to its neighbours that keep the other parameters."""
    page = Paginator(queryset, per_page).get_page(request.GET.get(param))

    def query(number: int) -> str:
        params = request.GET.copy()
        params[param] = str(number)
        return "?" + params.urlencode()

    page.previous_query = query(page.previous_page_number()) if page.has_previous() else ""
    page.next_query = query(page.next_page_number()) if page.has_next() else ""
    return page


def _filter_form(request: HttpRequest, *, with_stage: bool = False) -> PipelineFilterForm:
    return PipelineFilterForm(
        request.GET or None, choices=weave_filter_choices(request.GET), with_stage=with_stage
    )


@permission_required("weave")
@require_safe
def board(request: HttpRequest) -> HttpResponse:
    form = _filter_form(request)
    columns = weave_board(form.filters())
    return render(
        request,
        "members/weave/board.html",
        {"form": form, "columns": columns, "per_stage": BOARD_CARDS_PER_STAGE},
    )


@permission_required("weave")
@require_safe
def group_list(request: HttpRequest) -> HttpResponse:
    form = _filter_form(request, with_stage=True)
    filters = form.filters()
    page = _paginate(request, weave_group_list(filters), per_page=GROUPS_PER_PAGE)
    page.object_list = with_days_since_contact(page.object_list)
    return render(
        request,
        "members/weave/groups.html",
        {"form": form, "page": page, "stage": filters.stage},
    )


def _timeline_before(request: HttpRequest) -> datetime | None:
    """The keyset cursor of an older timeline page (``?before=<ISO moment>``); a malformed
    one shows the newest entries."""
    try:
        before = datetime.fromisoformat(request.GET.get("before", "")[:40])
    except ValueError:
        return None
    if not 1 < before.year < 9999:  # room to step a day either way
        return None
    if timezone.is_naive(before):
        before = timezone.make_aware(before)
    return before


@permission_required("weave")
@require_http_methods(["GET", "POST"])
def group_detail(request: HttpRequest, slug: str) -> HttpResponse:
    before = _timeline_before(request)
    file = weave_group_file(slug, before=before)
    if file is None:
        raise Http404
    group = file.group
    form = StageMoveForm(request.POST if request.method == "POST" else None, current=group.stage)
    if request.method == "POST" and form.is_valid():
        try:
            group_set_stage(
                group=group,
                stage=form.cleaned_data["stage"],
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except RuleBroken as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("%(group)s moved.") % {"group": group.name})
            return redirect("members:weave_group", slug=group.slug)
    return render(
        request,
        "members/weave/group.html",
        {
            "group": group,
            "memberships": file.memberships,
            "timeline": file.timeline,
            "timeline_older_query": "?" + urlencode({"before": file.timeline_older.isoformat()})
            if file.timeline_older
            else "",
            "timeline_first_page": before is None,
            "form": form,
            # Groups not (or no longer) in the network may be invited to join it.
            "invitable": group.stage in {Stage.PROSPECT, Stage.CONTACTED, Stage.LAPSED},
        },
        status=form_status(request, form),
    )


@permission_required("weave")
@require_safe
def thin(request: HttpRequest) -> HttpResponse:
    form = PlaceFilterForm(
        request.GET or None,
        places=places_to_offer(chosen=request.GET.get("place"), name=typed_name(request.GET)),
    )
    place = form.chosen_place()

    def page_of(queryset, param: str):
        return _paginate(request, queryset, per_page=THIN_PER_PAGE, param=param)

    return render(
        request,
        "members/weave/thin.html",
        {
            "form": form,
            "place": place,
            "places_page": page_of(thin_places(place), "places_page"),
            "untied_page": page_of(untied_groups(place), "untied_page"),
            "lapsed_page": page_of(recently_lapsed(place), "lapsed_page"),
            "lapsed_days": LAPSED_RECENTLY_DAYS,
        },
    )


def _import_page(request: HttpRequest, form: ProspectImportForm, **context) -> HttpResponse:
    return render(
        request,
        "members/weave/import.html",
        {
            "form": form,
            "preview_rows_shown": PREVIEW_ROWS_SHOWN,
            "inline_rows": settings.CSV_IMPORT_INLINE_ROWS,
            **context,
        },
        status=form_status(request, form),
    )


@permission_required("weave")
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    """Step 1: upload a file and see what would be imported; nothing is written yet."""
    if request.method == "GET":
        return _import_page(request, ProspectImportForm())
    form = ProspectImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, form)
    upload = form.cleaned_data["file"]
    # The name is only used in messages and the groups' history.
    filename = os.path.basename(upload.name or "")[:200] or "upload.csv"
    if upload.size > MAX_BYTES:
        form.add_error("file", _("The file is larger than 2 MB. Split it into smaller files."))
        return _import_page(request, form)
    try:
        result = prospect_import_parse(data=upload.read(MAX_BYTES + 1), filename=filename)
    except RuleBroken as error:
        form.add_error("file", error.message)
        return _import_page(request, form)
    token = (
        prospect_import_stash(
            rows=result.good, filename=filename, by=request.user, errors=result.errors
        )
        if result.good
        else ""
    )
    return _import_page(
        request,
        ProspectImportForm(),
        result=result,
        filename=filename,
        shown_rows=result.good[:PREVIEW_ROWS_SHOWN],
        confirm_form=ProspectImportConfirmForm(initial={"token": token}) if token else None,
    )


@permission_required("weave")
@require_POST
def import_confirm(request: HttpRequest) -> HttpResponse:
    """Step 2: import the previewed good rows, now or, for a long file, by a worker."""
    form = ProspectImportConfirmForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("The confirmation is missing its token."))
    try:
        rows, filename, errors = prospect_import_unstash(
            token=form.cleaned_data["token"], by=request.user
        )
        outcome = prospect_import_start(
            rows=rows, errors=errors, filename=filename, by=request.user
        )
    except RuleBroken as error:
        messages.error(request, error.message)
        return redirect("members:weave_import")
    if isinstance(outcome, ProspectImport):
        return redirect("members:weave_import_progress", pk=outcome.pk)
    created = outcome
    messages.success(
        request,
        ngettext(
            "%(count)s prospect group imported from %(filename)s.",
            "%(count)s prospect groups imported from %(filename)s.",
            created,
        )
        % {"count": created, "filename": filename},
    )
    skipped = len(rows) - created
    if skipped:
        messages.warning(
            request,
            ngettext(
                "%(count)s row was skipped: its group joined the network since the preview.",
                "%(count)s rows were skipped: their groups joined the network since the preview.",
                skipped,
            )
            % {"count": skipped},
        )
    return redirect("members:weave")


@permission_required("weave")
@require_safe
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress of a long prospect import, then its report; the page refreshes meanwhile.

    Everyone who may import (weavers, stewards) may follow any import, as on the
    exchange's progress page: the report holds line numbers and reasons, no more
    than the preview showed.
    """
    run = get_object_or_404(ProspectImport.objects.only(*PROGRESS_FIELDS), pk=pk)
    return render(request, "members/weave/import_progress.html", {"run": run})


urlpatterns = [
    path("weave/", board, name="weave"),
    path("weave/groups/", group_list, name="weave_groups"),
    path("weave/groups/<slug:slug>/", group_detail, name="weave_group"),
    path("weave/thin/", thin, name="weave_thin"),
    path("weave/import/", import_upload, name="weave_import"),
    path("weave/import/confirm/", import_confirm, name="weave_import_confirm"),
    path("weave/import/<int:pk>/", import_progress, name="weave_import_progress"),
]

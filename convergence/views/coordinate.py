"""Coordinator pages: create, edit, publish and report a day of action, its toolkit, the
coordination view and the CSV export of its events."""

from __future__ import annotations

import csv
import logging

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Page
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from coalition.errors import RuleBroken
from coalition.permissions import permission_required
from coalition.place_pick import typed_name
from coalition.responses import form_status
from coalition.selectors import places_for_choice
from convergence.forms_coordinate import (
    CoordinationFilterForm,
    CoordinatorMessageForm,
    DayForm,
    ToolkitItemForm,
    ToolkitVersionForm,
)
from convergence.models import DayOfAction, DayStatus, ToolkitItem
from convergence.selectors_coordinate import (
    coordination,
    covered_place,
    covered_places,
    day_for_coordinator,
    events_for_export,
    toolkit_of,
)
from convergence.services.days import (
    ANNOUNCED_STAGES,
    day_create,
    day_path,
    day_publish,
    day_report,
    day_update,
)
from convergence.services.speaking import AUDIENCES, coordinator_message_send
from convergence.services.toolkit import toolkit_item_add, toolkit_item_update
from members.models import Group
from notifications.broadcasts import on_its_way

logger = logging.getLogger(__name__)


def _rule_error(form, error: RuleBroken) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _day_or_404(slug: str, *, with_hubs: bool = True) -> DayOfAction:
    day = day_for_coordinator(slug, with_hubs=with_hubs)
    if day is None:
        raise Http404
    return day


def _day_form(request: HttpRequest, day: DayOfAction | None = None) -> DayForm:
    hub_groups = list(
        Group.objects.filter(stage__in=ANNOUNCED_STAGES).only("id", "name").order_by("name", "id")
    )
    return DayForm(
        request.POST if request.method == "POST" else None,
        places=places_for_choice(),
        hub_groups=hub_groups,
        day=day,
    )


@permission_required("coordinate")
@require_http_methods(["GET", "POST"])
def day_new(request: HttpRequest) -> HttpResponse:
    form = _day_form(request)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                day = day_create(by=request.user, **form.details())
            except RuleBroken as error:
                _rule_error(form, error)
            else:
                messages.success(
                    request,
                    _("The day of action is saved as a draft. Add its toolkit, then publish it."),
                )
                return redirect("convergence:day_edit", slug=day.slug)
        status = 400
    return render(request, "convergence/coordinate/new.html", {"form": form}, status=status)


def _edit_page(
    request: HttpRequest,
    day: DayOfAction,
    *,
    form: DayForm | None = None,
    add_form: ToolkitItemForm | None = None,
    version_form: ToolkitVersionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    items = toolkit_of(day, with_versions=True)
    toolkit = [
        (
            item,
            version_form
            if version_form is not None and version_form.item.pk == item.pk
            else ToolkitVersionForm(item=item),
        )
        for item in items
    ]
    return render(
        request,
        "convergence/coordinate/edit.html",
        {
            "day": day,
            "form": form or _day_form(request, day),
            "add_form": add_form or ToolkitItemForm(),
            "toolkit": toolkit,
            "day_url": day_path(day),
            "is_draft": day.status == DayStatus.DRAFT,
        },
        status=status,
    )


@permission_required("coordinate")
@require_http_methods(["GET", "POST"])
def day_edit(request: HttpRequest, slug: str) -> HttpResponse:
    day = _day_or_404(slug)
    if request.method == "GET":
        return _edit_page(request, day)
    form = _day_form(request, day)
    if form.is_valid():
        try:
            day_update(day=day, by=request.user, **form.details())
        except RuleBroken as error:
            _rule_error(form, error)
        else:
            messages.success(request, _("Your changes are saved."))
            return redirect("convergence:day_edit", slug=day.slug)
    return _edit_page(request, day, form=form, status=400)


@permission_required("coordinate")
@require_POST
def toolkit_add(request: HttpRequest, slug: str) -> HttpResponse:
    day = _day_or_404(slug)
    form = ToolkitItemForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            toolkit_item_add(
                day=day,
                kind=data["kind"],
                title=data["title"],
                text=data["text"],
                url=data["url"],
                file=data["file"],
                by=request.user,
            )
        except RuleBroken as error:
            _rule_error(form, error)
        else:
            messages.success(request, _("The item is added to the toolkit."))
            return redirect(reverse("convergence:day_edit", args=[day.slug]) + "#toolkit")
    return _edit_page(request, day, add_form=form, status=400)


@permission_required("coordinate")
@require_POST
def toolkit_version(request: HttpRequest, slug: str, item_id: int) -> HttpResponse:
    day = _day_or_404(slug)
    item = ToolkitItem.objects.filter(day=day, pk=item_id).select_related("current").first()
    if item is None:
        raise Http404
    form = ToolkitVersionForm(request.POST, request.FILES, item=item)
    if form.is_valid():
        data = form.cleaned_data
        try:
            version = toolkit_item_update(
                item=item,
                by=request.user,
                title=data["title"],
                text=data["text"],
                url=data["url"],
                file=data["file"],
            )
        except RuleBroken as error:
            _rule_error(form, error)
        else:
            messages.success(
                request,
                _("Version %(number)s of “%(title)s” is now the one hosts see.")
                % {"number": version.number, "title": item.title},
            )
            return redirect(reverse("convergence:day_edit", args=[day.slug]) + f"#item-{item.pk}")
    return _edit_page(request, day, version_form=form, status=400)


@permission_required("coordinate")
@require_POST
def publish(request: HttpRequest, slug: str) -> HttpResponse:
    day = _day_or_404(slug)
    try:
        message = day_publish(day=day, by=request.user)
    except RuleBroken as error:
        messages.error(request, error.message)
    else:
        if message is None:
            messages.success(
                request,
                _("The day of action is open for registration. No signed group in its "
                  "places has an email address, so no announcement was sent."),
            )  # fmt: skip
        else:
            messages.success(
                request,
                _("The day of action is open for registration; its announcement is on its "
                  "way to the signed groups in its places."),
            )  # fmt: skip
    return redirect("convergence:day_edit", slug=day.slug)


@permission_required("report_day")
@require_POST
def report(request: HttpRequest, slug: str) -> HttpResponse:
    day = _day_or_404(slug)
    try:
        day_report(day=day, by=request.user)
    except RuleBroken as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The day of action is marked as reported."))
    return redirect("convergence:day_coordinate", slug=day.slug)


def _page_links(request: HttpRequest, key: str, page: Page) -> dict[str, str | None]:
    """Previous and next links of one list, keeping the filters and the other lists' pages."""

    def link(number: int) -> str:
        query = request.GET.copy()
        query[key] = str(number)
        return "?" + query.urlencode()

    return {
        "previous": link(page.previous_page_number()) if page.has_previous() else None,
        "next": link(page.next_page_number()) if page.has_next() else None,
    }


def _filters(request: HttpRequest, day: DayOfAction) -> CoordinationFilterForm:
    keys = ("place", "place_name", "sort")
    wanted = {key: request.GET[key] for key in keys if key in request.GET}
    return CoordinationFilterForm(
        wanted or None,
        places=covered_places(day, name=typed_name(wanted)),
        lookup=lambda pk: covered_place(day, pk),
        covered=[place.name for place in day.places.all()],
    )


@permission_required("coordinate")
@require_safe
def coordinate(request: HttpRequest, slug: str) -> HttpResponse:
    day = _day_or_404(slug, with_hubs=False)
    filters = _filters(request, day)
    place, sort = filters.chosen()
    lists = coordination(
        day,
        request.user,
        place=place,
        sort=sort,
        pages={key: request.GET.get(key) for key in _PAGE_KEYS},
    )
    sections = {key: getattr(lists, key) for key in ("places", "groups", "support", "rsvps")}
    links = {key: _page_links(request, f"{key}_page", page) for key, page in sections.items()}
    return render(
        request,
        "convergence/coordinate/coordinate.html",
        {
            "day": day,
            "filters": filters,
            "place": place,
            "sort": sort,
            "lists": lists,
            "links": links,
            "day_url": day_path(day),
            "can_mark_reported": day.status == DayStatus.CLOSED,
        },
    )


_PAGE_KEYS = ("places_page", "groups_page", "support_page", "rsvps_page")


@permission_required("coordinate")
@require_http_methods(["GET", "POST"])
def coordinate_message(request: HttpRequest, slug: str) -> HttpResponse:
    """Write to one audience of the day: hosts, groups in places without an event, or groups
    not registered yet."""
    day = _day_or_404(slug)
    form = CoordinatorMessageForm(
        request.POST if request.method == "POST" else None,
        audiences=AUDIENCES,
        initial={"audience": request.GET.get("audience", "")[:30]},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            broadcast = coordinator_message_send(
                day=day,
                by=request.user,
                audience=data["audience"],
                subject=data["subject"],
                body=data["body"],
            )
        except RuleBroken as error:
            _rule_error(form, error)
        else:
            messages.success(request, on_its_way(broadcast))
            return redirect("convergence:day_coordinate", slug=day.slug)
    return render(
        request,
        "convergence/coordinate/message.html",
        {"day": day, "form": form},
        status=form_status(request, form),
    )


class _Echo:
    """A file-like object that hands each CSV line straight back, for streaming."""

    def write(self, value: str) -> str:
        return value


def csv_cell(value):
    """Text a spreadsheet would run as a formula is prefixed with ' (CSV injection)."""
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + value
    return "" if value is None else value


def _local(moment) -> str:
    return timezone.localtime(moment).isoformat() if moment else ""


@permission_required("coordinate")
@require_safe
def events_csv(request: HttpRequest, slug: str) -> HttpResponse:
    day = _day_or_404(slug)
    filters = _filters(request, day)
    place, _sort = filters.chosen()
    rows = events_for_export(day, request.user, place)
    header = [
        _("title"), _("host group"), _("place"), _("starts"), _("ends"), _("status"),
        _("RSVPs"), _("capacity"), _("participants"), _("letters sent"),
        _("signatures gathered"), _("media pieces"), _("address of the page"),
    ]  # fmt: skip

    def lines():
        writer = csv.writer(_Echo())
        yield writer.writerow(header)
        count = 0
        for row in rows:
            count += 1
            yield writer.writerow(
                [
                    csv_cell(row["action__title"]),
                    csv_cell(row["action__host_group__name"]),
                    csv_cell(row["action__place__name"]),
                    _local(row["action__starts_at"]),
                    _local(row["action__ends_at"]),
                    row["action__status"],
                    row["action__rsvp_count"],
                    csv_cell(row["action__capacity"]),
                    csv_cell(row["action__participants"]),
                    csv_cell(row["action__letters_sent"]),
                    csv_cell(row["action__signatures_gathered"]),
                    csv_cell(row["action__media_pieces"]),
                    settings.SITE_URL + reverse("actions:detail", args=[row["action_id"]]),
                ]
            )
        logger.info(
            "Events of day of action %s exported by person %s (%s rows)",
            day.pk,
            request.user.pk,
            count,
        )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{day.slug}-events.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("days/new/", day_new, name="day_new"),
    path("days/<slug:slug>/edit/", day_edit, name="day_edit"),
    path("days/<slug:slug>/toolkit/add/", toolkit_add, name="toolkit_add"),
    path(
        "days/<slug:slug>/toolkit/<int:item_id>/version/", toolkit_version, name="toolkit_version"
    ),
    path("days/<slug:slug>/publish/", publish, name="day_publish"),
    path("days/<slug:slug>/report/", report, name="day_report"),
    path("days/<slug:slug>/coordinate/", coordinate, name="day_coordinate"),
    path("days/<slug:slug>/coordinate/message/", coordinate_message, name="day_message"),
    path("days/<slug:slug>/events.csv", events_csv, name="day_events_csv"),
]

"""The network's actions: ``/actions/``, coming up first, then the past, filtered and paged.

Keyset pagination: "Next" carries the last row's position (``?after=``),
"Previous" the first row's (``?before=``), signed, beside the filters (place
subtree, kind, tactic, working group, dates), so a deep page costs what the
first does. The page costs the same queries whatever the number of actions:
the filters' three choice lists, one count (up to ``LISTING_COUNT_LIMIT``:
past it the page says "more than"), one for the page's ids (coming up, then
recently) and one for their cards, plus the person's memberships and roles
when logged in. A position that cannot be read is a 400 that shows the first
page and says why.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from actions.forms_posting import ActionFilterForm
from actions.selectors_listing import (
    InvalidCursor,
    ListingKey,
    actions_listing_page,
    listing_choices,
)

ACTIONS_PER_PAGE = 30
# Far longer than any cursor the list gives; a longer one is not read at all.
MAX_CURSOR_CHARS = 200


def _position(request: HttpRequest) -> tuple[ListingKey | None, ListingKey | None, str]:
    """(after, before, error) from the query; an unreadable position gives the first page."""
    keys = {}
    for name in ("after", "before"):
        raw = request.GET.get(name, "")
        if not raw:
            continue
        try:
            if len(raw) > MAX_CURSOR_CHARS:
                raise InvalidCursor(raw)
            keys[name] = ListingKey.loads(raw)
        except InvalidCursor:
            return (
                None,
                None,
                _(
                    "This link to a page of the list is not valid (cut or changed): "
                    "here is the first page."
                ),
            )
    if len(keys) > 1:
        return None, None, _("A page link gives a position after or before a row, not both.")
    return keys.get("after"), keys.get("before"), ""


@require_safe
def action_list(request: HttpRequest) -> HttpResponse:
    form = ActionFilterForm(request.GET or None, choices=listing_choices(request.GET))
    filters = form.filters()
    after, before, cursor_error = _position(request)
    page = actions_listing_page(
        request.user, filters, after=after, before=before, per_page=ACTIONS_PER_PAGE
    )
    querystring = form.query()

    def link(**position) -> str:
        return "&".join(part for part in (querystring, urlencode(position)) if part)

    return render(
        request,
        "actions/listing/list.html",
        {
            "form": form,
            "page": page,
            "upcoming": page.upcoming,
            "past": page.past,
            "querystring": querystring,
            "previous_query": link(before=page.previous.dumps()) if page.previous else "",
            "next_query": link(after=page.next.dumps()) if page.next else "",
            "first_query": querystring if page.previous else None,
            "cursor_error": cursor_error,
            "calendar_place": filters.place,
        },
        # A filter or a page link that cannot be read is the asker's mistake:
        # shown on the page, and a 400.
        status=400 if form.errors or cursor_error else 200,
    )


urlpatterns = [path("actions/", action_list, name="list")]

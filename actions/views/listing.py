"""The network's actions: ``/actions/``, coming up first, then the past, filtered and paged.

Page-number pagination (``?page=``): people share and come back to "page 2"
of a filtered list, and the filters (place subtree, kind, tactic, working
group, dates) narrow it. The page costs the same queries whatever the
number of actions: the filters' three choice lists, one count (coming up,
and the past up to ``PAST_COUNT_LIMIT``: past it the page says "more than")
one for the page's ids (coming up, then recently) and one for their cards,
plus the person's memberships and roles when logged in.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_safe

from actions.forms_posting import ActionFilterForm
from actions.selectors_listing import actions_listing, listing_choices

ACTIONS_PER_PAGE = 30


@require_safe
def action_list(request: HttpRequest) -> HttpResponse:
    form = ActionFilterForm(request.GET or None, choices=listing_choices(request.GET))
    filters = form.filters()
    actions = actions_listing(request.user, filters)
    page = Paginator(actions, ACTIONS_PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    return render(
        request,
        "actions/listing/list.html",
        {
            "form": form,
            "page": page,
            "upcoming": [action for action in rows if not action.is_past],
            "past": [action for action in rows if action.is_past],
            "querystring": form.query(),
            "past_truncated": actions.past_truncated,
            "calendar_place": filters.place,
        },
        # A filter that cannot be read is the asker's mistake: shown on the form, and a 400.
        status=400 if form.errors else 200,
    )


urlpatterns = [path("actions/", action_list, name="list")]

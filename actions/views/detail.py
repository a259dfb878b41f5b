"""The action page, ``/actions/<id>/``: all that is public about an action, and the boxes of others.

A person who may not see the action gets 404, never 403: its existence is
not revealed. A hidden action that the person could see were it shown stands
as a placeholder (410) giving the moderators' reason, not the action. The
host group (and moderators) see a hidden action with a banner giving the
reason of the latest decision to hide it.

Other parts of the app (amplify, support, RSVP, moderation) fill their
includes on the page and add their context through
``actions.detail_context.detail_context_register``. The page's query count
is tested at 3 and 40 amplifications and must stay the same: whatever a
contributor adds must use a fixed number of queries too.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from actions.detail_context import detail_context
from actions.models import Action
from actions.selectors_listing import BoundingBox, action_page
from actions.selectors_moderation import hidden_placeholder
from coalition.permissions import can_edit_action, can_see_action

# Half the side of the map area a "see it on the map" link opens (degrees):
# a few streets around the action.
MAP_LINK_SPAN = Decimal("0.01")
OG_DESCRIPTION_CHARS = 200


def _map_box(action: Action) -> BoundingBox | None:
    if action.latitude is None or action.longitude is None:
        return None

    def clamp(value: Decimal, limit: int) -> Decimal:
        return max(min(value, Decimal(limit)), Decimal(-limit))

    return BoundingBox(
        west=clamp(action.longitude - 2 * MAP_LINK_SPAN, 180),
        south=clamp(action.latitude - MAP_LINK_SPAN, 90),
        east=clamp(action.longitude + 2 * MAP_LINK_SPAN, 180),
        north=clamp(action.latitude + MAP_LINK_SPAN, 90),
    )


def _share_description(action: Action) -> str:
    if action.description.strip():
        return Truncator(" ".join(action.description.split())).chars(OG_DESCRIPTION_CHARS)
    return _("%(kind)s by %(group)s in %(place)s") % {
        "kind": capfirst(action.get_kind_display()),
        "group": action.host_group.name,
        "place": action.place.name,
    }


@require_safe
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = action_page(request.user, pk)
    if page is None:
        placeholder = hidden_placeholder(request.user, pk)
        if placeholder is None:
            raise Http404
        # 410: gone for the public (and search engines) while it is hidden, with the
        # moderators' reason instead of the action.
        return render(
            request, "actions/detail/hidden.html", {"placeholder": placeholder}, status=410
        )
    if not can_see_action(request.user, page.action):
        raise Http404
    action = page.action
    box = _map_box(action)
    context = {
        "action": action,
        "cohosts": page.cohosts,
        "decision": page.decision,
        "can_edit": can_edit_action(request.user, action),
        "has_started": action.starts_at <= timezone.now(),
        "page_url": settings.SITE_URL + action_url(action),
        "share_description": _share_description(action),
        # The map opens on this action, its popup open; the area keeps the
        # list below the map (and the page without JavaScript) around it.
        "map_url": f"{reverse('actions:map')}?focus={action.pk}&bbox={box.as_param()}"
        if box
        else "",
    }
    context.update(detail_context(request, action, reserved=frozenset(context)))
    return render(request, "actions/detail/page.html", context)


def action_url(action: Action) -> str:
    return reverse("actions:detail", kwargs={"pk": action.pk})


urlpatterns = [path("actions/<int:pk>/", action_detail, name="detail")]

"""Actions in the API: the actions, their amplifications, support requests and RSVPs.

Writes call the same services as the pages (``actions.services.*``), so the
rules, the rate limits and the emails are the same; a broken rule answers 400
(409 for a full action) in the API's error shape.
"""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from actions.models import Action, Tactic
from actions.selectors import actions_visible_to
from actions.selectors_amplification import support_open_for, support_request_for
from actions.selectors_listing import ActionFilters as ListingFilters
from actions.selectors_listing import actions_filter_q
from actions.services.amplification import amplification_add
from actions.services.participation import participation_create
from actions.services.posting import action_create
from actions.services.support import support_request_create
from api import selectors
from api.errors import Conflict
from api.filters import (
    ActionFilters,
    AmplificationFilters,
    ParticipationFilters,
    SupportRequestFilters,
)
from api.inputs import (
    ActionCreateInput,
    ActionFieldsInput,
    AmplificationInput,
    ParticipationInput,
    SupportRequestInput,
)
from api.serializers import (
    ActionSerializer,
    AmplificationSerializer,
    ParticipationSerializer,
    SupportRequestSerializer,
)
from api.views.base import ApiListView, ApiView
from coalition.errors import RuleBroken
from coalition.models import Place
from coalition.permissions import can_edit_action, can_see_rsvps, memberships_of
from members.models import Group

ACTING_ROLES = {"admin", "contact"}


def visible_action(user, pk: int, *, field: str = "action") -> Action:
    """An action ``user`` may see, or a 400 on ``field`` (existence is not told apart)."""
    action = actions_visible_to(user).select_related("host_group", "place").filter(pk=pk).first()
    if action is None:
        raise ValidationError({field: [_("There is no action with this id that you can see.")]})
    return action


def own_group(user, slug: str, *, acting: bool = False) -> Group:
    """One of the person's groups (one they act for, with ``acting``), else 403."""
    roles = memberships_of(user)
    ids = [pk for pk, role in roles.items() if not acting or role in ACTING_ROLES]
    group = Group.objects.filter(pk__in=ids, slug=slug).first()
    if group is None:
        if acting:
            raise PermissionDenied(_("You can act only for groups you are an admin or contact of."))
        raise PermissionDenied(_("You can post only for your own groups."))
    return group


def action_fields(data: dict) -> dict:
    """The service's keyword arguments from checked input: references resolved, or 400."""
    fields = {
        key: data[key]
        for key in ActionFieldsInput().fields
        if key not in {"group", "day", "place", "tactic"} and key in data
    }
    place = Place.objects.filter(pk=data["place"]).first()
    if place is None:
        raise ValidationError({"place": [_("There is no place with this id.")]})
    fields["place"] = place
    fields["tactic"] = None
    if data.get("tactic"):
        fields["tactic"] = Tactic.objects.filter(slug=data["tactic"]).first()
        if fields["tactic"] is None:
            raise ValidationError({"tactic": [_("There is no tactic with this slug.")]})
    return fields


@extend_schema_view(
    get=extend_schema(
        parameters=[ActionFilters], summary="The network's actions you may see", tags=["actions"]
    ),
    post=extend_schema(
        request=ActionCreateInput,
        responses={201: ActionSerializer},
        summary="Post an action for one of your groups (no approval needed)",
        tags=["actions"],
    ),
)
class ActionList(ApiListView):
    serializer_class = ActionSerializer
    filters_class = ActionFilters

    def keyset_for(self, request) -> tuple[str, ...]:
        if self.filters().get("ordering") == "starts_at":
            return ("starts_at", "id")
        return ("-starts_at", "-id")

    def get_queryset(self):
        filters = self.filters()
        # The pages' own filter rule (place subtree, kind, tactic, working group, dates).
        page_filters = ListingFilters(
            place=filters.get("place"),
            kind=filters.get("kind"),
            tactic=filters.get("tactic"),
            working_group=filters.get("working_group"),
            date_from=filters.get("date_from"),
            date_to=filters.get("date_to"),
        )
        actions = selectors.actions_for_api(self.request.user).filter(
            actions_filter_q(page_filters)
        )
        if filters.get("group"):
            actions = actions.filter(host_group__slug=filters["group"])
        return actions

    def get(self, request):
        return self.list(request)

    def post(self, request):
        checked = ActionCreateInput(data=request.data)
        checked.is_valid(raise_exception=True)
        group = own_group(request.user, checked.validated_data["group"])
        action = action_create(
            group=group, by=request.user, **action_fields(checked.validated_data)
        )
        action = selectors.actions_for_api(request.user).get(pk=action.pk)
        return Response(self.get_serializer(action).data, status=status.HTTP_201_CREATED)


@extend_schema_view(get=extend_schema(tags=["actions"]))
class ActionDetail(ApiView):
    serializer_class = ActionSerializer

    def get_queryset(self):
        return selectors.actions_for_api(self.request.user)

    def get(self, request, pk: int):
        return self.retrieve(request)


@extend_schema_view(
    get=extend_schema(
        parameters=[AmplificationFilters],
        summary="Amplifications of the actions you may see",
        tags=["amplifications"],
    ),
    post=extend_schema(
        request=AmplificationInput,
        responses={201: AmplificationSerializer},
        summary="Amplify an action in a group's name (doing it again changes nothing)",
        tags=["amplifications"],
    ),
)
class AmplificationList(ApiListView):
    serializer_class = AmplificationSerializer
    filters_class = AmplificationFilters
    keyset = ("-id",)

    def get_queryset(self):
        filters = self.filters()
        rows = selectors.amplifications_for_api(self.request.user)
        if filters.get("action"):
            rows = rows.filter(action_id=filters["action"])
        if filters.get("kind"):
            rows = rows.filter(kind=filters["kind"])
        return rows

    def get(self, request):
        return self.list(request)

    def post(self, request):
        checked = AmplificationInput(data=request.data)
        checked.is_valid(raise_exception=True)
        data = checked.validated_data
        group = own_group(request.user, data["group"], acting=True)
        action = visible_action(request.user, data["action"])
        amplification = amplification_add(
            action=action, group=group, kind=data["kind"], by=request.user, people=data["people"]
        )
        row = selectors.amplifications_for_api(request.user).get(pk=amplification.pk)
        return Response(self.get_serializer(row).data, status=status.HTTP_201_CREATED)


@extend_schema_view(get=extend_schema(tags=["amplifications"]))
class AmplificationDetail(ApiView):
    serializer_class = AmplificationSerializer

    def get_queryset(self):
        return selectors.amplifications_for_api(self.request.user)

    def get(self, request, pk: int):
        return self.retrieve(request)


@extend_schema_view(
    get=extend_schema(
        parameters=[SupportRequestFilters],
        summary="Open support requests on actions you may see, soonest action first",
        tags=["support requests"],
    ),
    post=extend_schema(
        request=SupportRequestInput,
        responses={201: SupportRequestSerializer},
        summary="Ask the network for support for an action your group hosts",
        tags=["support requests"],
    ),
)
class SupportRequestList(ApiListView):
    serializer_class = SupportRequestSerializer
    filters_class = SupportRequestFilters
    keyset = ("action__starts_at", "id")

    def get_queryset(self):
        filters = self.filters()
        return support_open_for(
            self.request.user, place=filters.get("place"), kind=filters.get("kind")
        )

    def get(self, request):
        return self.list(request)

    def post(self, request):
        checked = SupportRequestInput(data=request.data)
        checked.is_valid(raise_exception=True)
        data = checked.validated_data
        action = visible_action(request.user, data["action"])
        if not can_edit_action(request.user, action):
            raise PermissionDenied(_("Only the host group can ask for support for its action."))
        created = support_request_create(
            action=action,
            by=request.user,
            kind=data["kind"],
            amount=data["amount"],
            description=data["description"],
        )
        row = support_request_for(request.user, created.pk)
        return Response(self.get_serializer(row).data, status=status.HTTP_201_CREATED)


@extend_schema_view(get=extend_schema(tags=["support requests"]))
class SupportRequestDetail(ApiView):
    serializer_class = SupportRequestSerializer

    def get_object(self):
        row = support_request_for(self.request.user, self.pk())
        if row is None:
            raise NotFound
        return row

    def get(self, request, pk: int):
        return self.retrieve(request)


@extend_schema_view(
    get=extend_schema(
        parameters=[ParticipationFilters],
        summary="RSVPs: an action's list (for its hosts), or your own",
        tags=["participations"],
    ),
    post=extend_schema(
        request=ParticipationInput,
        responses={201: ParticipationSerializer},
        summary="Say you are coming to an action (409 when it is full)",
        tags=["participations"],
    ),
)
class ParticipationList(ApiListView):
    serializer_class = ParticipationSerializer
    filters_class = ParticipationFilters
    permission_classes = [IsAuthenticated]
    keyset = ("id",)

    def get_queryset(self):
        filters = self.filters()
        user = self.request.user
        if filters.get("action"):
            action = actions_visible_to(user).filter(pk=filters["action"]).first()
            if action is None:
                raise NotFound(_("There is no action with this id that you can see."))
            if not can_see_rsvps(user, action):
                raise PermissionDenied(_("Only the action's hosts see who is coming."))
            return selectors.participations_for_api(action=action)
        return selectors.participations_for_api(person=user)

    def get(self, request):
        return self.list(request)

    def post(self, request):
        checked = ParticipationInput(data=request.data)
        checked.is_valid(raise_exception=True)
        data = checked.validated_data
        action = visible_action(request.user, data["action"])
        try:
            participation = participation_create(
                action=action,
                name=data.get("name") or request.user.name,
                email=data.get("email") or request.user.email,
                consent=data["consent"],
                person=request.user,
            )
        except RuleBroken as problem:
            action.refresh_from_db(fields=["rsvp_count", "capacity"])
            if problem.field is None and action.places_left == 0:
                raise Conflict(problem.message) from None
            raise
        return Response(self.get_serializer(participation).data, status=status.HTTP_201_CREATED)


@extend_schema_view(get=extend_schema(tags=["participations"]))
class ParticipationDetail(ApiView):
    serializer_class = ParticipationSerializer
    permission_classes = [IsAuthenticated]

    def get_object(self):
        user = self.request.user
        row = (
            selectors.participations_for_api()
            .select_related("action", "action__host_group")
            .filter(pk=self.pk(), action__in=actions_visible_to(user))
            .first()
        )
        if row is None or not (row.person_id == user.pk or can_see_rsvps(user, row.action)):
            raise NotFound
        return row

    def get(self, request, pk: int):
        return self.retrieve(request)


urlpatterns = [
    path("api/v1/actions/", ActionList.as_view(), name="action_list"),
    path("api/v1/actions/<int:pk>/", ActionDetail.as_view(), name="action_detail"),
    path("api/v1/amplifications/", AmplificationList.as_view(), name="amplification_list"),
    path(
        "api/v1/amplifications/<int:pk>/",
        AmplificationDetail.as_view(),
        name="amplification_detail",
    ),
    path("api/v1/support-requests/", SupportRequestList.as_view(), name="support_request_list"),
    path(
        "api/v1/support-requests/<int:pk>/",
        SupportRequestDetail.as_view(),
        name="support_request_detail",
    ),
    path("api/v1/participations/", ParticipationList.as_view(), name="participation_list"),
    path(
        "api/v1/participations/<int:pk>/",
        ParticipationDetail.as_view(),
        name="participation_detail",
    ),
]

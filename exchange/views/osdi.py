"""The OSDI face of the network under /api/osdi/v1/: thin DRF views over exchange.selectors.

Errors use the API's one JSON shape (``api.errors``): {"error": {"status",
"code", "message", "fields"?}}. People, tags and taggings need the
``read_people`` permission (403 otherwise); events are open to anyone, filtered
as the pages filter them; attendances only to who may see the RSVPs.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.urls import path, re_path
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from api.errors import not_found
from api.parsers import HalJSONParser, JSONParser
from api.views.base import MethodFirstMixin
from coalition.permissions import HasCoalitionPermission
from exchange import osdi, selectors
from exchange.models import Tag, Tagging
from exchange.services.people import PersonDetails, person_signup, supporter_group_for


class OsdiView(MethodFirstMixin, APIView):
    renderer_classes = [osdi.HalJSONRenderer, JSONRenderer]
    parser_classes = [JSONParser, HalJSONParser]
    permission_classes = [IsAuthenticated, HasCoalitionPermission]
    coalition_permission = "read_people"
    # OSDI documents are described by the OSDI specification, not by /api/schema/.
    schema = None

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        return response


def _pk(value: int, found):
    if found is None:
        raise Http404
    return found


class EntryPoint(OsdiView):
    """The API entry point (AEP): where every OSDI client starts."""

    permission_classes = [AllowAny]

    def get(self, request):
        def titled(name: str, title: str) -> dict:
            return {**osdi.link(request, name), "title": title}

        return Response(
            {
                "motd": _("Welcome to the %(name)s OSDI API entry point.")
                % {"name": settings.COALITION_NAME},
                "max_pagesize": osdi.MAX_PAGESIZE,
                "vendor_name": settings.COALITION_NAME,
                "product_name": "Coalition",
                "osdi_version": osdi.OSDI_VERSION,
                "_links": {
                    "curies": osdi.curies(request),
                    "self": titled("osdi_aep", _("This API entry point")),
                    "osdi:people": titled("osdi_people", _("The people in the network")),
                    "osdi:events": titled("osdi_events", _("The events in the network")),
                    "osdi:attendances": titled(
                        "osdi_attendances", _("RSVPs to the events you may see RSVPs of")
                    ),
                    "osdi:tags": titled("osdi_tags", _("Tags on people")),
                    "osdi:taggings": titled("osdi_taggings", _("Which person has which tag")),
                    "osdi:person_signup_helper": titled(
                        "osdi_person_signup",
                        _("Add or update one of your group's supporters by email"),
                    ),
                },
            }
        )


class People(OsdiView):
    def get(self, request):
        paging = osdi.paging_from(request)
        modified = osdi.modified_range_from(request)
        found = selectors.people_page(
            request.user, paging=paging, after=modified.after, before=modified.before
        )
        items = [osdi.person_doc(request, person) for person in found.rows]
        return Response(
            osdi.collection(
                request, rel="osdi:people", found=found, paging=paging, items=items,
                self_name="osdi_people",
            )
        )  # fmt: skip


class Person(OsdiView):
    def get(self, request, pk: int):
        person = _pk(pk, selectors.person_for(request.user, pk))
        return Response(osdi.person_doc(request, person))


class Events(OsdiView):
    permission_classes = [AllowAny]

    def get(self, request):
        paging = osdi.paging_from(request)
        modified = osdi.modified_range_from(request)
        found = selectors.events_page(
            request.user, paging=paging, after=modified.after, before=modified.before
        )
        items = [osdi.event_doc(request, event) for event in found.rows]
        return Response(
            osdi.collection(
                request, rel="osdi:events", found=found, paging=paging, items=items,
                self_name="osdi_events",
            )
        )  # fmt: skip


class Event(OsdiView):
    permission_classes = [AllowAny]

    def get(self, request, pk: int):
        event = _pk(pk, selectors.event_for(request.user, pk))
        return Response(osdi.event_doc(request, event))


class Attendances(OsdiView):
    """Every RSVP the person may see, or one event's (``pk``): 404 for an event they may
    not see, 403 for one whose RSVPs are not theirs to read."""

    permission_classes = [IsAuthenticated]

    def get(self, request, pk: int | None = None):
        paging = osdi.paging_from(request)
        event = None
        if pk is not None:
            event = _pk(pk, selectors.event_for(request.user, pk))
            mine = selectors.events_visible_to(request.user).filter(
                selectors.attendances_visible_q(request.user), pk=event.pk
            )
            if not mine.exists():
                self.permission_denied(request)
        found = selectors.attendances_page(request.user, paging=paging, event=event)
        items = [osdi.attendance_doc(request, attendance) for attendance in found.rows]
        return Response(
            osdi.collection(
                request, rel="osdi:attendances", found=found, paging=paging, items=items,
                self_name="osdi_event_attendances" if event else "osdi_attendances",
                args=(event.pk,) if event else (),
            )
        )  # fmt: skip


class Attendance(OsdiView):
    permission_classes = [IsAuthenticated]

    def get(self, request, pk: int):
        attendance = _pk(pk, selectors.attendance_for(request.user, pk))
        return Response(osdi.attendance_doc(request, attendance))


class Tags(OsdiView):
    def get(self, request):
        paging = osdi.paging_from(request)
        found = selectors.tags_page(request.user, paging=paging)
        items = [osdi.tag_doc(request, tag) for tag in found.rows]
        return Response(
            osdi.collection(
                request, rel="osdi:tags", found=found, paging=paging, items=items,
                self_name="osdi_tags",
            )
        )  # fmt: skip


class TagDetail(OsdiView):
    def get(self, request, pk: int):
        tag = _pk(pk, selectors.tags_visible_to(request.user).filter(pk=pk).first())
        return Response(osdi.tag_doc(request, tag))


class Taggings(OsdiView):
    """All taggings of people the person may see; or one tag's, or one person's."""

    scope = ""

    def get(self, request, pk: int | None = None):
        paging = osdi.paging_from(request)
        tag = person = None
        if self.scope == "tag":
            tag = _pk(pk, selectors.tags_visible_to(request.user).filter(pk=pk).first())
        elif self.scope == "person":
            person = _pk(pk, selectors.people_visible_to(request.user).filter(pk=pk).first())
        found = selectors.taggings_page(request.user, paging=paging, tag=tag, person=person)
        items = [osdi.tagging_doc(request, tagging) for tagging in found.rows]
        names = {"tag": "osdi_tag_taggings", "person": "osdi_person_taggings"}
        return Response(
            osdi.collection(
                request, rel="osdi:taggings", found=found, paging=paging, items=items,
                self_name=names.get(self.scope, "osdi_taggings"), args=(pk,) if pk else (),
            )
        )  # fmt: skip


class TaggingDetail(OsdiView):
    def get(self, request, pk: int):
        found = selectors.taggings_visible_to(request.user).filter(pk=pk).first()
        tagging: Tagging = _pk(pk, found)
        return Response(osdi.tagging_doc(request, tagging))


# --- The person signup helper ----------------------------------------------------


class _Email(serializers.Serializer):
    address = serializers.CharField(max_length=254)


class _Phone(serializers.Serializer):
    number = serializers.CharField(max_length=40)


class _Postal(serializers.Serializer):
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True)
    locality = serializers.CharField(max_length=120, required=False, allow_blank=True)
    country = serializers.CharField(max_length=2, required=False, allow_blank=True)


class _PersonInput(serializers.Serializer):
    given_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    family_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    email_addresses = _Email(many=True, allow_empty=False)
    phone_numbers = _Phone(many=True, required=False)
    postal_addresses = _Postal(many=True, required=False)


class SignupInput(serializers.Serializer):
    person = _PersonInput()
    add_tags = serializers.ListField(
        child=serializers.CharField(max_length=Tag._meta.get_field("name").max_length),
        required=False,
        max_length=50,
    )


class PersonSignup(OsdiView):
    """POST {"person": {...}, "add_tags": [...]}: add or update one of your group's supporters.

    "Write only what you own": the details and tags go to the calling group's
    own supporter record for the address (``?group=<slug>`` when the caller
    keeps supporters for several groups); no account is created and another
    person's account is never changed. The answer is that record, the same
    whether or not the address has an account.
    """

    def post(self, request):
        data = SignupInput(data=request.data)
        data.is_valid(raise_exception=True)
        sent = data.validated_data["person"]
        postal = (sent.get("postal_addresses") or [{}])[0]
        phones = sent.get("phone_numbers") or []
        details = PersonDetails(
            email=sent["email_addresses"][0]["address"],
            given_name=sent.get("given_name", ""),
            family_name=sent.get("family_name", ""),
            phone=phones[0]["number"] if phones else "",
            postal_code=postal.get("postal_code", ""),
            locality=postal.get("locality", ""),
            country=postal.get("country", ""),
        )
        group = supporter_group_for(by=request.user, slug=request.query_params.get("group", ""))
        supporter = person_signup(
            by=request.user,
            group=group,
            details=details,
            tags=data.validated_data.get("add_tags", []),
        )
        return Response(osdi.supporter_doc(request, supporter))


urlpatterns = [
    path("api/osdi/v1/", EntryPoint.as_view(), name="osdi_aep"),
    path("api/osdi/v1/people", People.as_view(), name="osdi_people"),
    path(
        "api/osdi/v1/people/person_signup_helper",
        PersonSignup.as_view(),
        name="osdi_person_signup",
    ),
    path("api/osdi/v1/people/<int:pk>", Person.as_view(), name="osdi_person"),
    path(
        "api/osdi/v1/people/<int:pk>/taggings",
        Taggings.as_view(scope="person"),
        name="osdi_person_taggings",
    ),
    path("api/osdi/v1/events", Events.as_view(), name="osdi_events"),
    path("api/osdi/v1/events/<int:pk>", Event.as_view(), name="osdi_event"),
    path(
        "api/osdi/v1/events/<int:pk>/attendances",
        Attendances.as_view(),
        name="osdi_event_attendances",
    ),
    path("api/osdi/v1/attendances", Attendances.as_view(), name="osdi_attendances"),
    path("api/osdi/v1/attendances/<int:pk>", Attendance.as_view(), name="osdi_attendance"),
    path("api/osdi/v1/tags", Tags.as_view(), name="osdi_tags"),
    path("api/osdi/v1/tags/<int:pk>", TagDetail.as_view(), name="osdi_tag"),
    path(
        "api/osdi/v1/tags/<int:pk>/taggings",
        Taggings.as_view(scope="tag"),
        name="osdi_tag_taggings",
    ),
    path("api/osdi/v1/taggings", Taggings.as_view(), name="osdi_taggings"),
    path("api/osdi/v1/taggings/<int:pk>", TaggingDetail.as_view(), name="osdi_tagging"),
    # Anything else under /api/osdi/: a JSON 404 in the API's shape, not the HTML page.
    re_path(r"^api/osdi/", not_found),
]

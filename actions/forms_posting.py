"""Forms for posting and editing actions, and the filters of the list, the map and its data.

The forms only parse: the rules (end after start, coordinates on Earth,
capacity above the RSVPs, who may post, public only after signing, the rate
limit) live in ``actions.services.posting`` and come back as ``RuleBroken``,
which the views put on the field it names.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from actions.models import Action, ActionKind, ActionStatus, Tactic, Visibility
from actions.selectors_listing import ActionFilters, BoundingBox, ListingChoices, Near
from actions.services.posting import without_control_characters
from coalition.dates import validate_day_in_range
from coalition.geo import place_centre
from coalition.models import Place
from coalition.place_pick import PLACE_MAP_FIELDS, add_place_name_error, offer_places
from coalition.time_zones import TIME_ZONE_MAX_LENGTH, place_time_zone, validate_time_zone, zone
from members.models import Group

MAX_CAPACITY = 1_000_000
MAX_OUTCOME = 100_000_000
# Longer than any real coordinate, short enough that parsing costs nothing.
MAX_COORDINATE_CHARS = 32
_SIX_PLACES = Decimal("0.000001")
# The widest "within N km" search: a region, not the world.
MAX_NEAR_KM = 1000

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def parse_bbox(raw: str) -> BoundingBox:
    """``west,south,east,north`` in degrees; raises ``forms.ValidationError`` with the reason."""
    parts = raw.split(",")
    if len(raw) > 4 * MAX_COORDINATE_CHARS or len(parts) != 4:
        raise forms.ValidationError(
            _("Give the area as four numbers: west,south,east,north (in degrees)."),
            code="bbox_format",
        )
    try:
        west, south, east, north = (Decimal(part.strip()) for part in parts)
    except InvalidOperation:
        raise forms.ValidationError(
            _("The area's corners must be numbers: west,south,east,north (in degrees)."),
            code="bbox_number",
        ) from None
    if not all(value.is_finite() for value in (west, south, east, north)):
        raise forms.ValidationError(_("The area's corners must be finite numbers."), code="bbox")
    if not (-180 <= west <= 180 and -180 <= east <= 180):
        raise forms.ValidationError(
            _("West and east are longitudes, between -180 and 180."), code="bbox_range"
        )
    if not (-90 <= south <= 90 and -90 <= north <= 90):
        raise forms.ValidationError(
            _("South and north are latitudes, between -90 and 90."), code="bbox_range"
        )
    if south > north:
        raise forms.ValidationError(_("South must not be above north."), code="bbox_range")
    return BoundingBox(west=west, south=south, east=east, north=north)


def _date_field(label) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_day_in_range],
    )


class ActionFilterForm(forms.Form):
    """GET filters of ``/actions/`` and ``/actions/map/``.

    Choices come from lists loaded once per page, so filtering costs no
    extra query. A field with a bad value is left out of the filters and its
    error is shown.
    """

    place = forms.ChoiceField(label=_("Place (and everything in it)"), required=False, choices=())
    kind = forms.ChoiceField(
        label=_("Kind of action"),
        required=False,
        choices=[("", _("Any kind")), *ActionKind.choices],
    )
    tactic = forms.ChoiceField(label=_("Tactic"), required=False, choices=())
    working_group = forms.ChoiceField(
        label=_("Working group of the host"), required=False, choices=()
    )
    date_from = _date_field(_("Starting from"))
    date_to = _date_field(_("Starting until"))
    within = forms.IntegerField(
        label=_("Within (km)"),
        required=False,
        min_value=1,
        max_value=MAX_NEAR_KM,
        help_text=_("Of the place chosen above, or of your position."),
    )
    # The visitor's position, from the browser when asked ("Near me"); only in the URL.
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    bbox = forms.CharField(required=False, max_length=4 * MAX_COORDINATE_CHARS)

    def __init__(self, *args, choices: ListingChoices, with_bbox: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self._places = offer_places(self, choices.places, empty=_("All places"))
        self.fields["tactic"].choices = [("", _("Any tactic"))] + [
            (tactic.slug, tactic.title) for tactic in choices.tactics
        ]
        self.fields["working_group"].choices = [("", _("Any working group"))] + [
            (wg.slug, wg.name) for wg in choices.working_groups
        ]
        if with_bbox:
            # The map's script keeps it in step with the visible area, so
            # "Show" lists what the map shows.
            self.fields["bbox"].widget = forms.HiddenInput()
        else:
            del self.fields["bbox"]

    def clean_bbox(self) -> BoundingBox | None:
        raw = self.cleaned_data.get("bbox", "").strip()
        return parse_bbox(raw) if raw else None

    def clean(self):
        data = super().clean()
        add_place_name_error(self)
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end of the period comes before its start."))
        data["near"] = near_from(self, data, self._places.get(data.get("place") or ""))
        return data

    def filters(self) -> ActionFilters:
        if not self.is_bound:
            return ActionFilters()
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return ActionFilters(
            place=self._places.get(data.get("place") or ""),
            kind=data.get("kind") or None,
            tactic=data.get("tactic") or None,
            working_group=data.get("working_group") or None,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            bbox=data.get("bbox"),
            near=data.get("near"),
        )

    def query(self, *, without: tuple[str, ...] = ()) -> str:
        """The valid filters as a query string (for pagination links and the map's data)."""
        filters = self.filters()
        pairs = {
            "place": filters.place.pk if filters.place else None,
            "kind": filters.kind,
            "tactic": filters.tactic,
            "working_group": filters.working_group,
            "date_from": filters.date_from.isoformat() if filters.date_from else None,
            "date_to": filters.date_to.isoformat() if filters.date_to else None,
            "bbox": filters.bbox.as_param() if filters.bbox else None,
            **near_query(self),
        }
        return urlencode({k: v for k, v in pairs.items() if v is not None and k not in without})


def near_from(form: forms.Form, data: dict, place: Place | None) -> Near | None:
    """``within`` km of the visitor's position (``lat``/``lon``), else of the chosen place."""
    km = data.get("within")
    lat, lon = data.get("lat"), data.get("lon")
    if (lat is None) != (lon is None):
        form.add_error("within", _("Give both the latitude and the longitude of the position."))
        return None
    if not km:
        return None
    if lat is not None:
        return Near(latitude=lat, longitude=lon, km=km)
    if place is None:
        form.add_error(
            "within", _("Choose a place, or use your position, to search within a distance.")
        )
        return None
    centre = place_centre(place)
    if centre is None:
        form.add_error(
            "within",
            _("%(place)s has no centre point on record: choose a place inside it.")
            % {"place": place.name},
        )
        return None
    return Near(latitude=centre[0], longitude=centre[1], km=km)


def near_query(form: forms.Form) -> dict:
    """The distance search's parameters as given (valid ones only), for links."""
    data = getattr(form, "cleaned_data", {})
    if not data.get("near"):
        return {}
    pairs = {"within": data.get("within"), "lat": data.get("lat"), "lon": data.get("lon")}
    return {key: value for key, value in pairs.items() if value is not None}


class MapDataForm(forms.Form):
    """The GeoJSON endpoint's parameters: the area (required) and the list's filters.

    Filters name places by id and tactics and working groups by slug, so no
    query is needed to read them; an unknown one simply matches nothing.
    """

    bbox = forms.CharField(max_length=4 * MAX_COORDINATE_CHARS)
    place = forms.IntegerField(required=False, min_value=1, max_value=2**62)
    kind = forms.ChoiceField(required=False, choices=[("", ""), *ActionKind.choices])
    tactic = forms.SlugField(required=False, max_length=80)
    working_group = forms.SlugField(required=False, max_length=60)
    date_from = forms.DateField(required=False, validators=[validate_day_in_range])
    date_to = forms.DateField(required=False, validators=[validate_day_in_range])
    within = forms.IntegerField(required=False, min_value=1, max_value=MAX_NEAR_KM)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180)

    def clean_bbox(self) -> BoundingBox:
        return parse_bbox(self.cleaned_data["bbox"].strip())

    def clean(self):
        data = super().clean()
        place = None
        if data.get("within") and data.get("lat") is None and data.get("place"):
            place = Place.objects.filter(pk=data["place"]).only(*PLACE_MAP_FIELDS).first()
        data["near"] = near_from(self, data, place)
        return data

    def filters(self) -> ActionFilters:
        data = self.cleaned_data
        return ActionFilters(
            place_id=data.get("place"),
            kind=data.get("kind") or None,
            tactic=data.get("tactic") or None,
            working_group=data.get("working_group") or None,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            bbox=data["bbox"],
            near=data.get("near"),
        )


class CoordinateField(forms.DecimalField):
    """Degrees, as typed or pasted (any number of decimals), kept to six places (~10 cm)."""

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)
        self.widget.attrs.update({"step": "any", "inputmode": "decimal"})

    def to_python(self, value):
        if isinstance(value, str) and len(value) > MAX_COORDINATE_CHARS:
            raise forms.ValidationError(_("Enter a number."), code="invalid")
        number = super().to_python(value)
        # Out-of-range values are left as they are: the service says why.
        if number is not None and number.is_finite() and abs(number) < 1000:
            number = number.quantize(_SIX_PLACES)
        return number


def _datetime_field(label) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=[DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        validators=[validate_day_in_range],
    )


class ActionDetailsForm(forms.Form):
    """An action's details, for posting and editing; local times in the current time zone."""

    title = forms.CharField(label=_("Title"), max_length=160)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    kind = forms.ChoiceField(label=_("Kind of action"), choices=ActionKind.choices)
    tactic = forms.ChoiceField(
        label=_("Tactic from the playbook"),
        required=False,
        choices=(),
        help_text=_("Posting an action from a tactic counts as adopting it."),
        error_messages={"invalid_choice": _("That tactic is not in the playbook.")},
    )
    place = forms.ChoiceField(
        label=_("Place"),
        choices=(),
        error_messages={"invalid_choice": _("Choose a place from the list.")},
    )
    address = forms.CharField(label=_("Address"), required=False, max_length=300)
    latitude = CoordinateField(
        label=_("Latitude"), help_text=_("Optional, in degrees (48.8566). Puts it on the map.")
    )
    longitude = CoordinateField(label=_("Longitude"), help_text=_("Optional, in degrees (2.3522)."))
    starts_at = _datetime_field(_("Starts"))
    ends_at = _datetime_field(_("Ends"))
    time_zone = forms.CharField(
        label=_("Time zone"),
        required=False,
        max_length=TIME_ZONE_MAX_LENGTH,
        validators=[validate_time_zone],
        help_text=_(
            "The times above are in this zone, e.g. Europe/Paris. Leave empty for the "
            "place's time zone."
        ),
        widget=forms.TextInput(attrs={"list": "time-zones", "autocomplete": "off"}),
    )
    visibility = forms.ChoiceField(
        label=_("Who can see it"), choices=Visibility.choices, initial=Visibility.PUBLIC
    )
    capacity = forms.IntegerField(
        label=_("Places"),
        required=False,
        min_value=1,
        max_value=MAX_CAPACITY,
        help_text=_("Leave empty for no limit."),
    )

    def __init__(
        self, *args, places: list[Place], tactics: list[Tactic], place_outside=None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self._tactics = {str(tactic.pk): tactic for tactic in tactics}
        # place_outside(name): why a typed place that is not offered is refused.
        self._places = offer_places(self, places, empty="—", outside=place_outside)
        self.fields["tactic"].choices = [("", _("None"))] + [
            (key, tactic.title) for key, tactic in self._tactics.items()
        ]
        for name in ("starts_at", "ends_at"):
            self.fields[name].help_text = _("Local time where it happens (time zone below).")

    # Control characters would break the Atom feed and email subjects; the
    # service drops them too, these keep the form showing what will be saved.
    def clean_title(self) -> str:
        title = without_control_characters(self.cleaned_data["title"]).strip()
        if not title:
            raise forms.ValidationError(self.fields["title"].error_messages["required"])
        return title

    def clean_description(self) -> str:
        return without_control_characters(self.cleaned_data["description"])

    def clean_address(self) -> str:
        return without_control_characters(self.cleaned_data["address"])

    def clean(self):
        data = super().clean()
        add_place_name_error(self)
        self._in_time_zone(data)
        return data

    def _in_time_zone(self, data: dict) -> None:
        """Read the typed times as wall-clock times in the action's zone.

        The fields parse them in the page's zone; the chosen zone (or, left
        empty, the place's, then the coalition's) is the one that counts.
        """
        if "time_zone" in self.errors:
            return
        name = data.get("time_zone") or ""
        if not name:
            place = self._places.get(data.get("place") or "")
            if place is None:
                return
            name = place_time_zone(place)
        data["time_zone"] = name
        here = zone(name)
        for field in ("starts_at", "ends_at"):
            value = data.get(field)
            if value is not None:
                typed = timezone.make_naive(value)
                data[field] = timezone.make_aware(typed, here)

    def details(self) -> dict:
        """The cleaned details as the service takes them (objects, not ids)."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data["description"],
            "kind": data["kind"],
            "tactic": self._tactics.get(data["tactic"] or ""),
            "place": self._places[data["place"]],
            "address": data["address"],
            "latitude": data["latitude"],
            "longitude": data["longitude"],
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "visibility": data["visibility"],
            "capacity": data["capacity"],
            "time_zone": data.get("time_zone") or "",
        }


class ActionPostForm(ActionDetailsForm):
    """Posting: the details, and the group it is posted for (among those the person may)."""

    field_order = ["group"]

    group = forms.ChoiceField(
        label=_("Posted by"),
        choices=(),
        error_messages={
            "invalid_choice": _(
                "You cannot post for that group: only members of a group that signed "
                "the unity statement post actions for it."
            )
        },
    )

    def __init__(self, *args, groups: list[Group], tactic_slug: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self._groups = {str(group.pk): group for group in groups}
        self.fields["group"].choices = [(key, g.name) for key, g in self._groups.items()]
        if len(groups) == 1:
            self.initial.setdefault("group", str(groups[0].pk))
        if groups:
            self.initial.setdefault("place", str(groups[0].place_id))
        if tactic_slug:
            chosen = next((k for k, t in self._tactics.items() if t.slug == tactic_slug), None)
            if chosen:
                self.initial.setdefault("tactic", chosen)
        self.order_fields(["group"])

    def chosen_group(self) -> Group:
        return self._groups[self.cleaned_data["group"]]


OUTCOME_FIELDS = ("participants", "letters_sent", "signatures_gathered", "media_pieces", "story")


def _outcome(label) -> forms.IntegerField:
    return forms.IntegerField(label=label, required=False, min_value=0, max_value=MAX_OUTCOME)


class ActionEditForm(ActionDetailsForm):
    """Editing: the details, the status and, once it has started, what came of it."""

    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)
    participants = _outcome(_("People who took part"))
    letters_sent = _outcome(_("Letters sent"))
    signatures_gathered = _outcome(_("Signatures gathered"))
    media_pieces = _outcome(_("Media pieces"))
    story = forms.CharField(
        label=_("What happened"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args, action: Action, **kwargs):
        kwargs.setdefault("initial", _initial(action))
        super().__init__(*args, **kwargs)
        self.action = action
        if action.status != ActionStatus.CANCELLED:
            # Cancelling asks for a message to the people coming: its own page.
            self.fields["status"].choices = [
                choice for choice in ActionStatus.choices if choice[0] != ActionStatus.CANCELLED
            ]
            self.fields["status"].help_text = _(
                "To cancel, use “Cancel the action”: it asks for a message to the people coming."
            )
        # Outcomes are asked for once the action has started.
        self.with_outcomes = action.starts_at <= timezone.now()
        if not self.with_outcomes:
            for name in OUTCOME_FIELDS:
                del self.fields[name]

    def clean_story(self) -> str:
        return without_control_characters(self.cleaned_data["story"])

    def changes(self) -> dict:
        """Only what differs from the action, so an unchanged field is never re-checked."""
        wanted = self.details()
        wanted["status"] = self.cleaned_data["status"]
        if self.with_outcomes:
            for name in OUTCOME_FIELDS:
                wanted[name] = self.cleaned_data[name]
        return {
            name: value for name, value in wanted.items() if getattr(self.action, name) != value
        }


def _initial(action: Action) -> dict:
    initial = {
        name: getattr(action, name)
        for name in (
            "title", "description", "kind", "address", "latitude", "longitude", "starts_at",
            "ends_at", "visibility", "capacity", "status", *OUTCOME_FIELDS,
        )
    }  # fmt: skip
    # Shown as the wall-clock time where it happens.
    here = zone(action.time_zone)
    for name in ("starts_at", "ends_at"):
        initial[name] = timezone.make_naive(
            action.starts_at if name == "starts_at" else action.ends_at, here
        )
    initial["time_zone"] = action.time_zone
    initial["place"] = str(action.place_id)
    initial["tactic"] = str(action.tactic_id) if action.tactic_id else ""
    return initial

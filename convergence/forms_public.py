"""Forms of the public pages of days of action: the search by place name and the map's area."""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from actions.forms_posting import MAX_COORDINATE_CHARS, MAX_NEAR_KM, parse_bbox
from actions.selectors_listing import BoundingBox, Near
from coalition.geo import place_centre
from coalition.models import Place

PLACE_NAME_MAX = Place._meta.get_field("name").max_length


class DaySearchForm(forms.Form):
    """``?q=``: events in places whose name contains the text, and under them."""

    q = forms.CharField(
        label=_("Find events by place name"),
        required=False,
        max_length=PLACE_NAME_MAX,
        help_text=_("A town, district or neighbourhood; events under it are included."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-place-name": "q"}),
    )
    within = forms.IntegerField(
        label=_("Within (km)"),
        required=False,
        min_value=1,
        max_value=MAX_NEAR_KM,
        help_text=_("Of the place named above, or of your position."),
    )
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The type-ahead of every place box (static/js/place-combobox.js), here
        # filling the box with the chosen name: this search is by name alone.
        self.fields["q"].widget.attrs.update(
            {
                "data-suggest-url": reverse("place_suggest"),
                "data-text-none": _("No place matches."),
                "data-text-count": _(
                    "%(count)s places match; use the up and down arrows to choose."
                ),
            }
        )

    def clean(self):
        data = super().clean()
        if (data.get("lat") is None) != (data.get("lon") is None):
            self.add_error("within", _("Give both the latitude and the longitude of the position."))
        return data

    def search(self) -> str:
        """The text to look for, or "" when there is none (or it was not valid)."""
        if not self.is_bound or not self.is_valid():
            return ""
        return " ".join(self.cleaned_data["q"].split())

    def near(self, places: list[Place]) -> Near | None:
        """Within N km of the position given, else of the first (largest) place found."""
        if not self.is_bound or not self.is_valid() or not self.cleaned_data.get("within"):
            return None
        data = self.cleaned_data
        if data.get("lat") is not None:
            return Near(latitude=data["lat"], longitude=data["lon"], km=data["within"])
        for place in places:
            if (centre := place_centre(place)) is not None:
                return Near(latitude=centre[0], longitude=centre[1], km=data["within"])
        self.add_error(
            "within",
            _("Type the name of a place with a centre point on record, or use your position."),
        )
        return None

    def near_query(self) -> dict:
        data = getattr(self, "cleaned_data", {})
        pairs = {"within": data.get("within"), "lat": data.get("lat"), "lon": data.get("lon")}
        return {key: value for key, value in pairs.items() if value is not None}


class DayMapDataForm(forms.Form):
    """The day's GeoJSON parameters: an optional area, checked like the actions map's."""

    bbox = forms.CharField(required=False, max_length=4 * MAX_COORDINATE_CHARS)

    def clean_bbox(self) -> BoundingBox | None:
        raw = self.cleaned_data.get("bbox", "").strip()
        return parse_bbox(raw) if raw else None

"""Forms of the public pages of days of action: the search by place name and the map's area."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from actions.forms_posting import MAX_COORDINATE_CHARS, parse_bbox
from actions.selectors_listing import BoundingBox
from coalition.models import Place

PLACE_NAME_MAX = Place._meta.get_field("name").max_length


class DaySearchForm(forms.Form):
    """``?q=``: events in places whose name contains the text, and under them."""

    q = forms.CharField(
        label=_("Find events by place name"),
        required=False,
        max_length=PLACE_NAME_MAX,
        help_text=_("A town, district or neighbourhood; events under it are included."),
    )

    def search(self) -> str:
        """The text to look for, or "" when there is none (or it was not valid)."""
        if not self.is_bound or not self.is_valid():
            return ""
        return " ".join(self.cleaned_data["q"].split())


class DayMapDataForm(forms.Form):
    """The day's GeoJSON parameters: an optional area, checked like the actions map's."""

    bbox = forms.CharField(required=False, max_length=4 * MAX_COORDINATE_CHARS)

    def clean_bbox(self) -> BoundingBox | None:
        raw = self.cleaned_data.get("bbox", "").strip()
        return parse_bbox(raw) if raw else None

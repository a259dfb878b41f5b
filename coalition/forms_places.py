"""Forms of the places pages: add, rename, move, merge, and add many at once."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coalition.forms import IdChoiceField
from coalition.models import Place, PlaceKind
from coalition.place_pick import PlaceModelChoiceField

# A checkbox before its own label, so it never sits beside the next field's label.
CHECKBOX_TEMPLATE = "coalition/forms/checkbox_field.html"


class PlacePickField(PlaceModelChoiceField, IdChoiceField):
    """Any place by id or by a name only one place has; a bounded select (issue #8)."""


def _pick(label, *, required: bool, empty_label=None) -> PlacePickField:
    return PlacePickField(
        queryset=Place.objects.only("id", "name", "kind", "depth", "path").order_by("path"),
        required=required,
        label=label,
        empty_label=empty_label or "---------",
    )


class PlaceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.TypedChoiceField(label=_("Kind of place"), choices=PlaceKind.choices, coerce=int)
    parent = _pick(_("Inside"), required=False, empty_label=_("Nowhere: a top-level place"))


class PlaceRenameForm(forms.Form):
    name = forms.CharField(label=_("New name"), max_length=120)


def _degrees(label, help_text="") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=9,
        decimal_places=6,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )


class PlaceLocationForm(forms.Form):
    """Where a place is: its centre, and optionally its area (for maps and "near" searches)."""

    latitude = _degrees(_("Latitude of the centre"), _("In degrees, for example 47.218371."))
    longitude = _degrees(_("Longitude of the centre"), _("In degrees, for example -1.553621."))
    min_latitude = _degrees(_("South edge (latitude)"), _("Optional: the area maps fit to."))
    max_latitude = _degrees(_("North edge (latitude)"))
    min_longitude = _degrees(_("West edge (longitude)"))
    max_longitude = _degrees(_("East edge (longitude)"))


class PlaceMoveForm(forms.Form):
    parent = _pick(_("Move inside"), required=False, empty_label=_("Nowhere: a top-level place"))


class PlaceMergeForm(forms.Form):
    into = _pick(_("Merge into"), required=True)
    confirm = forms.BooleanField(
        label=_("Yes: move everything of this place to the chosen one, then delete this place"),
        template_name=CHECKBOX_TEMPLATE,
    )


class PlaceDeleteForm(forms.Form):
    confirm = forms.BooleanField(label=_("Yes, delete this place"), template_name=CHECKBOX_TEMPLATE)


class PlaceOutlineForm(forms.Form):
    text = forms.CharField(
        label=_("Places, one per line"),
        widget=forms.Textarea(attrs={"rows": 12}),
        max_length=200_000,
        help_text=_(
            "Indent a place under the one it sits in. Put its kind in brackets when it is "
            "not one scale below its parent: “Port Maren (city)”. At most 2,000 lines."
        ),
    )
    under = _pick(_("Under"), required=False, empty_label=_("Nowhere: top-level places"))


class PlaceCsvForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns name, parent, kind. The parent is a place's name; the kind a word "
            "(city, region…) or a number from 1 (neighbourhood) to 6 (global). At most "
            "5,000 lines and 2 MB."
        ),
    )

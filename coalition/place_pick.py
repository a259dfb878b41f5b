"""Choosing a place without listing every place (issue #8: 8,900 places made 1 s of template).

A place is picked with two controls that work without JavaScript: a select
of the upper levels of the tree (regions and larger, plus the place already
chosen and any place named as typed) and a text input ``<field>_name``
resolved on the server (issue #15): a name only one place has, ignoring case
and accents, or else a part of a name ("harbour", "side") only one place
has; when several match, the person is told which. ``?place=<id>`` keeps
working for any place. With JavaScript, ``static/js/place-combobox.js`` turns
the text input into a type-ahead over ``/places/suggest.json``.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.db.models import F, Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from coalition.forms import id_from
from coalition.models import Place, PlaceKind
from coalition.search import search_normalise, search_terms
from coalition.selectors import places_matching

# What maps and "near" searches read of a place (coalition/geo.py).
PLACE_MAP_FIELDS = (
    "latitude", "longitude", "min_latitude", "min_longitude", "max_latitude", "max_longitude",
)  # fmt: skip
# Places of these kinds and larger are always offered in the select.
LISTED_FROM_KIND = PlaceKind.REGION
NAME_SUFFIX = "_name"
NAME_MAX_LENGTH = Place._meta.get_field("name").max_length
# How many same-named places the message names.
MATCHES_SHOWN = 5
# How many places a typed name may bring into the select: enough to tell the
# person which ones match, bounded whatever the tree's size.
MATCHES_LOADED = 20


def typed_name(data, field: str = "place") -> str:
    """The place name typed into ``<field>_name`` (trimmed, bounded), or ""."""
    if data is None:
        return ""
    return str(data.get(field + NAME_SUFFIX, "") or "").strip()[:NAME_MAX_LENGTH]


def places_to_offer(*, chosen=None, name: str = "") -> list[Place]:
    """The upper levels in tree order, plus the place ``chosen`` (an id) and places named ``name``.

    One query, bounded by the size of the upper levels whatever the tree's size.
    Each place carries ``parent_name`` so same-named places can be told apart.
    """
    wanted = Q(kind__gte=LISTED_FROM_KIND)
    if (pk := id_from(chosen or "")) is not None:
        wanted |= Q(pk=pk)
    if name:
        matching = places_matching(name).values("pk")[:MATCHES_LOADED]
        wanted |= Q(pk__in=matching)
    return list(
        Place.objects.filter(wanted)
        .annotate(parent_name=F("parent__name"))
        .only("id", "name", "kind", "depth", "path", *PLACE_MAP_FIELDS)
        .order_by("path")
    )


def option_label(place: Place) -> str:
    """Indented by depth; a place below the listed levels also names its parent."""
    label = "\u00a0\u00a0" * place.depth + place.name
    # Only places from places_to_offer carry parent_name (and their kind loaded).
    parent = getattr(place, "parent_name", None)
    if parent and place.kind < LISTED_FROM_KIND:
        label += f" ({parent})"
    return label


def _named(place: Place) -> str:
    if getattr(place, "parent_name", None):
        return _("%(name)s in %(parent)s") % {"name": place.name, "parent": place.parent_name}
    return place.name


def resolve_name(name: str, places: list[Place]) -> tuple[Place | None, str]:
    """The one place in ``places`` that ``name`` picks, or None and why not.

    A name only one place has wins (case and accents aside: "port maren" is
    Port Maren); else a part of a name only one place has ("harbour" is
    Harbourside); else the message names the places that match.
    """
    folded = search_normalise(name)
    exact = [place for place in places if search_normalise(place.name) == folded]
    if len(exact) == 1:
        return exact[0], ""
    if exact:
        return None, _many_called(name, exact)
    partial = [place for place in places if _matches(name, place)]
    if len(partial) == 1:
        return partial[0], ""
    if not partial:
        return None, _(
            "No place is called “%(name)s”. Check the spelling or choose from the list."
        ) % {"name": name}
    shown = ", ".join(_named(place) for place in partial[:MATCHES_SHOWN])
    more = len(partial) - MATCHES_SHOWN
    return None, _(
        "%(count)d places match “%(name)s” (%(shown)s%(more)s): type more of the name "
        "or choose one from the list."
    ) % {
        "count": len(partial),
        "name": name,
        "shown": shown,
        "more": _(", and %(n)d more") % {"n": more} if more > 0 else "",
    }


def _many_called(name: str, matches: list[Place]) -> str:
    shown = ", ".join(_named(place) for place in matches[:MATCHES_SHOWN])
    more = len(matches) - MATCHES_SHOWN
    return _(
        "%(count)d places are called “%(name)s” (%(shown)s%(more)s): choose one from the list."
    ) % {
        "count": len(matches),
        "name": name,
        "shown": shown,
        "more": _(", and %(n)d more") % {"n": more} if more > 0 else "",
    }


class PlaceSelectWithName(forms.Select):
    """The select, followed by a text input ``<name>_name`` for any place by its name."""

    def use_required_attribute(self, initial) -> bool:
        # A typed name is an answer too: a required select would stop the
        # browser sending the form when only the name box is filled.
        return False

    def render(self, name, value, attrs=None, renderer=None):
        select = super().render(name, value, attrs, renderer)
        return name_box(self, select, name, attrs)


def name_box(widget: forms.Widget, select: str, name: str, attrs) -> str:
    """``select`` followed by the text input ``<name>_name`` the type-ahead enhances."""
    base_id = (attrs or {}).get("id") or widget.attrs.get("id") or f"id_{name}"
    # data-* attributes carry what place-combobox.js needs, so the
    # script holds no text of its own (translated here, on the server).
    return format_html(
        '{}<label for="{}">{}</label> <input type="text" name="{}" id="{}" value="{}"'
        ' maxlength="{}" autocomplete="off" data-place-name="{}" data-suggest-url="{}"'
        ' data-select-id="{}" data-text-none="{}" data-text-count="{}">',
        select,
        base_id + NAME_SUFFIX,
        _("or type its name"),
        name + NAME_SUFFIX,
        base_id + NAME_SUFFIX,
        getattr(widget, "typed", ""),
        NAME_MAX_LENGTH,
        name,
        reverse("place_suggest"),
        base_id,
        _("No place matches."),
        _("%(count)s places match; use the up and down arrows to choose."),
    )


class PlaceSelectMultipleWithName(forms.SelectMultiple):
    """A multiple select of places, and a text input ``<name>_name`` that adds one by name."""

    def use_required_attribute(self, initial) -> bool:
        return False

    def render(self, name, value, attrs=None, renderer=None):
        select = super().render(name, value, attrs, renderer)
        return name_box(self, select, name, attrs)


def add_typed_place(form: forms.Form, places: list[Place], *, field: str) -> None:
    """For a multiple place field: a typed name that picks one place adds it to the chosen.

    Otherwise the reason becomes the field's error (see ``add_place_name_error``).
    """
    form._place_name_error = None
    name = typed_name(form.data if form.is_bound else None, field)
    form.fields[field].widget.typed = name
    if not name:
        return
    place, error = resolve_name(name, places)
    if place is None:
        form._place_name_error = (field, error)
        return
    data = form.data.copy()
    chosen = data.getlist(field) if hasattr(data, "getlist") else list(data.get(field) or [])
    if str(place.pk) not in chosen:
        chosen.append(str(place.pk))
    if hasattr(data, "setlist"):
        data.setlist(field, chosen)
    else:
        data[field] = chosen
    form.data = data
    form.fields[field].widget.typed = ""


def offer_places(
    form: forms.Form,
    places: list[Place],
    *,
    field: str = "place",
    empty: str,
    outside: Callable[[str], str] | None = None,
):
    """Set ``form.fields[field]``'s choices from ``places`` and resolve a typed name.

    A name that matches one place becomes the field's value, as if chosen in
    the select; otherwise the field gets the reason as its error. When no
    offered place matches, ``outside(name)`` may give a better reason (a day
    of action says which places it covers). Returns the places by key (str
    id), the lookup the forms already use.
    """
    by_key = {str(place.pk): place for place in places}
    form.fields[field].choices = [("", empty)] + [
        (key, option_label(place)) for key, place in by_key.items()
    ]
    widget = PlaceSelectWithName(choices=form.fields[field].choices)
    form.fields[field].widget = widget
    form._place_name_error = None
    name = typed_name(form.data if form.is_bound else None, field)
    widget.typed = name
    if name:
        place, error = resolve_name(name, places)
        data = form.data.copy()
        data[field] = str(place.pk) if place else ""
        form.data = data
        if place is None:
            if outside is not None and not any(_matches(name, offered) for offered in places):
                error = outside(name) or error
            form._place_name_error = (field, error)
        else:
            widget.typed = ""
    return by_key


def _matches(name: str, place: Place) -> bool:
    terms = search_terms(name)
    return bool(terms) and all(term in search_normalise(place.name) for term in terms)


def place_named(name: str) -> Place | None:
    """The one place in the whole tree that ``name`` picks (as typed in a place box), or None."""
    matches = list(places_matching(name).annotate(parent_name=F("parent__name"))[:MATCHES_LOADED])
    return resolve_name(name, matches)[0]


def add_place_name_error(form: forms.Form) -> None:
    """Call from ``clean()``: a typed name that matched no single place is the field's error."""
    if getattr(form, "_place_name_error", None):
        field, error = form._place_name_error
        # The typed name's reason replaces "This field is required." for the empty select.
        form.errors.pop(field, None)
        form.add_error(field, error)


class TypedPlaceName(str):
    """A place name typed into ``<field>_name``, as the field's raw value."""


class PlaceModelWidget(PlaceSelectWithName):
    """For :class:`PlaceModelChoiceField`: options are built when rendered (one query)."""

    empty_label = "---------"

    def value_from_datadict(self, data, files, name):
        typed = typed_name(data, name)
        if typed:
            return TypedPlaceName(typed)
        return super().value_from_datadict(data, files, name)

    def render(self, name, value, attrs=None, renderer=None):
        typed = value if isinstance(value, TypedPlaceName) else ""
        chosen = getattr(value, "pk", value)
        places = places_to_offer(chosen=None if typed else chosen, name=typed)
        self.choices = [("", self.empty_label)] + [
            (place.pk, option_label(place)) for place in places
        ]
        self.typed = typed
        return super().render(name, "" if typed else chosen, attrs, renderer)


class PlaceModelChoiceField(forms.ModelChoiceField):
    """Any place by id, or by a name only one place has; renders a bounded select (issue #8)."""

    widget = PlaceModelWidget

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.widget.empty_label = self.empty_label or "---------"

    def _set_queryset(self, queryset):
        super()._set_queryset(queryset)
        # The widget builds its own bounded options; never iterate the queryset.
        self.widget.choices = []

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)

    def to_python(self, value):
        if isinstance(value, TypedPlaceName):
            matches = list(
                places_matching(value, self.queryset).annotate(parent_name=F("parent__name"))[
                    :MATCHES_LOADED
                ]
            )
            place, error = resolve_name(value, matches)
            if place is None:
                raise forms.ValidationError(error, code="invalid_choice")
            return place
        return super().to_python(value)

"""Forms of the coordinator's pages: a day of action, toolkit items and the coordination filters.

The forms parse and bound what is typed; the rules (the window ends after it
starts, at least one place, goals, file types and sizes) live in
``convergence.services`` and come back as ``RuleBroken`` on the field they name.
"""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from actions.forms_posting import DATETIME_LOCAL
from coalition.dates import validate_day_in_range
from coalition.forms import id_from
from coalition.models import Place
from coalition.place_pick import (
    PlaceSelectMultipleWithName,
    add_place_name_error,
    add_typed_place,
    offer_places,
    place_named,
)
from convergence.models import DayOfAction, ToolkitItem, ToolkitKind
from convergence.services import days as day_rules
from convergence.services import toolkit as toolkit_rules
from convergence.services.events import not_covered_message
from members.models import Group


def _datetime_field(label) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=[DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        validators=[validate_day_in_range],
    )


def _text(label, limit: int, *, rows: int = 0, required: bool = True, help_text="") -> forms.Field:
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    return forms.CharField(
        label=label, max_length=limit, required=required, widget=widget, help_text=help_text
    )


def _goal(label) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=1,
        max_value=day_rules.GOAL_MAX,
        help_text=_("Optional."),
    )


class DayForm(forms.Form):
    """A day of action's details, for creating and editing; local times."""

    title = _text(_("Title"), day_rules.TITLE_MAX)
    purpose = _text(_("Purpose"), day_rules.PURPOSE_MAX, rows=5, help_text=_("Why we act."))
    target = _text(_("Target"), day_rules.TARGET_MAX, help_text=_("Who or what the day presses."))
    ask = _text(_("The ask"), day_rules.ASK_MAX, rows=3, help_text=_("What we ask of the target."))
    starts_at = _datetime_field(_("Window opens"))
    ends_at = _datetime_field(_("Window closes"))
    places = forms.MultipleChoiceField(
        label=_("Places covered"),
        help_text=_("Each place with everything inside it. Hold Ctrl (or ⌘) to choose several."),
        error_messages={
            "required": _("Choose at least one place the day of action covers."),
            "invalid_choice": _("Choose places from the list."),
        },
        widget=PlaceSelectMultipleWithName(attrs={"size": 10}),
    )
    hub_groups = forms.MultipleChoiceField(
        label=_("Hub groups"),
        required=False,
        help_text=_("Signed groups that anchor the day in their area. Optional."),
        error_messages={"invalid_choice": _("Choose groups from the list.")},
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    goal_events = _goal(_("Goal: events"))
    goal_participants = _goal(_("Goal: participants"))

    def __init__(
        self, *args, places: list[Place], hub_groups: list[Group], day: DayOfAction | None = None,
        **kwargs,
    ):  # fmt: skip
        if day is not None:
            kwargs.setdefault("initial", _initial(day))
        super().__init__(*args, **kwargs)
        self._places = {str(place.pk): place for place in places}
        self._groups = {str(group.pk): group for group in hub_groups}
        self.fields["places"].choices = [
            (key, "\u00a0\u00a0" * place.depth + place.name) for key, place in self._places.items()
        ]
        self.fields["hub_groups"].choices = [(key, g.name) for key, g in self._groups.items()]
        # A place typed by name (or chosen in the type-ahead) joins those selected.
        add_typed_place(self, places, field="places")
        zone = timezone.get_current_timezone_name()
        for name in ("starts_at", "ends_at"):
            self.fields[name].help_text = _("Local time, %(zone)s.") % {"zone": zone}

    def clean(self):
        data = super().clean()
        add_place_name_error(self)
        return data

    def details(self) -> dict:
        """The cleaned details as the services take them (objects, not ids)."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "purpose": data["purpose"],
            "target": data["target"],
            "ask": data["ask"],
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "places": [self._places[key] for key in data["places"]],
            "hub_groups": [self._groups[key] for key in data["hub_groups"]],
            "goal_events": data["goal_events"],
            "goal_participants": data["goal_participants"],
        }


def _initial(day: DayOfAction) -> dict:
    initial = {
        name: getattr(day, name)
        for name in (
            "title", "purpose", "target", "ask", "starts_at", "ends_at", "goal_events",
            "goal_participants",
        )
    }  # fmt: skip
    initial["places"] = [str(place.pk) for place in day.places.all()]
    initial["hub_groups"] = [str(group.pk) for group in day.hub_groups.all()]
    return initial


class _ToolkitContent(forms.Form):
    text = _text(
        _("Text"),
        toolkit_rules.TEXT_MAX,
        rows=6,
        required=False,
        help_text=_("Talking points, a guide, or a note about the file or link."),
    )
    url = forms.CharField(
        label=_("Link"),
        required=False,
        max_length=toolkit_rules.URL_MAX,
        widget=forms.URLInput(),
        help_text=_("A full web address, starting with https://."),
    )
    file = forms.FileField(
        label=_("File"),
        required=False,
        # Empty or oversized files are refused by the service, with its words.
        allow_empty_file=True,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "PDF, PNG, JPEG, GIF, text (.txt, .csv) or office documents (.odt, .docx, .pptx); "
            "at most %(limit)s MB."
        ) % {"limit": toolkit_rules.max_upload_bytes() // toolkit_rules.MEGABYTE}
        self.fields["file"].widget.attrs["accept"] = ",".join(toolkit_rules.FILE_TYPES)


class ToolkitItemForm(_ToolkitContent):
    """A new toolkit item: its kind and title, and the content of its first version."""

    field_order = ["kind", "title", "text", "url", "file"]
    # The edit page also holds the day's form: distinct names and ids.
    prefix = "toolkit"

    kind = forms.ChoiceField(label=_("Kind"), choices=ToolkitKind.choices)
    title = _text(_("Title"), toolkit_rules.TITLE_MAX)


class ToolkitVersionForm(_ToolkitContent):
    """A new version of an item; a version without a new file keeps the current one."""

    field_order = ["title", "text", "url", "file"]

    title = _text(_("Title"), toolkit_rules.TITLE_MAX)

    def __init__(self, *args, item: ToolkitItem, **kwargs):
        current = item.current
        kwargs.setdefault(
            "initial",
            {
                "title": item.title,
                "text": current.text if current else "",
                "url": current.url if current else "",
            },
        )
        kwargs.setdefault("prefix", f"item-{item.pk}")
        super().__init__(*args, **kwargs)
        self.item = item
        if current is not None and current.file:
            self.fields["file"].help_text = _("Leave empty to keep the current file. %(types)s") % {
                "types": self.fields["file"].help_text
            }


def _outside_day(name: str, covered: list[str]) -> str:
    place = place_named(name)
    return not_covered_message(place.name, covered) if place else ""


class _PlaceChoice(forms.ChoiceField):
    """A place among those listed, or (past the listed ones) any the form's lookup finds."""

    def valid_value(self, value) -> bool:
        return super().valid_value(value) or self.form_lookup(value) is not None


class CoordinationFilterForm(forms.Form):
    """?place=<id> narrows every list to that place's subtree; ?sort= orders the RSVP table.

    The select lists the covered places up to a cap; a deeper place past the
    cap (a link from the list of places without an event) is looked up once.
    """

    place = _PlaceChoice(
        label=_("Narrow to a place (and everything in it)"),
        required=False,
        error_messages={"invalid_choice": _("Choose a place this day of action covers.")},
    )
    sort = forms.ChoiceField(
        label=_("Order events by"),
        required=False,
        choices=[
            ("-rsvps", _("most RSVPs first")),
            ("rsvps", _("fewest RSVPs first")),
            ("starts", _("start")),
            ("title", _("title")),
        ],
    )

    def __init__(self, *args, places: list[Place], lookup=None, covered=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._lookup = lookup
        self._found: dict[str, Place | None] = {}
        self._places = offer_places(
            self,
            places,
            empty=_("All the places covered"),
            outside=lambda name: _outside_day(name, list(covered)),
        )
        self.fields["place"].form_lookup = self._find

    def clean(self):
        data = super().clean()
        add_place_name_error(self)
        return data

    def _find(self, value: str) -> Place | None:
        if value in self._places:
            return self._places[value]
        pk = id_from(value)
        if self._lookup is None or pk is None:
            return None
        if value not in self._found:
            self._found[value] = self._lookup(pk)
        return self._found[value]

    def chosen(self) -> tuple[Place | None, str]:
        """The valid choices; a bad value is left out (its error is shown)."""
        if not self.is_bound or not self.is_valid():
            data = getattr(self, "cleaned_data", {}) if self.is_bound else {}
        else:
            data = self.cleaned_data
        place = self._find(data["place"]) if data.get("place") else None
        return place, data.get("sort") or "-rsvps"


class CoordinatorMessageForm(forms.Form):
    """A coordinator's message to one audience of a day (the rules are the service's)."""

    audience = forms.ChoiceField(label=_("Write to"), widget=forms.RadioSelect, choices=())
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(
        label=_("Message"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 10})
    )

    def __init__(self, *args, audiences: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience"].choices = list(audiences.items())

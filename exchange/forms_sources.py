"""Forms of the sources pages: add a source, attach imported events (now or by a rule),
RSVP at the origin."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coalition.dates import validate_day_in_range
from coalition.forms_places import PlacePickField
from coalition.models import Place
from coalition.permissions import (
    can_coordinate,
    can_count_sources_in_figures,
    can_steward,
    memberships_of,
)
from convergence.models import DayOfAction, DayStatus
from members.models import Group


class SourceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=160)
    entry_point = forms.URLField(
        label=_("OSDI entry point"), max_length=500, assume_scheme="https",
        help_text=_("For example https://actionnetwork.org/api/v2/ or another coalition's "
                    "https://…/api/osdi/v1/."),
    )  # fmt: skip
    api_key = forms.CharField(
        label=_("API key"), required=False, max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Sent as OSDI-API-Token. Kept encrypted and never shown again; needed only "
                    "for non-public events."),
    )  # fmt: skip
    group = forms.ModelChoiceField(label=_("Group"), queryset=Group.objects.none(), required=False)
    # The one place control of the site: a bounded select and a name box with type-ahead.
    place = PlacePickField(
        label=_("Place"),
        queryset=Place.objects.only("id", "name", "kind", "depth", "path").order_by("path"),
    )
    is_federation = forms.BooleanField(label=_("Another coalition we follow"), required=False)
    network_name = forms.CharField(label=_("The other network's name"), max_length=160,
                                   required=False)  # fmt: skip
    tag = forms.CharField(label=_("Only events with this tag"), max_length=100, required=False)
    window_start = forms.DateField(label=_("Only events from"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}),
                                   validators=[validate_day_in_range])  # fmt: skip
    window_end = forms.DateField(label=_("Only events until"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}),
                                 validators=[validate_day_in_range])  # fmt: skip
    counts_in_figures = forms.BooleanField(label=_("Count its events in our figures"),
                                           required=False)  # fmt: skip

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        network = can_steward(user) or can_coordinate(user)
        mine = [pk for pk, role in memberships_of(user).items() if role == "admin"]
        groups = Group.objects.order_by("name")
        self.fields["group"].queryset = groups if network else groups.filter(pk__in=mine)
        self.fields["group"].required = not network
        self.fields["group"].help_text = _("Leave empty for a followed network.") if network else ""
        self.fields["place"].initial = (
            Place.objects.order_by("path").values_list("pk", flat=True).first()
        )
        if not can_count_sources_in_figures(user):
            # Counted apart unless the steering committee chooses otherwise.
            del self.fields["counts_in_figures"]


class AttachForm(forms.Form):
    day = forms.ModelChoiceField(label=_("Day of action"), queryset=DayOfAction.objects.none())
    events = forms.TypedMultipleChoiceField(
        label=_("Imported events"), coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, events=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["day"].queryset = DayOfAction.objects.filter(
            status__in=[DayStatus.OPEN, DayStatus.LIVE]
        ).order_by("starts_at")
        self.fields["events"].choices = [(event.pk, event.title) for event in events]


class RuleForm(forms.Form):
    """The rule: at each sync, imported events with the tag inside the day's window join it."""

    day = forms.ModelChoiceField(
        label=_("The day its tagged events join"), queryset=DayOfAction.objects.none(),
        required=False, empty_label=_("no rule"),
    )  # fmt: skip
    tag = forms.CharField(
        label=_("Events tagged"), max_length=100, required=False,
        help_text=_("Leave empty to use the day's address as the tag."),
    )  # fmt: skip

    # The source's page also has the attach form: its fields must not share ids.
    prefix = "rule"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["day"].queryset = DayOfAction.objects.filter(
            status__in=[DayStatus.OPEN, DayStatus.LIVE]
        ).order_by("starts_at")


class OriginRsvpForm(forms.Form):
    given_name = forms.CharField(label=_("First name"), max_length=150)
    family_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"))

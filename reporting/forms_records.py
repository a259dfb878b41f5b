"""Forms of the wins and climate signals pages: recording them and narrowing their lists."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coalition.dates import validate_day_in_range
from coalition.forms import IdChoiceField, IdMultipleChoiceField
from members.forms import place_field
from reporting.models import SignalKind, Stance, WinLevel
from reporting.services.records import (
    SIGNAL_SUMMARY_MAX,
    SOURCE_MAX,
    TITLE_MAX,
    URL_MAX,
    WIN_DESCRIPTION_MAX,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%Y-%m-%d")
        super().__init__(**kwargs)


def _date_field(label, *, required: bool = True, initial=None) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput(),
        initial=initial,
        validators=[validate_day_in_range],
    )


def _link_field(label) -> forms.URLField:
    # No assumed scheme: the service refuses anything but http and https, and
    # says so, rather than guessing.
    return forms.URLField(label=label, required=False, max_length=URL_MAX, assume_scheme="https")


class RecordFilterForm(forms.Form):
    """A place (and everything under it) and a date range."""

    place = place_field(_("Place (and everywhere in it)"), required=False)
    since = _date_field(_("From"), required=False)
    until = _date_field(_("Until"), required=False)

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end of the range is before its start."))
        return cleaned

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value}


class WinForm(forms.Form):
    title = forms.CharField(label=_("What was won"), max_length=TITLE_MAX)
    won_on = _date_field(_("Date"), initial=timezone.localdate)
    place = place_field(_("Place"))
    level = forms.ChoiceField(label=_("Level"), choices=WinLevel.choices)
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=WIN_DESCRIPTION_MAX,
        required=False,
    )
    evidence_url = _link_field(_("Evidence (a link)"))
    days_of_action = IdMultipleChoiceField(
        label=_("Days of action that led to it"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    actions = IdMultipleChoiceField(
        label=_("Actions that led to it"),
        queryset=None,
        required=False,
        help_text=_("The network's most recent held actions; hold Ctrl to choose several."),
    )
    shifted_climate = forms.BooleanField(
        label=_("It shifted the political climate"), required=False
    )
    is_public = forms.BooleanField(label=_("Show it on the public impact page"), required=False)

    def __init__(self, *args, days_queryset, days, actions_queryset, actions, **kwargs):
        super().__init__(*args, **kwargs)
        # Checked against everything the person may see; only a short list is shown.
        self.fields["days_of_action"].queryset = days_queryset
        self.fields["days_of_action"].widget.choices = [(day.pk, day.title) for day in days]
        self.fields["actions"].queryset = actions_queryset
        self.fields["actions"].widget.choices = [
            (
                action.pk,
                f"{action.title} — {action.host_group.name}, {action.starts_at:%Y-%m-%d}",
            )
            for action in actions
        ]
        self.fields["actions"].widget.attrs["size"] = 8


class SignalForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=SignalKind.choices)
    source = forms.CharField(label=_("Outlet or person"), max_length=SOURCE_MAX)
    said_on = _date_field(_("Date"), initial=timezone.localdate)
    stance = forms.ChoiceField(label=_("Stance"), choices=Stance.choices)
    url = _link_field(_("Link"))
    summary = forms.CharField(
        label=_("Summary"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=SIGNAL_SUMMARY_MAX,
        required=False,
    )
    place = place_field(_("Place"))
    day_of_action = IdChoiceField(
        label=_("Related day of action"),
        queryset=None,
        required=False,
        empty_label=_("None"),
    )

    def __init__(self, *args, days_queryset, days, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["day_of_action"]
        field.queryset = days_queryset
        field.widget.choices = [("", field.empty_label)] + [(day.pk, day.title) for day in days]

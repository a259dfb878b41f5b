"""Forms of the weaver's pipeline: board filters, moving a group by hand, CSV import."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coalition.place_pick import add_place_name_error, offer_places
from members.models import GroupKind, Stage
from members.selectors_weave import FilterChoices, PipelineFilters

MAX_QUIET_DAYS = 3650


class PipelineFilterForm(forms.Form):
    """GET filters for the board and the group list.

    Choices come from lists loaded once per page, and the chosen place,
    working group and caucus are picked from those lists, so filtering costs
    no extra query.
    """

    place = forms.ChoiceField(label=_("Place (and everything in it)"), required=False, choices=())
    working_group = forms.ChoiceField(label=_("Working group"), required=False, choices=())
    caucus = forms.ChoiceField(label=_("Caucus"), required=False, choices=())
    kind = forms.ChoiceField(
        label=_("Kind of group"),
        required=False,
        choices=[("", _("Any kind")), *GroupKind.choices],
    )
    quiet_days = forms.IntegerField(
        label=_("No contact for at least (days)"),
        required=False,
        min_value=1,
        max_value=MAX_QUIET_DAYS,
        help_text=_("Groups never contacted are included."),
    )
    stage = forms.ChoiceField(
        label=_("Stage"), required=False, choices=[("", _("Any stage")), *Stage.choices]
    )

    def __init__(self, *args, choices: FilterChoices, with_stage: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # The upper levels, the chosen place and any typed name (issue #8).
        self._places = offer_places(self, choices.places, empty=_("All places"))
        self._working_groups = {str(wg.pk): wg for wg in choices.working_groups}
        self._caucuses = {str(caucus.pk): caucus for caucus in choices.caucuses}
        self.fields["working_group"].choices = [("", _("Any working group"))] + [
            (key, wg.name) for key, wg in self._working_groups.items()
        ]
        self.fields["caucus"].choices = [("", _("Any caucus"))] + [
            (key, caucus.name) for key, caucus in self._caucuses.items()
        ]
        if not with_stage:
            del self.fields["stage"]

    def clean(self):
        data = super().clean()
        add_place_name_error(self)
        return data

    def filters(self) -> PipelineFilters:
        """The valid filters; a field with a bad value is left out (its error is shown)."""
        if not self.is_bound:
            return PipelineFilters()
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return PipelineFilters(
            place=self._places.get(data.get("place") or ""),
            working_group=self._working_groups.get(data.get("working_group") or ""),
            caucus=self._caucuses.get(data.get("caucus") or ""),
            kind=data.get("kind") or None,
            quiet_days=data.get("quiet_days"),
            stage=data.get("stage") or None,
        )


class PlaceFilterForm(forms.Form):
    """GET filter of the "thin network" page: one place subtree."""

    place = forms.ChoiceField(label=_("Place (and everything in it)"), required=False, choices=())

    def __init__(self, *args, places, **kwargs):
        super().__init__(*args, **kwargs)
        self._places = offer_places(self, places, empty=_("All places"))

    def clean(self):
        data = super().clean()
        add_place_name_error(self)
        return data

    def chosen_place(self):
        if not self.is_bound or not self.is_valid():
            return None
        return self._places.get(self.cleaned_data.get("place") or "")


class StageMoveForm(forms.Form):
    """A weaver moves a group to another stage by hand and says why."""

    stage = forms.ChoiceField(label=_("Move to"), choices=Stage.choices)
    reason = forms.CharField(
        label=_("Why"),
        max_length=300,
        widget=forms.TextInput,
        help_text=_("Kept in the group's history."),
    )

    def __init__(self, *args, current: str, **kwargs):
        super().__init__(*args, **kwargs)
        # Which moves are allowed is the service's rule; the form only leaves
        # out the stage the group is already at.
        self.fields["stage"].choices = [
            (value, label) for value, label in Stage.choices if value != current
        ]


class ProspectImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        max_length=200,
        help_text=_(
            "UTF-8, at most 2 MB and 5,000 rows. The first line names the columns: "
            "name, kind, place, contact_name, contact_email, website, description."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class ProspectImportConfirmForm(forms.Form):
    token = forms.CharField(max_length=500, widget=forms.HiddenInput)

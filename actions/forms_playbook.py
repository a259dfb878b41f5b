"""Writing up a done action as a tactic for the playbook."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from actions.services.playbook import (
    HOW_TO_MAX,
    RESOURCES_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    WHY_MAX,
)


class TacticForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX,
        help_text=_("A name other groups will recognise, such as “Clean-air school walk”."),
    )
    summary = forms.CharField(
        label=_("What was done"), max_length=SUMMARY_MAX, widget=forms.Textarea(attrs={"rows": 5})
    )
    why_it_worked = forms.CharField(
        label=_("Why it worked"),
        max_length=WHY_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    how_to = forms.CharField(
        label=_("How to do it"),
        max_length=HOW_TO_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("The steps, who does what, how long before the day."),
    )
    resources = forms.CharField(
        label=_("Resources"),
        max_length=RESOURCES_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Links to templates, leaflets, letters, one per line."),
    )

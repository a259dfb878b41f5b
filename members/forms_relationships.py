"""Forms of the relationship and leadership pages: meetings, ladder steps, skills, trainings."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coalition.dates import validate_day_in_range
from coalition.forms import IdChoiceField, IdMultipleChoiceField
from members.forms import place_field
from members.models import Group, LadderLevel, Skill, Training, User
from members.services.relationships import (
    FOLLOW_UP_MAX,
    LEVEL_NAME_MAX,
    NOTES_MAX,
    SKILL_NAME_MAX,
    STEP_NOTE_MAX,
    TRAINING_NAME_MAX,
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


def _person_label(person: User) -> str:
    return f"{person.name} <{person.email}>" if person.name else person.email


class _MeetingText(forms.Form):
    met_on = _date_field(_("When you met"), initial=timezone.localdate)
    notes = forms.CharField(
        label=_("What you talked about"),
        help_text=_("Seen only by the two of you and the network's weavers."),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=NOTES_MAX,
        required=False,
    )
    follow_up = forms.CharField(
        label=_("Follow-up"),
        help_text=_("What either of you will do next."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=FOLLOW_UP_MAX,
        required=False,
    )
    follow_up_on = forms.DateField(
        label=_("Remind me on"),
        help_text=_("Optional: the day you want a reminder to follow up."),
        required=False,
        widget=DateInput(),
        validators=[validate_day_in_range],
    )


class MeetingForm(_MeetingText):
    """A person logs a meeting they had, naming the other person by email address."""

    other_email = forms.EmailField(
        label=_("Email address of the person you met"),
        help_text=_("They need an account in the network."),
        max_length=254,
    )
    group = IdChoiceField(
        label=_("The group you spoke for"),
        queryset=Group.objects.none(),
        required=False,
        empty_label=_("Not sure"),
    )

    field_order = ["other_email", "group", "met_on", "notes", "follow_up", "follow_up_on"]

    def __init__(self, *args, groups: list[Group], **kwargs):
        super().__init__(*args, **kwargs)
        if len(groups) > 1:
            field = self.fields["group"]
            field.queryset = Group.objects.filter(pk__in=[group.pk for group in groups])
            field.widget.choices = [("", field.empty_label)] + [(g.pk, g.name) for g in groups]
        else:
            # One group: the meeting counts for it (the service's rule); none: nothing to ask.
            del self.fields["group"]


class _BoundedChoiceField(IdChoiceField):
    """A select whose options are a short list given by the page, checked against all rows.

    The network may hold thousands of people: the page lists those matching a
    search, and any valid id is still accepted when the form comes back.
    """

    def set_options(self, options: list[tuple[int, str]]) -> None:
        self.widget.choices = [("", self.empty_label or ""), *options]


class WeaverMeetingForm(_MeetingText):
    """A weaver logs a meeting between any two people, and which groups they spoke for."""

    person_a = _BoundedChoiceField(
        label=_("First person"), queryset=User.objects.filter(is_active=True)
    )
    group_a = _BoundedChoiceField(
        label=_("Group the first person spoke for"),
        queryset=Group.objects.all(),
        required=False,
        empty_label=_("Their only group, if they have one"),
    )
    person_b = _BoundedChoiceField(
        label=_("Second person"), queryset=User.objects.filter(is_active=True)
    )
    group_b = _BoundedChoiceField(
        label=_("Group the second person spoke for"),
        queryset=Group.objects.all(),
        required=False,
        empty_label=_("Their only group, if they have one"),
    )

    field_order = [
        "person_a",
        "group_a",
        "person_b",
        "group_b",
        "met_on",
        "notes",
        "follow_up",
        "follow_up_on",
    ]

    def __init__(self, *args, people: list[User], groups: list[Group], **kwargs):
        super().__init__(*args, **kwargs)
        person_options = [(person.pk, _person_label(person)) for person in people]
        group_options = [(group.pk, group.name) for group in groups]
        for name in ("person_a", "person_b"):
            self.fields[name].set_options(person_options)
        for name in ("group_a", "group_b"):
            self.fields[name].set_options(group_options)


class WeaverSearchForm(forms.Form):
    """Narrows the weaver's select boxes of people and groups (no JavaScript needed)."""

    people = forms.CharField(
        label=_("People whose name or email contains"), max_length=100, required=False
    )
    groups = forms.CharField(label=_("Groups whose name contains"), max_length=100, required=False)


class MeetingPeriodForm(forms.Form):
    """The date range, for people who see only their own meetings."""

    since = _date_field(_("From"), required=False)
    until = _date_field(_("Until"), required=False)

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end of the range is before its start."))
        return cleaned


class MeetingFilterForm(MeetingPeriodForm):
    """Weavers also narrow by place."""

    place = place_field(_("Place (either group in it or under it)"), required=False)

    field_order = ["place", "since", "until"]


# --- Ladder, skills and trainings -------------------------------------------


class LadderStepForm(forms.Form):
    level = IdChoiceField(label=_("Level reached"), queryset=LadderLevel.objects.order_by("rank"))
    at = _date_field(_("Date"), initial=timezone.localdate)
    note = forms.CharField(label=_("Note"), max_length=STEP_NOTE_MAX, required=False)

    def __init__(self, *args, levels: list[LadderLevel], **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["level"]
        field.widget.choices = [("", field.empty_label)] + [(lv.pk, lv.name) for lv in levels]


class PersonSkillsForm(forms.Form):
    skills = IdMultipleChoiceField(
        label=_("Skills"),
        queryset=Skill.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, skills: list[Skill], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skills"].widget.choices = [(skill.pk, skill.name) for skill in skills]


class TrainingAttendForm(forms.Form):
    training = _BoundedChoiceField(label=_("Training attended"), queryset=Training.objects.all())

    def __init__(self, *args, trainings: list[Training], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["training"].set_options(
            [(t.pk, f"{t.name} ({t.held_on.isoformat()})") for t in trainings]
        )


class LadderLevelForm(forms.Form):
    name = forms.CharField(label=_("Name of the level"), max_length=LEVEL_NAME_MAX)
    counts_as_leader = forms.BooleanField(label=_("Counts as a leader"), required=False)


class LadderLevelEditForm(LadderLevelForm):
    level = IdChoiceField(queryset=LadderLevel.objects.all(), widget=forms.HiddenInput)


class LadderLevelMoveForm(forms.Form):
    level = IdChoiceField(queryset=LadderLevel.objects.all(), widget=forms.HiddenInput)
    direction = forms.ChoiceField(choices=[("up", _("up")), ("down", _("down"))])


class SkillForm(forms.Form):
    name = forms.CharField(label=_("Name of the skill"), max_length=SKILL_NAME_MAX)


class TrainingForm(forms.Form):
    name = forms.CharField(label=_("Name of the training"), max_length=TRAINING_NAME_MAX)
    held_on = _date_field(_("Date"))
    skills = IdMultipleChoiceField(
        label=_("Skills it teaches"),
        queryset=Skill.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, skills: list[Skill], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skills"].widget.choices = [(skill.pk, skill.name) for skill in skills]

"""The Python form renderer writes, to the byte, what Django's form templates write."""

import datetime
from decimal import Decimal

import pytest
from django import forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from actions.forms_posting import ActionEditForm
from coalition.form_rendering import FormRenderer
from coalition.models import Place
from coalition.place_pick import PlaceModelChoiceField
from tests.factories import make_action, make_place


class EveryWidget(forms.Form):
    name = forms.CharField(label="Name <b>", max_length=20, help_text="Help & <i>more</i>")
    email = forms.EmailField(required=False, label="")
    count = forms.IntegerField(min_value=1, initial=1_000_000)
    amount = forms.DecimalField(required=False, initial=Decimal("12.50"))
    when = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        initial=datetime.datetime(2026, 3, 1, 9, 30),
    )
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False)
    secret = forms.CharField(widget=forms.PasswordInput, required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, initial='a"b')
    agree = forms.BooleanField(required=False, initial=True)
    story = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), initial="<p>x</p> & y")
    empty_story = forms.CharField(widget=forms.Textarea, required=False)
    kind = forms.ChoiceField(choices=[("a", "A & a"), ("b", mark_safe("<b>B</b>")), (3, 3)])
    grouped = forms.ChoiceField(
        choices=[("", "—"), ("Fruit", [("apple", "Apple"), ("pear", "Pear")]), ("x", "X")]
    )
    many = forms.MultipleChoiceField(choices=[("1", "One"), ("2", "Two")], initial=["2"])
    radio = forms.ChoiceField(widget=forms.RadioSelect, choices=[("y", "Yes"), ("n", "No")])
    boxes = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple, choices=[("1", "One")], required=False
    )
    upload = forms.FileField(required=False)
    url = forms.URLField(
        required=False, assume_scheme="https", widget=forms.URLInput(attrs={"disabled": True})
    )


def _both(form_class, *args, **kwargs) -> tuple[str, str]:
    fast = form_class(*args, renderer=FormRenderer(), **kwargs)
    django = form_class(*args, renderer=DjangoTemplates(), **kwargs)
    return str(fast), str(django)


def test_the_project_renders_forms_with_it():
    assert settings.FORM_RENDERER == "coalition.form_rendering.FormRenderer"


def test_unbound_form_is_written_as_django_writes_it():
    fast, django = _both(EveryWidget, auto_id="id_%s")
    assert fast == django


def test_bound_form_with_errors_is_written_as_django_writes_it():
    data = {"name": "x" * 30, "count": "0", "kind": "zz", "story": "a < b", "many": ["1", "2"]}
    fast, django = _both(EveryWidget, data)
    assert "errorlist" in fast
    assert fast == django


def test_fields_without_ids_are_written_as_django_writes_them():
    fast, django = _both(EveryWidget, {"name": "ok"}, auto_id=False)
    assert fast == django


def test_each_field_group_and_label_is_written_as_django_writes_it():
    data = {"name": "", "radio": "maybe"}
    fast_form = EveryWidget(data, renderer=FormRenderer())
    django_form = EveryWidget(data, renderer=DjangoTemplates())
    for name in fast_form.fields:
        fast, django = fast_form[name], django_form[name]
        assert fast.as_field_group() == django.as_field_group(), name
        assert fast.label_tag() == django.label_tag(), name
        assert str(fast.errors) == str(django.errors), name
    assert str(fast_form.non_field_errors()) == str(django_form.non_field_errors())


@pytest.mark.django_db
def test_the_action_form_is_written_as_django_writes_it(group):
    action = make_action(group, days_ahead=-1, description="<script>")
    places = [action.place, make_place("Harbour & Sons")]
    for data in (None, {"title": "", "place_name": "nowhere", "capacity": "-1"}):
        fast = ActionEditForm(data, action=action, places=places, tactics=[])
        django = ActionEditForm(data, action=action, places=places, tactics=[])
        django.renderer = DjangoTemplates()
        assert str(fast) == str(django)


@pytest.mark.django_db
def test_a_place_field_is_written_as_django_writes_it():
    make_place("Somewhere")

    class PlaceForm(forms.Form):
        place = PlaceModelChoiceField(queryset=Place.objects.all())

    fast, django = _both(PlaceForm, {"place_name": "Some"})
    assert fast == django


def test_a_template_it_does_not_write_is_left_to_the_engine():
    class Own(forms.Form):
        when = forms.SplitDateTimeField(template_name="django/forms/p.html")

    fast, django = _both(Own, {"when_0": "2026-01-01"})
    assert fast == django

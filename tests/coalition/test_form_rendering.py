"""The Python-written form templates give exactly the markup of Django's own templates."""

from __future__ import annotations

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from coalition.form_rendering import WRITERS, FastWidgetRenderer


class EveryKind(forms.Form):
    name = forms.CharField(label="Name <b>", help_text="Help & <i>more</i>", max_length=20)
    optional = forms.CharField(required=False, label="Ends with a question?")
    unlabelled = forms.CharField(label="", required=False)
    email = forms.EmailField(
        required=False, widget=forms.EmailInput(attrs={"placeholder": 'a "b"'})
    )
    number = forms.IntegerField(min_value=1, required=False)
    when = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    moment = forms.DateTimeField(required=False, widget=forms.DateTimeInput())
    secret = forms.CharField(required=False, widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(required=False, widget=forms.HiddenInput)
    agree = forms.BooleanField(required=False, label="I agree")
    kind = forms.ChoiceField(choices=[("", "Any"), ("a", "A & B"), ("b", "<B>")], required=False)
    grouped = forms.ChoiceField(
        required=False,
        choices=[("Fruit", [("apple", "Apple"), ("pear", "Pear")]), ("other", "Other")],
    )
    many = forms.MultipleChoiceField(choices=[("x", "X"), ("y", "Y")], required=False)
    radio = forms.ChoiceField(choices=[("1", "One"), ("2", "Two")], widget=forms.RadioSelect)
    boxes = forms.MultipleChoiceField(
        choices=[("1", "One"), ("2", "Two")], widget=forms.CheckboxSelectMultiple, required=False
    )
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    search = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "disabled": True, "readonly": False}),
    )
    safe_label = forms.CharField(required=False, label=mark_safe("<abbr>Safe</abbr>"))
    upload = forms.FileField(required=False)


BOUND = {
    "name": 'x" onfocus="alert(1)',
    "optional": "",
    "email": "not an email",
    "number": "0",
    "when": "2026-12-06",
    "moment": "bad",
    "secret": "<s>",
    "hidden": "h&h",
    "agree": "on",
    "kind": "a",
    "grouped": "pear",
    "many": ["y"],
    "boxes": ["1", "2"],
    "text": "line one\n<script>alert(1)</script>",
    "search": "café",
}


def _forms(renderer):
    yield EveryKind(renderer=renderer)
    yield EveryKind(renderer=renderer, initial={"kind": "b", "number": 5, "text": "start"})
    bound = EveryKind(BOUND, renderer=renderer)
    bound.is_valid()
    yield bound
    yield EveryKind(BOUND, renderer=renderer, auto_id=False)
    yield EveryKind(BOUND, renderer=renderer, prefix="p", label_suffix=":")


def _every_rendering(renderer) -> list[str]:
    out = []
    for form in _forms(renderer):
        out.append(str(form))
        for field in form:
            out += [field.as_field_group(), str(field), field.label_tag(), str(field.errors)]
        out.append(str(form.non_field_errors()))
    return out


def test_every_kind_of_field_is_written_exactly_as_the_templates_write_it():
    fast = _every_rendering(FastWidgetRenderer())
    slow = _every_rendering(DjangoTemplates())
    assert len(fast) == len(slow)
    for mine, theirs in zip(fast, slow, strict=True):
        assert mine == theirs
    # It is not vacuous: values a person typed are there, escaped.
    assert any("x&quot; onfocus=&quot;alert(1)" in part for part in fast)
    assert any("&lt;script&gt;" in part for part in fast)


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_each_template_written_in_python_is_still_djangos_own(name):
    """An app that ships its own copy of one of these templates would be ignored by the
    Python writers: none does."""
    template = DjangoTemplates().get_template(name)
    assert "/django/forms/templates/django/forms/" in template.origin.name


def test_the_app_renders_its_forms_through_it(settings):
    from django.forms.renderers import get_default_renderer

    assert settings.FORM_RENDERER == "coalition.form_rendering.FastWidgetRenderer"
    get_default_renderer.cache_clear()
    assert isinstance(get_default_renderer(), FastWidgetRenderer)


def _both(form_class, data):
    fast = form_class(data, renderer=FastWidgetRenderer())
    django = form_class(data, renderer=DjangoTemplates())
    return str(fast), str(django)


@pytest.mark.django_db
def test_the_action_form_is_written_as_django_writes_it(group):
    from actions.forms_posting import ActionEditForm
    from tests.factories import make_action, make_place

    action = make_action(group, days_ahead=-1, description="<script>")
    places = [action.place, make_place("Harbour & Sons")]
    for data in (None, {"title": "", "place_name": "nowhere", "capacity": "-1"}):
        fast = ActionEditForm(data, action=action, places=places, tactics=[])
        django = ActionEditForm(data, action=action, places=places, tactics=[])
        django.renderer = DjangoTemplates()
        assert str(fast) == str(django)


@pytest.mark.django_db
def test_a_place_field_is_written_as_django_writes_it():
    from coalition.models import Place
    from coalition.place_pick import PlaceModelChoiceField
    from tests.factories import make_place

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

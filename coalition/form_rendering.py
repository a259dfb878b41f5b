"""Django's form templates rendered in Python, to the byte (issue #13: ~1 ms a field).

Django renders every field through a chain of small templates (field,
label, errors, widget, attrs and one include per select option); at scale
that was half of the action form's time. :class:`FormRenderer` writes the
same HTML for Django's own templates of that chain and hands any other
template (a field's own ``template_name``, a project override of a Django
form template) to the template engine as before. ``tests/coalition/
test_form_rendering.py`` holds it to Django's output.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import django.forms
from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.functional import cached_property
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData, mark_safe
from django.utils.timezone import template_localtime

_OWN_TEMPLATES = Path(django.forms.__file__).parent / "templates"
SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"


def _text(value) -> str:
    """``{{ value }}``, as the template engine writes it: localised, then escaped unless safe."""
    value = localize(template_localtime(value))
    if not isinstance(value, str):
        # str() first, as the engine does: a bound field's __html__ is its whole field group.
        value = str(value)
    return conditional_escape(value)


def _formatted(value) -> str:
    """``{{ value|stringformat:'s' }}``: the filter keeps a safe value safe."""
    if isinstance(value, SafeData):
        return str(value)
    return escape(str(value))


def _attrs(attrs: dict | None) -> str:
    """``django/forms/widgets/attrs.html`` (and ``django/forms/attrs.html``)."""
    parts = []
    for name, value in (attrs or {}).items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {_text(name)}")
        else:
            parts.append(f' {_text(name)}="{_formatted(value)}"')
    return "".join(parts)


def _input(context: dict) -> str:
    widget = context["widget"]
    value = widget["value"]
    shown = "" if value is None else f' value="{_formatted(value)}"'
    return (
        f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{shown}'
        f"{_attrs(widget['attrs'])}>\n"
    )


def _option(option: dict) -> str:
    return (
        f'<option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
        f"{_text(option['label'])}</option>\n"
    )


class FormRenderer(DjangoTemplates):
    """Django's template renderer, with its own field and widget templates written in Python."""

    def render(self, template_name, context, request=None):
        fast = self._fast.get(template_name)
        if fast is None:
            return super().render(template_name, context, request=request)
        return fast(context).strip()

    @cached_property
    def _fast(self) -> dict[str, Callable[[dict], str]]:
        """Only for templates the engine finds in Django itself (none overridden)."""
        fast = {
            "django/forms/field.html": self._field,
            "django/forms/label.html": self._label,
            "django/forms/errors/list/default.html": self._errors,
            "django/forms/errors/list/ul.html": self._errors,
            "django/forms/widgets/input.html": _input,
            SELECT: self._select,
            "django/forms/widgets/textarea.html": self._textarea,
        }
        # These only include input.html.
        for name in (
            "checkbox", "color", "date", "datetime", "email", "file", "hidden", "number",
            "password", "search", "tel", "text", "time", "url",
        ):  # fmt: skip
            fast[f"django/forms/widgets/{name}.html"] = _input
        # The templates the fast ones stand for, included or not.
        behind = {
            _input: ["django/forms/widgets/input.html", "django/forms/widgets/attrs.html"],
            self._label: ["django/forms/attrs.html"],
            self._errors: ["django/forms/errors/list/ul.html"],
            self._select: [OPTION, "django/forms/widgets/attrs.html"],
            self._textarea: ["django/forms/widgets/attrs.html"],
        }
        return {
            name: function
            for name, function in fast.items()
            if all(self._is_django_own(t) for t in [name, *behind.get(function, [])])
        }

    def _is_django_own(self, template_name: str) -> bool:
        origin = Path(self.get_template(template_name).origin.name)
        return origin.is_relative_to(_OWN_TEMPLATES)

    def _field(self, context: dict) -> str:
        field = context["field"]
        if field.use_fieldset:
            described = field.aria_describedby
            head = "\n  <fieldset"
            if described:
                head += f' aria-describedby="{_text(described)}"'
            head += ">\n  "
            if field.label:
                head += _text(field.legend_tag())
        else:
            head = "\n  "
            if field.label:
                head += _text(field.label_tag())
        help_text = ""
        if field.help_text:
            help_text = '<div class="helptext"'
            if field.auto_id:
                help_text += f' id="{_text(field.auto_id)}_helptext"'
            # As Django's template: help texts are the code's own, written as HTML.
            help_text += f">{mark_safe(field.help_text)}</div>"  # noqa: S308  # nosec B308, B703
        tail = "</fieldset>" if field.use_fieldset else ""
        return f"{head}\n\n{help_text}\n{_text(field.errors)}\n{_text(field)}{tail}\n"

    def _label(self, context: dict) -> str:
        if not context["use_tag"]:
            return _text(context["label"]) + "\n"
        tag = _text(context["tag"])
        return f"<{tag}{_attrs(context['attrs'])}>{_text(context['label'])}</{tag}>\n"

    def _errors(self, context: dict) -> str:
        errors = context["errors"]
        if not errors:
            return ""
        field_id = errors.field_id
        id_attr = f' id="{_text(field_id)}_error"' if field_id else ""
        items = "".join(f"<li>{_text(error)}</li>" for error in errors)
        return f'<ul class="{_text(context["error_class"])}"{id_attr}>{items}</ul>'

    def _select(self, context: dict) -> str | None:
        widget = context["widget"]
        parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{_text(group_name)}">')
            for option in group_choices:
                if option["template_name"] != OPTION:
                    return super().render(SELECT, context)
                parts.append("\n  " + _option(option))
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>\n")
        return "".join(parts)

    def _textarea(self, context: dict) -> str:
        widget = context["widget"]
        value = _text(widget["value"]) if widget["value"] else ""
        tag = f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>'
        return f"{tag}\n{value}</textarea>\n"

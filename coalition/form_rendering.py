"""Django's form renderer, with its commonest templates written in Python.

Every filter bar and form renders each field through four or five small
templates (the field group, the label, the errors, the widget and its
attributes) and a select through one more per option: on a list page the
filter form took a quarter of the request. ``FastWidgetRenderer`` writes
those built-in templates in Python, with the same markup character for
character (``tests/coalition/test_form_rendering.py`` compares both ways for
every kind of field), and leaves every other template, and any form that
names its own, to the template engine as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString

INPUT_TYPES = (
    "checkbox", "color", "date", "datetime", "email", "file", "hidden", "number", "password",
    "search", "tel", "text", "time", "url",
)  # fmt: skip


def _attrs(attrs: Mapping | None) -> str:
    """`` name="value"`` for each attribute; ``True`` writes the name alone, ``False`` nothing."""
    if not attrs:
        return ""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            parts.append(f' {conditional_escape(name)}="{conditional_escape(str(value))}"')
    return "".join(parts)


def _input(context) -> str:
    widget = context["widget"]
    value = widget["value"]
    shown = "" if value is None else f' value="{conditional_escape(str(value))}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"{shown}{_attrs(widget["attrs"])}>'
    )


def _option(option: Mapping) -> str:
    return (
        f'<option value="{conditional_escape(str(option["value"]))}"{_attrs(option["attrs"])}>'
        f"{conditional_escape(option['label'])}</option>"
    )


def _select(context) -> str | None:
    widget = context["widget"]
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            if option["template_name"] != "django/forms/widgets/select_option.html":
                return None  # a widget of its own: the template engine writes it
            parts.append("\n  " + _option(option) + "\n")  # the option's file ends in a newline
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _textarea(context) -> str:
    widget = context["widget"]
    value = conditional_escape(widget["value"]) if widget["value"] else ""
    return (
        f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n'
        f"{value}</textarea>"
    )


def _label(context) -> str:
    label = conditional_escape(context["label"])
    if not context["use_tag"]:
        return label
    tag = conditional_escape(context["tag"])
    return f"<{tag}{_attrs(context['attrs'])}>{label}</{tag}>"


def _errors(context) -> str:
    errors = context["errors"]
    if not errors:
        return ""
    field_id = getattr(errors, "field_id", None)
    where = f' id="{conditional_escape(field_id)}_error"' if field_id else ""
    items = "".join(f"<li>{conditional_escape(error)}</li>" for error in errors)
    return f'<ul class="{conditional_escape(context["error_class"])}"{where}>{items}</ul>'


def _field(context) -> str:
    field = context["field"]
    fieldset = field.use_fieldset
    parts = []
    if fieldset:
        described = field.aria_describedby
        where = f' aria-describedby="{conditional_escape(described)}"' if described else ""
        parts.append(f"\n  <fieldset{where}>\n  ")
        if field.label:
            parts.append(conditional_escape(field.legend_tag()))
        parts.append("\n")
    else:
        parts.append("\n  ")
        if field.label:
            parts.append(conditional_escape(field.label_tag()))
        parts.append("\n")
    parts.append("\n")
    if field.help_text:
        where = f' id="{conditional_escape(field.auto_id)}_helptext"' if field.auto_id else ""
        parts.append(f'<div class="helptext"{where}>{field.help_text}</div>')
    parts.append(f"\n{conditional_escape(field.errors)}\n{conditional_escape(field)}")
    if fieldset:
        parts.append("</fieldset>")
    return "".join(parts)


WRITERS: dict[str, Callable[[dict], str | None]] = {
    **{f"django/forms/widgets/{kind}.html": _input for kind in INPUT_TYPES},
    "django/forms/widgets/input.html": _input,
    "django/forms/widgets/select.html": _select,
    "django/forms/widgets/textarea.html": _textarea,
    "django/forms/label.html": _label,
    "django/forms/errors/list/default.html": _errors,
    "django/forms/errors/list/ul.html": _errors,
    "django/forms/field.html": _field,
}


class FastWidgetRenderer(DjangoTemplates):
    """``DjangoTemplates`` with the templates in ``WRITERS`` written in Python."""

    def render(self, template_name, context, request=None):
        write = WRITERS.get(template_name)
        if write is not None:
            written = write(context)
            if written is not None:
                # Every value in ``written`` went through conditional_escape above.
                return SafeString(written.strip())  # nosec B703, B308
        return super().render(template_name, context, request)

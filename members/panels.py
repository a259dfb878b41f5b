"""Sections that higher apps add to a group's page, without members importing them.

An app registers ``fn(request, group) -> str`` (rendered HTML, already
filtered to what ``request.user`` may see) from its ``AppConfig.ready()``;
the group page shows the panels in registration order. Each panel must use a
fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.safestring import SafeString

GroupPanel = Callable[[object, object], str]

_panels: list[GroupPanel] = []


def group_panel_register(panel: GroupPanel) -> GroupPanel:
    if panel not in _panels:
        _panels.append(panel)
    return panel


def group_panels(request, group) -> list[SafeString]:
    # Each panel returns a template's rendered, autoescaped output.
    return [SafeString(panel(request, group)) for panel in _panels]  # nosec B703

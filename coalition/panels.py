"""Sections higher apps add to the home page, without the frame importing them.

An app registers ``fn(request) -> str`` (rendered HTML, filtered to what the
viewer may see, in a fixed number of queries) from its ``AppConfig.ready()``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.safestring import SafeString

HomePanel = Callable[[object], str]

_panels: list[HomePanel] = []


def home_panel_register(panel: HomePanel) -> HomePanel:
    if panel not in _panels:
        _panels.append(panel)
    return panel


def home_panels(request) -> list[SafeString]:
    # Each panel returns a template's rendered, autoescaped output.
    return [SafeString(panel(request)) for panel in _panels]  # nosec B703

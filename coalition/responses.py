"""How a page answers a posted form: 400 when it was refused, so no refusal reads as success."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest


def form_status(request: HttpRequest, *page_forms: forms.BaseForm | None) -> int:
    """400 when the request is a POST and any of the page's bound forms has errors, else 200.

    Pass every form the page shows (``None`` is skipped). A form bound to GET
    parameters (a filter) does not count: GETs keep 200. Errors added by the
    view after validation (a RuleBroken turned into ``form.add_error``) count.
    """
    if request.method != "POST":
        return 200
    for form in page_forms:
        if form is not None and form.is_bound and form.errors:
            return 400
    return 200

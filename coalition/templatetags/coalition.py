"""Template helpers that ask the permissions module, so templates never guess."""

from django import template

from coalition import permissions

register = template.Library()


@register.filter
def can(user, permission: str) -> bool:
    """``{% if user|can:"weave" %}`` – the same predicate the view checks."""
    return permissions.check(user, permission)


@register.filter
def webcal(path: str) -> str:
    """``/actions/calendar.ics`` → ``webcal://host/actions/calendar.ics``: calendar apps
    subscribe to a webcal: address (and keep it up to date) instead of importing once."""
    from django.conf import settings

    site = settings.SITE_URL.split("://", 1)[-1]
    return f"webcal://{site}{path}"

"""Template helpers that ask the permissions module, so templates never guess."""

from django import template

from coalition import permissions

register = template.Library()


@register.filter
def can(user, permission: str) -> bool:
    """``{% if user|can:"weave" %}`` – the same predicate the view checks."""
    return permissions.check(user, permission)

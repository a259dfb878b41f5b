"""What other parts of the actions app add to the action page, without the page importing them.

A part registers ``fn(request, action) -> dict`` (usually from its
``hooks_<area>.register()``); the action page (``actions.views.detail``)
calls every registered function, in registration order, and merges the
dicts into the template context, where the part's include reads them::

    from actions.detail_context import detail_context_register

    @detail_context_register
    def amplify_context(request, action):
        return {"amplify": ...}

Rules for a contributor:

- ``action`` is already known to be visible to ``request.user`` and comes
  with ``host_group``, ``place`` and ``tactic`` loaded; check any further
  permission yourself (``coalition.permissions``).
- Use a FIXED number of queries whatever the data (amplifications, pledges,
  RSVPs, flags): the page's query count is tested at 3 and 40
  amplifications and must stay the same.
- Name your keys after your area (``amplify``, ``support``, ``rsvp``,
  ``moderation``…): a key that another contributor or the page itself
  already uses raises ``ImproperlyConfigured``, so clashes show in tests
  rather than as a silently wrong page.
- Never put a person's email or phone in the context of a page others see.

Registering the same function twice keeps one copy, so ``register()`` may run
more than once (tests) without doubling work.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

DetailContext = Callable[[object, object], dict]

_contributors: list[DetailContext] = []


def detail_context_register(fn: DetailContext) -> DetailContext:
    """Add a contributor to the action page's context (usable as a decorator); idempotent."""
    if fn not in _contributors:
        _contributors.append(fn)
    return fn


def detail_context(request, action, *, reserved: set[str] | frozenset[str] = frozenset()) -> dict:
    """Every contributor's dict merged; ``reserved`` are the keys the page itself uses."""
    merged: dict = {}
    for fn in _contributors:
        extra = fn(request, action) or {}
        clash = (merged.keys() | reserved) & extra.keys()
        if clash:
            raise ImproperlyConfigured(
                f"{fn.__module__}.{fn.__qualname__} adds context keys already used on the "
                f"action page: {', '.join(sorted(clash))}."
            )
        merged.update(extra)
    return merged

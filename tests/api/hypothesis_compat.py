"""Give hypothesis-jsonschema 0.23 the ``many.more()`` that Hypothesis 6.170 dropped.

hypothesis-jsonschema (used by Schemathesis to build objects: JSON bodies,
headers, cookies) drives Hypothesis's private ``many`` helper with
``while elements.more():``; Hypothesis now offers only ``with many(...) as
elements: for _ in elements:``. This adapter runs the new protocol behind the
old call. Remove it once the lock file holds a hypothesis-jsonschema that
uses the new protocol.
"""

from __future__ import annotations

from hypothesis.internal.conjecture import utils


def _more(self) -> bool:
    iterator = getattr(self, "_compat_iterator", None)
    if iterator is None:
        self.__enter__()
        iterator = self._compat_iterator = iter(self)
    try:
        next(iterator)
    except StopIteration:
        self.__exit__(None)
        return False
    return True


if not hasattr(utils.many, "more"):
    utils.many.more = _more

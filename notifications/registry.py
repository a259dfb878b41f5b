"""The kinds of news, registered by the apps that send them.

Each app registers its kinds once (in its ``notifications`` module or its
AppConfig.ready): a name, a label people read on their settings page, the
default delivery, and the template that writes it. The template's first line
is the title, the rest the text; it is rendered in the recipient's language
with ``recipient`` and whatever context the sender passes.
"""

from __future__ import annotations

from dataclasses import dataclass

from notifications.models import Delivery


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    default: str
    template: str
    # Shown only to people who may receive it (a predicate on the person), or to all.
    for_person: object = None

    def concerns(self, person) -> bool:
        return self.for_person is None or bool(self.for_person(person))


KINDS: dict[str, Kind] = {}


def register(
    name: str, *, label, template: str, default: str = Delivery.WEEKLY, for_person=None
) -> Kind:
    if default not in Delivery.values:
        raise ValueError(f"{default!r} is not a delivery.")
    kind = Kind(name=name, label=label, default=default, template=template, for_person=for_person)
    KINDS[name] = kind
    return kind


def kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise LookupError(f"No notification kind named {name!r}; register it first.") from None

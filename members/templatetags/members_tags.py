"""Template helpers for the members app that keep people's names to those who may see them."""

from __future__ import annotations

from django import template

from coalition.permissions import can_weave

register = template.Library()


@register.simple_tag(takes_context=True)
def meeting_person(context, meeting, side: str) -> str:
    """``{% meeting_person meeting "a" %}``: one side of a meeting, as the viewer may know them.

    A member logs a meeting by typing the other person's address; showing the
    account's name back would turn the form into a lookup of who is behind any
    address. So the name shows only to weavers, to that person, and when that
    person logged the meeting themselves; everyone else sees the address.
    """
    if side not in {"a", "b"}:
        raise template.TemplateSyntaxError('meeting_person takes "a" or "b".')
    person = getattr(meeting, f"person_{side}")
    request = context.get("request")
    viewer = getattr(request, "user", None)
    if (
        can_weave(viewer)
        or person.pk == getattr(viewer, "pk", None)
        or person.pk == meeting.logged_by_id
    ):
        return str(person)
    return person.email

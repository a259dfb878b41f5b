"""Writes of the network's frame: places, statement versions, roles."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Max, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition import audit, signals
from coalition.errors import RuleBroken
from coalition.models import AuditVerb, NetworkRole, Place, PlaceKind, Principle, StatementVersion
from coalition.permissions import forget_roles


@transaction.atomic
def place_create(
    *,
    name: str,
    kind: int,
    parent: Place | None = None,
    latitude=None,
    longitude=None,
) -> Place:
    """Create a place inside ``parent``; a place must be smaller than the one it sits in."""
    name = name.strip()
    if not name:
        raise RuleBroken(_("A place needs a name."), field="name")
    if parent is not None and kind >= parent.kind:
        raise RuleBroken(
            _("A %(kind)s cannot sit inside a %(parent)s.")
            % {"kind": PlaceKind(kind).label, "parent": PlaceKind(parent.kind).label},
            field="parent",
        )
    if Place.objects.filter(parent=parent, name__iexact=name).exists():
        raise RuleBroken(_("There is already a place called %(name)s there.") % {"name": name})
    place = Place.objects.create(
        name=name, kind=kind, parent=parent, latitude=latitude, longitude=longitude
    )
    place.path = (parent.path if parent else "") + Place.segment(place.pk)
    place.depth = parent.depth + 1 if parent else 0
    place.save(update_fields=["path", "depth"])
    return place


@transaction.atomic
def place_move(*, place: Place, parent: Place | None) -> Place:
    """Move a place (and everything under it) inside another one, in one UPDATE."""
    if parent is not None and parent.path.startswith(place.path):
        raise RuleBroken(_("A place cannot move inside itself."), field="parent")
    if parent is not None and place.kind >= parent.kind:
        raise RuleBroken(_("A place must be smaller than the one it sits in."), field="parent")
    old_path = place.path
    new_path = (parent.path if parent else "") + Place.segment(place.pk)
    depth_change = (parent.depth + 1 if parent else 0) - place.depth
    Place.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_change,
    )
    Place.objects.filter(pk=place.pk).update(parent=parent)
    place.refresh_from_db()
    return place


@transaction.atomic
def statement_draft_create(
    *, title: str, text: str, principles: list[tuple[str, str]], by=None
) -> StatementVersion:
    """A new draft version numbered after the highest so far."""
    if not title.strip() or not text.strip():
        raise RuleBroken(_("A statement needs a title and a text."))
    if not principles:
        raise RuleBroken(_("A statement needs at least one principle."), field="principles")
    number = (StatementVersion.objects.aggregate(top=Max("number"))["top"] or 0) + 1
    version = StatementVersion.objects.create(number=number, title=title.strip(), text=text)
    Principle.objects.bulk_create(
        Principle(version=version, position=index, title=p_title, text=p_text)
        for index, (p_title, p_text) in enumerate(principles)
    )
    return version


@transaction.atomic
def statement_publish(*, version: StatementVersion, by=None) -> StatementVersion:
    """Publish a draft: it becomes the current statement.

    Old signatures stay on record. Once the transaction commits,
    ``statement_published`` lets the members app mark older signatories as
    "to re-sign" and write to them.
    """
    locked = StatementVersion.objects.select_for_update().get(pk=version.pk)
    if locked.published_at is not None:
        raise RuleBroken(_("This version is already published."))
    newer = StatementVersion.objects.filter(
        number__gt=locked.number, published_at__isnull=False
    ).exists()
    if newer:
        raise RuleBroken(_("A newer version is already published."))
    locked.published_at = timezone.now()
    locked.published_by = by
    locked.save(update_fields=["published_at", "published_by"])
    transaction.on_commit(
        lambda: signals.statement_published.send(sender=StatementVersion, version=locked, by=by)
    )
    return locked


@transaction.atomic
def role_grant(*, person, role: str, by=None) -> NetworkRole:
    grant, created = NetworkRole.objects.get_or_create(
        person=person, role=role, defaults={"granted_by": by}
    )
    if created:
        audit.record(by, AuditVerb.ROLE_GRANTED, f"person #{person.pk}: {role}", role=role)
    forget_roles(person)
    return grant


@transaction.atomic
def role_revoke(*, person, role: str, by=None) -> None:
    removed, _kinds = NetworkRole.objects.filter(person=person, role=role).delete()
    if removed:
        audit.record(by, AuditVerb.ROLE_REVOKED, f"person #{person.pk}: {role}", role=role)
    forget_roles(person)

"""Tags: found or created by name (ignoring case), put on people and groups."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from coalition.errors import RuleBroken
from exchange.models import GroupTagging, Tag, Tagging

MAX_TAG_LENGTH = Tag._meta.get_field("name").max_length


def tag_names_clean(names: list[str]) -> list[str]:
    """Trimmed, non-empty, each once (ignoring case); a name too long raises RuleBroken."""
    seen: dict[str, str] = {}
    for raw in names:
        name = " ".join(str(raw).split())
        if not name:
            continue
        if len(name) > MAX_TAG_LENGTH:
            raise RuleBroken(
                _("The tag “%(tag)s…” is too long (at most %(limit)s characters).")
                % {"tag": name[:20], "limit": MAX_TAG_LENGTH},
                field="tags",
            )
        seen.setdefault(name.lower(), name)
    return list(seen.values())


def tags_get_or_create(*, names: list[str], cache: dict[str, Tag] | None = None) -> list[Tag]:
    """The tags with these names, creating the missing ones; ``cache`` saves queries in loops."""
    cache = {} if cache is None else cache
    wanted = [name for name in tag_names_clean(names) if name.lower() not in cache]
    if wanted:
        for tag in Tag.objects.annotate(lower=Lower("name")).filter(
            lower__in=[name.lower() for name in wanted]
        ):
            cache[tag.name.lower()] = tag
        for name in wanted:
            if name.lower() in cache:
                continue
            try:
                # A savepoint: another request may create the same tag meanwhile.
                with transaction.atomic():
                    cache[name.lower()] = Tag.objects.create(name=name)
            except IntegrityError:
                cache[name.lower()] = Tag.objects.get(name__iexact=name)
    return [cache[name.lower()] for name in tag_names_clean(names)]


def person_tags_add(*, person, tags: list[Tag]) -> None:
    Tagging.objects.bulk_create(
        [Tagging(tag=tag, person=person) for tag in tags], ignore_conflicts=True
    )


def group_tags_add(*, group, tags: list[Tag]) -> None:
    GroupTagging.objects.bulk_create(
        [GroupTagging(tag=tag, group=group) for tag in tags], ignore_conflicts=True
    )

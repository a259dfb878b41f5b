"""A page-number paginator that counts only up to a limit, for lists that grow with the network.

Django's Paginator counts every row to say "page 3 of 10,000"; past
``count_limit`` rows this one stops counting (``capped``), so the page says
"more than" and its numbered pages reach that far; filters narrow the rest.
A deep page then costs at most ``count_limit`` skipped rows, never the table.
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Count, Window
from django.utils.functional import cached_property

COUNT_LIMIT = 1000


class BoundedPaginator(Paginator):
    def __init__(self, object_list, per_page, *, count_limit: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.count_limit = COUNT_LIMIT if count_limit is None else count_limit

    @cached_property
    def _bounded(self) -> int:
        # Without the order: a count has no use for it, and it would sort every row.
        rows = self.object_list.order_by().values("pk")[: self.count_limit + 1]
        return rows.count()

    @cached_property
    def count(self) -> int:
        return min(self._bounded, self.count_limit)

    @property
    def capped(self) -> bool:
        """More rows match than were counted."""
        return self._bounded > self.count_limit


def page_counted_with_rows(queryset, per_page: int, number) -> Page:
    """The page ``number`` of ``queryset`` with its total, in one query.

    For lists whose page query reads every matching row anyway (ordered by a
    column no index serves, so PostgreSQL sorts them all): each row carries
    the total as a window count, instead of a second pass that counts the same
    rows. Past the last page, the last page, as ``Paginator.get_page`` does.
    """
    try:
        number = int(number)
    except (TypeError, ValueError):
        number = 1
    if number < 1:  # out of range, as a page past the last
        return Paginator(queryset, per_page).get_page(number)
    start = (number - 1) * per_page
    rows = list(queryset.annotate(counted_total=Window(Count("pk")))[start : start + per_page])
    if not rows and number > 1:
        return Paginator(queryset, per_page).get_page(number)
    paginator = Paginator(queryset, per_page)
    paginator.count = rows[0].counted_total if rows else 0
    return paginator._get_page(rows, number, paginator)


def page_of_ids(
    queryset, per_page: int, number, rows_for, *, count_limit: int | None = None
) -> Page:
    """The page ``number`` of ``queryset`` counted up to ``count_limit``, in two queries.

    For lists whose filter is the costly part (a count and a page would run it
    twice): one query reads the ordered ids of the first ``count_limit + 1``
    rows, which gives both the bounded count and the page; ``rows_for(ids)``
    then reads that page's rows by primary key. The page is a
    ``BoundedPaginator`` page, so ``paginator.capped`` says "more than".
    """
    count_limit = COUNT_LIMIT if count_limit is None else count_limit
    ids = list(queryset.values_list("pk", flat=True)[: count_limit + 1])
    paginator = BoundedPaginator(ids[:count_limit], per_page, count_limit=count_limit)
    paginator.__dict__["_bounded"] = len(ids)
    page = paginator.get_page(number)
    wanted = list(page.object_list)
    found = {row.pk: row for row in rows_for(wanted)} if wanted else {}
    page.object_list = [found[pk] for pk in wanted if pk in found]
    return page

"""Pages of a list without counting the whole list.

Django's `Paginator` runs `COUNT(*)` over every row the list could show, on every request: its cost
grows with the table. A list page only needs its rows and whether a next page exists, so
`page_of` fetches one row more than it shows and never counts. Out-of-range and malformed page
numbers behave like Django's `get_page`: a bad number gives the first page; past the end gives an
empty page that still links back.

Admin changelists need a total for their page links: `CappedCountPaginator` counts at most
`MAX_COUNTED` rows, so a large unfiltered list shows that many and filters or search narrow it.
A list whose total is kept up to date elsewhere (a provider's reviews: `ProviderReputation`) passes
it to `KnownCountPaginator` and is never counted.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property


@dataclass(frozen=True)
class Page(Sequence):
    """What `_pagination.html` needs: the rows, the number, and the neighbours (no total)."""

    object_list: list
    number: int
    _has_next: bool

    def __len__(self) -> int:
        return len(self.object_list)

    def __getitem__(self, index):
        return self.object_list[index]

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def page_of(rows: QuerySet | Any, *, per_page: int, number: Any) -> Page:
    """Page `number` (1-based, as given in the URL) of an ordered queryset, without a count.

    `rows` may also be any object whose slices are the rows (a selector that reads its own index).
    """
    try:
        number = max(int(number), 1)
    except (TypeError, ValueError):
        number = 1
    start, stop = (number - 1) * per_page, number * per_page + 1
    rows = rows_by_ids(rows, start, stop) if isinstance(rows, QuerySet) else list(rows[start:stop])
    return Page(object_list=rows[:per_page], number=number, _has_next=len(rows) > per_page)


def rows_by_ids(queryset: QuerySet, start: int, stop: int) -> list:
    """`queryset[start:stop]` in two queries: the ids alone, in order, then those rows with their joins.

    Given a join and `ORDER BY ... LIMIT`, MariaDB may start from the small joined table (users,
    categories) and sort every row of the large one; the id query has no join, so it walks the
    ordering index and stops at the page. Annotations and prefetches run for the page's rows only.
    A row that left the queryset between the two reads (an offer taken meanwhile) is left out.
    """
    ids = list(queryset.values_list("pk", flat=True)[start:stop])
    by_id = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)}
    return [by_id[pk] for pk in ids if pk in by_id]


class CappedCountPaginator(Paginator):
    """A Paginator whose count stops at `MAX_COUNTED` rows (`SELECT COUNT(*) FROM (... LIMIT n)`).

    A page's rows come ids first (`rows_by_ids`), so the changelist's joins never choose the plan
    (servizo.admin.BoundedChangelistMixin uses it).
    """

    MAX_COUNTED = 1000

    @cached_property
    def count(self) -> int:
        return self.object_list[: self.MAX_COUNTED].count()

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(rows_by_ids(self.object_list, bottom, top), number, self)


class KnownCountPaginator(Paginator):
    """A Paginator told its total (a maintained count) instead of running `COUNT(*)` over every row.

    If the count is behind the rows for a moment, the last page shows fewer or more rows than it says; no
    page fails (an out-of-range number gives the last page, as with `get_page`).
    """

    def __init__(self, object_list, per_page, *, count: int, **kwargs) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.known_count = count

    @property
    def count(self) -> int:
        return self.known_count

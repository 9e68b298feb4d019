"""Pages of a long list without counting every row.

Counting all the rows that match a filter costs a scan of the whole registry (about 100,000 patients with
joins) on every page view. :func:`page_of` counts at most ``COUNT_LIMIT`` rows (``SELECT COUNT(*) FROM
(… LIMIT n)``, which stops early), and finds whether there is a next page by reading one row more than it
shows. Up to the limit the count and the number of pages are exact; beyond it the page says "more than
1,000" and still pages forward, one page at a time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.formats import number_format
from django.utils.translation import gettext as _

COUNT_LIMIT = 1000


@dataclass(frozen=True)
class ListPage:
    """One page of rows: ``object_list`` with its ``number`` (from 1), and what is known of the rest."""

    object_list: list[Any]
    number: int
    per_page: int
    has_next: bool
    count: int  # rows matching, exact when not ``capped``; COUNT_LIMIT when capped
    capped: bool  # more than COUNT_LIMIT rows match

    @property
    def num_pages(self) -> int | None:
        """The number of pages, or None when more than ``COUNT_LIMIT`` rows match."""
        return None if self.capped else max(1, math.ceil(self.count / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def start_index(self) -> int:
        """The position of the first row on this page, counted from 1 (0 on an empty page)."""
        return (self.number - 1) * self.per_page + 1 if self.object_list else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.object_list)

    @property
    def count_label(self) -> str:
        """``"1,234"`` or ``"more than 1,000"``, in the active language's number format."""
        if self.capped:
            return _("more than %(count)s") % {"count": _grouped(COUNT_LIMIT)}
        return _grouped(self.count)


def _grouped(number: int) -> str:
    return number_format(number, force_grouping=True)


def page_number(value: str | None) -> int:
    """The page asked for: a whole number from 1; anything else is page 1."""
    try:
        number = int(value or 1)
    except ValueError:
        return 1
    return max(1, number)


def page_of(rows: QuerySet, number: int, per_page: int) -> ListPage:
    """Page ``number`` of the ordered ``rows``: two queries, however many rows match.

    A page past the last one is the last page when the count is exact, and an empty page beyond the
    ``COUNT_LIMIT`` (whose "previous" link leads back).
    """
    counted = rows.order_by().values("pk")[: COUNT_LIMIT + 1].count()
    capped = counted > COUNT_LIMIT
    if not capped:
        number = min(number, max(1, math.ceil(counted / per_page)))
    start = (number - 1) * per_page
    fetched = list(rows[start : start + per_page + 1])
    return ListPage(
        object_list=fetched[:per_page],
        number=number,
        per_page=per_page,
        has_next=len(fetched) > per_page,
        count=min(counted, COUNT_LIMIT),
        capped=capped,
    )

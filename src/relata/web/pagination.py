"""Pagination shared by the list pages."""

from __future__ import annotations

import json
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property

# Up to this many rows a list shows the exact count; above it, PostgreSQL's estimate.
EXACT_COUNT_LIMIT = 5_000


def paginate(request: HttpRequest, queryset: QuerySet[Any], *, per_page: int = 25) -> Page:
    """The requested page; a missing, malformed or too-high page number gives a valid page."""
    paginator = Paginator(queryset, per_page)
    return paginator.get_page(request.GET.get("page"))


def estimated_rows(queryset: QuerySet[Any]) -> int | None:
    """PostgreSQL's planner estimate of the rows `queryset` returns (None elsewhere).

    Costs one EXPLAIN, about a millisecond, however many rows match; the estimate of a
    trigram search comes from the column statistics and is usually within a factor of two.
    """
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        row = cursor.fetchone()
    if row is None:  # pragma: no cover - EXPLAIN always answers
        return None
    plan = json.loads(row[0]) if isinstance(row[0], str) else row[0]
    return int(plan[0]["Plan"]["Plan Rows"])


def approximate_count(queryset: QuerySet[Any]) -> tuple[int, bool]:
    """(count, is_estimate): exact up to EXACT_COUNT_LIMIT rows, PostgreSQL's estimate above."""
    estimate = estimated_rows(queryset)
    if estimate is not None and estimate > EXACT_COUNT_LIMIT:
        return estimate, True
    return queryset.count(), False


class EstimatedCountPaginator(Paginator):
    """A paginator that counts exactly up to EXACT_COUNT_LIMIT rows and estimates above it.

    Counting a million matching rows takes PostgreSQL hundreds of milliseconds; a planner
    estimate takes one. `count_is_estimate` tells the template to say "about". On SQLite,
    or when the estimate is small, the count is exact.
    """

    count_is_estimate: bool = False

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if isinstance(queryset, QuerySet):
            count, self.count_is_estimate = approximate_count(queryset)
            return count
        exact: int = super().count
        return exact


def paginate_estimated(
    request: HttpRequest, queryset: QuerySet[Any], *, per_page: int = 25
) -> Page:
    """Like `paginate`, with `EstimatedCountPaginator`: for lists that may hold millions of
    rows (customers, orders, contact moments). `page.paginator.count_is_estimate` is True when
    the total is an estimate."""
    paginator = EstimatedCountPaginator(queryset, per_page)
    return paginator.get_page(request.GET.get("page"))

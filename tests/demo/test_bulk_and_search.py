"""The PostgreSQL bulk path (indexes rebuilt after COPY) and the search/pagination speed-ups
keep results identical."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory

from relata.customers.models import Customer
from relata.customers.selectors import customer_search
from relata.demo import writer
from relata.web import pagination
from relata.web.pagination import EstimatedCountPaginator, estimated_rows, paginate_estimated

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL-specific path"
)


def _schema() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "UNION ALL SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' ORDER BY 1"
        )
        return list(cursor.fetchall())


@postgres_only
def test_bulk_load_rebuilds_every_index_and_foreign_key(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a schema, and every table treated as a bulk table
    before = _schema()
    monkeypatch.setattr(writer, "BULK_ROWS", 1)
    # when
    call_command("demo_data", customers=120, years=2, seed=5, verbosity=0)
    # then the same indexes and foreign keys exist again, and the data is there
    assert _schema() == before
    assert Customer.objects.count() == 120


@postgres_only
def test_estimated_rows_comes_from_the_planner() -> None:
    call_command("demo_data", customers=400, years=2, seed=5, verbosity=0)
    estimate = estimated_rows(Customer.objects.all())
    assert estimate is not None and 200 <= estimate <= 800


def test_estimated_count_paginator_counts_exactly_when_small() -> None:
    # given
    call_command("demo_data", customers=60, years=2, seed=5, verbosity=0)
    # when
    paginator = EstimatedCountPaginator(Customer.objects.order_by("id"), 25)
    # then
    assert paginator.count == 60
    assert paginator.count_is_estimate is False
    assert paginator.num_pages == 3


@postgres_only
def test_estimated_count_paginator_estimates_when_large(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a limit below the number of rows
    call_command("demo_data", customers=300, years=2, seed=5, verbosity=0)
    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", 10)
    # when
    page = paginate_estimated(
        RequestFactory().get("/customers/"), Customer.objects.order_by("id"), per_page=25
    )
    # then the count is the planner's estimate, flagged as such
    assert page.paginator.count_is_estimate is True  # type: ignore[attr-defined]
    assert 150 <= page.paginator.count <= 600
    assert len(page.object_list) == 25


@pytest.mark.parametrize("sort", ["name", "-name", "number", "city", "-created"])
def test_search_order_is_the_same_whichever_plan(
    monkeypatch: pytest.MonkeyPatch, sort: str
) -> None:
    # given
    call_command("demo_data", customers=400, years=2, seed=5, verbosity=0)
    query = Customer.objects.exclude(last_name="").order_by("id").first().last_name  # type: ignore[union-attr]
    # when the search walks the sort index, and when it sorts the matches
    from relata.customers import selectors

    monkeypatch.setattr(selectors, "_sort_matches", lambda *args: False)
    walked = list(customer_search(query=query, sort=sort).values_list("id", flat=True))
    monkeypatch.setattr(selectors, "_sort_matches", lambda *args: True)
    sorted_ = list(customer_search(query=query, sort=sort).values_list("id", flat=True))
    # then the rows and their order are identical
    assert walked and walked == sorted_

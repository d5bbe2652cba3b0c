"""Per-customer aggregates straight from SQL, as NumPy arrays for the analytics core.

The database does the heavy lifting with GROUP BY (one row per customer and order day, and per
customer and channel); nothing here loops over customers in Python. The SQL statements are
fixed strings with bound parameters; only the date arithmetic differs per database vendor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from django.db import connection
from numpy.typing import NDArray

from relata.contacts.models import Channel
from relata.sales.models import OrderStatus

EPOCH = date(1970, 1, 1)

_DAY_EXPR = {
    "postgresql": "(o.order_date - DATE '1970-01-01')",
    "sqlite": "CAST(julianday(o.order_date) - 2440587.5 AS INTEGER)",
}
_CONTACT_DAY_EXPR = {
    "postgresql": "(CAST(c.occurred_at AS DATE) - DATE '1970-01-01')",
    "sqlite": "CAST(julianday(c.occurred_at) - 2440587.5 AS INTEGER)",
}

# Complete statements per vendor, assembled once from constants; values are bound parameters.
_ORDER_DAYS_SQL = {
    vendor: (
        f"SELECT o.customer_id, {day} AS d, "  # noqa: S608 (vendor constant)
        "CAST(SUM(o.total_amount) AS DOUBLE PRECISION), "
        "CAST(SUM(o.total_cost) AS DOUBLE PRECISION), "
        "COUNT(*), SUM(CASE WHEN o.status = %s THEN 1 ELSE 0 END) "
        "FROM sales_order o WHERE o.order_date <= %s AND o.status <> %s "
        "GROUP BY o.customer_id, d ORDER BY o.customer_id, d"
    )
    for vendor, day in _DAY_EXPR.items()
}
_CONTACTS_SQL = {
    vendor: (
        "SELECT c.customer_id, c.channel, "  # noqa: S608 (vendor constant)
        f"SUM(CASE WHEN {day} > %s AND {day} <= %s THEN 1 ELSE 0 END), COUNT(*) "
        f"FROM contacts_contactmoment c WHERE {day} <= %s GROUP BY c.customer_id, c.channel"
    )
    for vendor, day in _CONTACT_DAY_EXPR.items()
}


def day_number(value: date) -> int:
    return (value - EPOCH).days


@dataclass(frozen=True)
class CustomerBase:
    ids: NDArray[np.int64]
    is_organisation: NDArray[np.bool_]
    acquisition_cost: NDArray[np.float64]


@dataclass(frozen=True)
class OrderDays:
    """One row per customer and order day (cancelled orders excluded), up to the period end."""

    customer: NDArray[np.int64]  # index into CustomerBase.ids
    day: NDArray[np.int64]  # days since 1970-01-01
    revenue: NDArray[np.float64]
    cost: NDArray[np.float64]
    orders: NDArray[np.int64]
    returns: NDArray[np.int64]


@dataclass(frozen=True)
class ContactCounts:
    """Contact moments per customer (index) and channel in a day window, and ever."""

    in_window: dict[str, NDArray[np.float64]]
    ever: NDArray[np.bool_]


def _vendor() -> str:
    vendor = connection.vendor
    if vendor not in _DAY_EXPR:
        raise NotImplementedError(f"scoring supports PostgreSQL and SQLite, not {vendor}")
    return vendor


def customer_base(*, period_end: date) -> CustomerBase:
    """Every customer known at the period end, ordered by id."""
    sql = (
        "SELECT id, CASE WHEN kind = 'organisation' THEN 1 ELSE 0 END, "
        "CAST(COALESCE(acquisition_cost, 0) AS DOUBLE PRECISION) FROM customers_customer "
        "WHERE created_at < %s ORDER BY id"
    )
    end_exclusive = np.datetime64(period_end) + np.timedelta64(1, "D")
    rows = _fetch(sql, [str(end_exclusive)])
    if not rows:
        return CustomerBase(np.zeros(0, np.int64), np.zeros(0, np.bool_), np.zeros(0, np.float64))
    table = np.array(rows, dtype=np.float64)
    return CustomerBase(
        ids=table[:, 0].astype(np.int64),
        is_organisation=table[:, 1].astype(bool),
        acquisition_cost=table[:, 2],
    )


def order_days(*, base: CustomerBase, period_end: date) -> OrderDays:
    rows = _fetch(
        _ORDER_DAYS_SQL[_vendor()], [OrderStatus.RETURNED, period_end, OrderStatus.CANCELLED]
    )
    table = np.array(rows, dtype=np.float64).reshape(-1, 6)
    index, known = _positions(base.ids, table[:, 0].astype(np.int64))
    table, index = table[known], index[known]
    return OrderDays(
        customer=index.astype(np.int64),
        day=table[:, 1].astype(np.int64),
        revenue=table[:, 2],
        cost=table[:, 3],
        orders=table[:, 4].astype(np.int64),
        returns=table[:, 5].astype(np.int64),
    )


def contact_counts(*, base: CustomerBase, first_day: int, last_day: int) -> ContactCounts:
    """Contact moments per channel with first_day < day ≤ last_day, and whether any ever."""
    rows = _fetch(_CONTACTS_SQL[_vendor()], [first_day, last_day, last_day])
    n = base.ids.size
    in_window = {channel: np.zeros(n, np.float64) for channel in Channel.values}
    ever = np.zeros(n, bool)
    if not rows or not n:
        return ContactCounts(in_window, ever)
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    channels = np.array([r[1] for r in rows], dtype=object)
    counts = np.array([r[2] for r in rows], dtype=np.float64)
    index, known = _positions(base.ids, ids)
    ever[index[known]] = True
    for channel in in_window:
        mask = known & (channels == channel)
        np.add.at(in_window[channel], index[mask], counts[mask])
    return ContactCounts(in_window, ever)


def _positions(
    base_ids: NDArray[np.int64], ids: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Index of each id in the sorted base ids, and whether it is there at all (a customer
    created after the period end can have orders dated before it, from an import)."""
    if not base_ids.size:
        return np.zeros(ids.size, np.int64), np.zeros(ids.size, bool)
    index = np.searchsorted(base_ids, ids)
    clipped = np.minimum(index, base_ids.size - 1)
    return clipped.astype(np.int64), (index < base_ids.size) & (base_ids[clipped] == ids)


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows

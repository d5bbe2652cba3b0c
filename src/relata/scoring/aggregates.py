"""Per-customer inputs straight from SQL, as NumPy arrays for the analytics core.

Each statement yields plain columns, never a Python object per row. On PostgreSQL the rows
come column by column: ``array_agg`` per column over chunks of customers, sent in the
arrays' binary form (``array_send``) through a binary COPY of a few dozen rows, which NumPy
reads with ``frombuffer``; a row-by-row transfer of millions of rows cost more in the
client than the query did in the server. On SQLite the rows come from one ``fetchall``.
Orders are grouped per customer and day, and contact moments counted per customer and
channel, with NumPy (a sort and ``reduceat``/``bincount``): there are about as many
(customer, day) groups as orders, so a SQL ``GROUP BY`` saved no transfer and cost
PostgreSQL a disk sort of millions of groups (docs/performance.md, "Scoring"). Nothing here
loops over customers in Python. The SQL statements are fixed strings with bound
parameters; only the date arithmetic differs per database vendor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from django.db import connection, transaction
from numpy.typing import NDArray

from relata.contacts.models import Channel
from relata.sales.models import OrderStatus

EPOCH = date(1970, 1, 1)
# Customers per chunk (one array per column and chunk) on PostgreSQL; arrays stay far below
# PostgreSQL's 1 GB limit of a value however many orders a customer has.
CHUNK_CUSTOMERS = 65_536

_DAY_EXPR = {
    "postgresql": "(o.order_date - DATE '1970-01-01')",
    "sqlite": "CAST(julianday(o.order_date) - 2440587.5 AS INTEGER)",
}
_CONTACT_DAY_EXPR = {
    "postgresql": "(CAST(c.occurred_at AS DATE) - DATE '1970-01-01')",
    "sqlite": "CAST(julianday(c.occurred_at) - 2440587.5 AS INTEGER)",
}
# Channel codes are positions in Channel.values; -1 for a channel not (or no longer) known.
_CHANNEL_CODE = (
    "CASE c.channel " + " ".join("WHEN %s THEN " + str(i) for i in range(len(Channel.values)))
) + " ELSE -1 END"


@dataclass(frozen=True)
class Query:
    """A SELECT as columns (name, never-NULL expression, type: "i4", "i8" or "f8") and the
    FROM/WHERE clause; ``chunk`` splits its rows into chunks of customers on PostgreSQL."""

    columns: tuple[tuple[str, str, str], ...]
    source: str
    chunk: str


# Complete statements per vendor, assembled once from constants; values are bound parameters.
# Money of orders is read in whole cents (exact, as integers) and summed exactly.
_CUSTOMERS = Query(
    columns=(
        ("id", "id", "i8"),
        ("organisation", "CASE WHEN kind = 'organisation' THEN 1 ELSE 0 END", "i4"),
        ("acquisition_cost", "CAST(COALESCE(acquisition_cost, 0) AS DOUBLE PRECISION)", "f8"),
    ),
    source="FROM customers_customer WHERE created_at < %s",
    chunk="id",
)
_ORDERS = {
    vendor: Query(
        columns=(
            ("customer", "o.customer_id", "i8"),
            ("day", day, "i4"),
            ("cents", "CAST(ROUND(o.total_amount * 100) AS BIGINT)", "i8"),
            ("cost_cents", "CAST(ROUND(o.total_cost * 100) AS BIGINT)", "i8"),
            ("returned", "CASE WHEN o.status = %s THEN 1 ELSE 0 END", "i4"),
        ),
        source="FROM sales_order o WHERE o.order_date <= %s AND o.status <> %s",
        chunk="o.customer_id",
    )
    for vendor, day in _DAY_EXPR.items()
}
_CONTACTS = {
    vendor: Query(
        columns=(
            ("customer", "c.customer_id", "i8"),
            ("channel", _CHANNEL_CODE, "i4"),
            ("day", day, "i4"),
        ),
        source=f"FROM contacts_contactmoment c WHERE {day} <= %s",
        chunk="c.customer_id",
    )
    for vendor, day in _CONTACT_DAY_EXPR.items()
}
# Referrals (DOMAIN.md §8, §9: an ambassador is a promoter, referrer or reviewer; advocacy
# value counts the CLV of the customers a referrer brought): every referral not rejected,
# made by the period end, as (referrer, referred). One row per referral, few against
# orders. Read by table name like the contact moments above, so scoring does not import the
# engagement app (which builds on scoring); the same holds for the feedback tables below.
_REFERRALS = Query(
    columns=(("referrer", "r.referrer_id", "i8"), ("referred", "r.referred_id", "i8")),
    source="FROM engagement_referral r WHERE r.referred_on <= %s AND r.status <> %s",
    chunk="r.referrer_id",
)
REFERRAL_REJECTED = "rejected"  # engagement.models.ReferralStatus.REJECTED
# Voice of the customer (the feedback app), per customer and up to the period end: the
# followers of the social profiles known by then (the latest count: no history is kept),
# and the reviews and comments written by then. Grouped in SQL: a customer has a handful
# of each at most, so the GROUP BY is a small hash aggregate that saves transfer.
_PROFILE_DAY_EXPR = {
    "postgresql": "(CAST(created_at AS DATE) - DATE '1970-01-01')",
    "sqlite": "CAST(julianday(created_at) - 2440587.5 AS INTEGER)",
}
_FOLLOWERS = {
    vendor: Query(
        columns=(("customer", "p.customer_id", "i8"), ("followers", "p.followers", "i8")),
        source=(
            "FROM (SELECT customer_id, CAST(SUM(followers) AS BIGINT) AS followers "  # noqa: S608
            f"FROM feedback_socialprofile WHERE {day} <= %s GROUP BY customer_id) p"
        ),
        chunk="p.customer_id",
    )
    for vendor, day in _PROFILE_DAY_EXPR.items()
}
_REVIEWS = Query(
    columns=(
        ("customer", "v.customer_id", "i8"),
        ("written", "v.written", "i8"),
        ("rated", "v.rated", "i8"),
        ("rating_sum", "v.rating_sum", "i8"),
        ("helpful", "v.helpful", "i8"),
        ("positive", "v.positive", "i8"),
    ),
    source=(
        "FROM (SELECT customer_id, CAST(COUNT(*) AS BIGINT) AS written, "
        "CAST(COUNT(rating) AS BIGINT) AS rated, "
        "CAST(COALESCE(SUM(rating), 0) AS BIGINT) AS rating_sum, "
        "CAST(COALESCE(SUM(helpful_votes), 0) AS BIGINT) AS helpful, "
        "CAST(SUM(CASE WHEN rating >= %s THEN 1 ELSE 0 END) AS BIGINT) AS positive "
        "FROM feedback_review WHERE written_on <= %s GROUP BY customer_id) v"
    ),
    chunk="v.customer_id",
)
POSITIVE_RATING = 4  # a review rated 4–5 recommends the business (DOMAIN.md §9: reviewer)
# NPS answers: the latest per customer is picked with NumPy (a sort), so ties on the
# answer time go to the higher id, on both databases alike.
_ANSWER_DAY_EXPR = {
    "postgresql": "(CAST(s.answered_at AS DATE) - DATE '1970-01-01')",
    "sqlite": "CAST(julianday(s.answered_at) - 2440587.5 AS INTEGER)",
}
_ANSWER_SECONDS_EXPR = {
    "postgresql": "CAST(EXTRACT(EPOCH FROM s.answered_at) AS DOUBLE PRECISION)",
    "sqlite": "CAST((julianday(s.answered_at) - 2440587.5) * 86400.0 AS REAL)",
}
_NPS = {
    vendor: Query(
        columns=(
            ("customer", "s.customer_id", "i8"),
            ("seconds", _ANSWER_SECONDS_EXPR[vendor], "f8"),
            ("id", "s.id", "i8"),
            ("nps", "CAST(s.nps AS INTEGER)", "i4"),
        ),
        source=f"FROM feedback_surveyresponse s WHERE s.nps IS NOT NULL AND {day} <= %s",
        chunk="s.customer_id",
    )
    for vendor, day in _ANSWER_DAY_EXPR.items()
}
_CUSTOMER_IDS = Query(
    columns=(("id", "id", "i8"),), source="FROM customers_customer WHERE id >= %s", chunk="id"
)
# PostgreSQL type oids of the array elements, to check what array_send sent.
_ELEMENT_OID = {"i4": 23, "i8": 20, "f8": 701}


def day_number(value: date) -> int:
    return (value - EPOCH).days


@dataclass(frozen=True)
class CustomerBase:
    ids: NDArray[np.int64]
    is_organisation: NDArray[np.bool_]
    acquisition_cost: NDArray[np.float64]


@dataclass(frozen=True)
class OrderDays:
    """One row per customer and order day (cancelled orders excluded), up to the period end,
    sorted by customer and day."""

    customer: NDArray[np.int64]  # index into CustomerBase.ids
    day: NDArray[np.int64]  # days since 1970-01-01
    revenue: NDArray[np.float64]
    cost: NDArray[np.float64]
    orders: NDArray[np.int64]
    returns: NDArray[np.int64]


@dataclass(frozen=True)
class ContactCounts:
    """Contact moments per customer (index) and channel in a day window
    (first_day < day ≤ last_day), whether any up to the window's end (``ever``), and whether
    any up to its start (``before``)."""

    in_window: dict[str, NDArray[np.float64]]
    ever: NDArray[np.bool_]
    before: NDArray[np.bool_]


def _vendor() -> str:
    vendor = connection.vendor
    if vendor not in _DAY_EXPR:
        raise NotImplementedError(f"scoring supports PostgreSQL and SQLite, not {vendor}")
    return vendor


def customer_base(*, period_end: date) -> CustomerBase:
    """Every customer known at the period end, ordered by id."""
    end_exclusive = np.datetime64(period_end) + np.timedelta64(1, "D")
    _vendor()
    table = read_columns(_CUSTOMERS, [str(end_exclusive)])
    order = np.argsort(table["id"], kind="stable")
    return CustomerBase(
        ids=table["id"][order].astype(np.int64),
        is_organisation=table["organisation"][order] != 0,
        acquisition_cost=table["acquisition_cost"][order].astype(np.float64),
    )


def existing_customers(ids: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Whether each of the (sorted) customer ids still exists."""
    if not ids.size:
        return np.zeros(0, bool)
    current = read_columns(_CUSTOMER_IDS, [int(ids[0])])["id"]
    return np.isin(ids, current, assume_unique=True)


def order_days(*, base: CustomerBase, period_end: date) -> OrderDays:
    table = read_columns(
        _ORDERS[_vendor()], [OrderStatus.RETURNED, period_end, OrderStatus.CANCELLED]
    )
    index, known = _positions(base.ids, table["customer"])
    return per_customer_day(
        customer=index[known],
        day=table["day"][known].astype(np.int64),
        cents=table["cents"][known],
        cost_cents=table["cost_cents"][known],
        returned=table["returned"][known],
    )


def per_customer_day(
    *,
    customer: NDArray[np.int64],
    day: NDArray[np.int64],
    cents: NDArray[np.int64],
    cost_cents: NDArray[np.int64],
    returned: NDArray[Any],
) -> OrderDays:
    """Group orders (in any order) per customer and day: revenue and cost summed exactly in
    cents, orders and returned orders counted; sorted by customer, then day."""
    if not customer.size:
        empty_i, empty_f = np.zeros(0, np.int64), np.zeros(0, np.float64)
        return OrderDays(empty_i, empty_i, empty_f, empty_f, empty_i, empty_i)
    low = int(day.min())
    span = int(day.max()) - low + 1
    key = customer.astype(np.int64) * span + (day - low)
    order = np.argsort(key, kind="stable")
    key = key[order]
    starts = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
    group_key = key[starts]
    return OrderDays(
        customer=group_key // span,
        day=group_key % span + low,
        revenue=np.add.reduceat(cents[order], starts) / 100.0,
        cost=np.add.reduceat(cost_cents[order], starts) / 100.0,
        orders=np.diff(np.append(starts, key.size)).astype(np.int64),
        returns=np.add.reduceat(returned[order].astype(np.int64), starts),
    )


def contact_counts(*, base: CustomerBase, first_day: int, last_day: int) -> ContactCounts:
    """Contact moments per channel with first_day < day ≤ last_day, whether any up to
    last_day, and whether any up to first_day."""
    table = read_columns(_CONTACTS[_vendor()], [*Channel.values, last_day])
    n = base.ids.size
    index, known = _positions(base.ids, table["customer"])
    index = index[known]
    day, channel = table["day"][known], table["channel"][known]
    ever = np.zeros(n, bool)
    ever[index] = True
    before = np.zeros(n, bool)
    before[index[day <= first_day]] = True
    window = day > first_day
    in_window = {
        name: np.bincount(index[window & (channel == code)], minlength=n).astype(np.float64)
        for code, name in enumerate(Channel.values)
    }
    return ContactCounts(in_window, ever, before)


@dataclass(frozen=True)
class Referrals:
    """Referrals not rejected, made by the period end, one element per referral: the
    referrer's index into CustomerBase.ids, and the referred customer's (-1 when that
    customer is not in the base, e.g. created after the period end)."""

    referrer: NDArray[np.int64]
    referred: NDArray[np.int64]


@dataclass(frozen=True)
class Voice:
    """What customers said and showed about the business by the period end, per customer
    (index into CustomerBase.ids): followers over all platforms; reviews and comments
    written, how many of them rated, their rating sum, helpful votes, and reviews rated
    4–5; the latest NPS answer (NaN: never answered)."""

    followers: NDArray[np.float64]
    reviews: NDArray[np.float64]
    rated_reviews: NDArray[np.float64]
    rating_sum: NDArray[np.float64]
    helpful_votes: NDArray[np.float64]
    positive_reviews: NDArray[np.float64]
    nps_latest: NDArray[np.float64]
    referrals: Referrals

    @property
    def mean_rating(self) -> NDArray[np.float64]:
        """Mean rating of the rated reviews; NaN without one."""
        mean: NDArray[np.float64] = np.divide(
            self.rating_sum,
            self.rated_reviews,
            out=np.full(self.reviews.size, np.nan),
            where=self.rated_reviews > 0,
        )
        return mean

    @classmethod
    def empty(cls, n: int) -> Voice:
        zeros = np.zeros(n)
        none = np.zeros(0, np.int64)
        return cls(
            zeros, zeros, zeros, zeros, zeros, zeros, np.full(n, np.nan), Referrals(none, none)
        )


def referrals(*, base: CustomerBase, period_end: date) -> Referrals:
    """Referrals not rejected, made by the period end (referrers outside the base are left
    out)."""
    table = read_columns(_REFERRALS, [period_end, REFERRAL_REJECTED])
    referrer, known = _positions(base.ids, table["referrer"])
    referred, referred_known = _positions(base.ids, table["referred"][known])
    return Referrals(
        referrer=referrer[known], referred=np.where(referred_known, referred, -1).astype(np.int64)
    )


def referrers(*, base: CustomerBase, period_end: date) -> NDArray[np.bool_]:
    """Whether each customer had referred someone (referral not rejected) by the period
    end."""
    flags = np.zeros(base.ids.size, bool)
    flags[referrals(base=base, period_end=period_end).referrer] = True
    return flags


def voice(*, base: CustomerBase, period_end: date) -> Voice:
    """Followers, reviews, the latest NPS answer and the referrals per customer, up to the
    period end (see ``Voice``)."""
    vendor = _vendor()
    n = base.ids.size
    last_day = day_number(period_end)

    def per_customer(table: dict[str, NDArray[Any]], *names: str) -> list[NDArray[np.float64]]:
        index, known = _positions(base.ids, table["customer"])
        return [
            np.bincount(index[known], weights=table[name][known], minlength=n).astype(np.float64)
            for name in names
        ]

    (followers,) = per_customer(read_columns(_FOLLOWERS[vendor], [last_day]), "followers")
    reviews, rated, rating_sum, helpful, positive = per_customer(
        read_columns(_REVIEWS, [POSITIVE_RATING, period_end]),
        "written",
        "rated",
        "rating_sum",
        "helpful",
        "positive",
    )
    return Voice(
        followers=followers,
        reviews=reviews,
        rated_reviews=rated,
        rating_sum=rating_sum,
        helpful_votes=helpful,
        positive_reviews=positive,
        nps_latest=_latest_nps(base, read_columns(_NPS[vendor], [last_day])),
        referrals=referrals(base=base, period_end=period_end),
    )


def _latest_nps(base: CustomerBase, table: dict[str, NDArray[Any]]) -> NDArray[np.float64]:
    """Each customer's latest NPS answer (by answer time, then id); NaN without one."""
    latest = np.full(base.ids.size, np.nan)
    index, known = _positions(base.ids, table["customer"])
    if not known.any():
        return latest
    customer = index[known]
    order = np.lexsort((table["id"][known], table["seconds"][known], customer))
    customer = customer[order]
    last = np.flatnonzero(np.append(customer[1:] != customer[:-1], True))
    latest[customer[last]] = table["nps"][known][order][last]
    return latest


def _positions(
    base_ids: NDArray[np.int64], ids: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Index of each id in the sorted base ids, and whether it is there at all (a customer
    created after the period end can have orders dated before it, from an import)."""
    if not base_ids.size or not ids.size:
        return np.zeros(ids.size, np.int64), np.zeros(ids.size, bool)
    low, high = int(base_ids[0]), int(base_ids[-1])
    if high - low < 4 * base_ids.size:
        # Ids are dense (the usual case): one look-up table, linear instead of a binary
        # search per row.
        table = np.full(high - low + 1, -1, np.int64)
        table[base_ids - low] = np.arange(base_ids.size)
        inside = (ids >= low) & (ids <= high)
        index = np.full(ids.size, -1, np.int64)
        index[inside] = table[ids[inside] - low]
        known = index >= 0
        return np.where(known, index, 0), known
    index = np.searchsorted(base_ids, ids)
    clipped = np.minimum(index, base_ids.size - 1)
    return clipped.astype(np.int64), (index < base_ids.size) & (base_ids[clipped] == ids)


def read_columns(query: Query, params: list[Any]) -> dict[str, NDArray[Any]]:
    """All rows of the query, one array per column, in no particular row order."""
    if connection.vendor == "postgresql":
        return _read_arrays(query, params)
    expressions = ", ".join(expression for _name, expression, _kind in query.columns)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {expressions} {query.source}", params)
        rows = cursor.fetchall()
    table = np.array(rows, dtype=[(name, kind) for name, _expression, kind in query.columns])
    return {name: table[name] for name, _expression, _kind in query.columns}


def _read_arrays(query: Query, params: list[Any]) -> dict[str, NDArray[Any]]:
    """PostgreSQL: one array per column and chunk of customers, in binary."""
    aggregates = ", ".join(
        f"array_send(array_agg({expression}))" for _name, expression, _kind in query.columns
    )
    statement = (
        f"COPY (SELECT {aggregates} {query.source} "
        f"GROUP BY {query.chunk} / {CHUNK_CUSTOMERS}) TO STDOUT (FORMAT BINARY)"
    )
    parts: list[list[NDArray[Any]]] = [[] for _column in query.columns]
    with transaction.atomic(), connection.cursor() as cursor:
        # The planner takes every customer for a group of its own and would sort millions
        # of rows on disk to aggregate a few dozen chunks; hashing them is what fits. The
        # query is too simple per row for JIT compilation (~0.5 s) to pay off.
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL jit = off")
        with cursor.cursor.copy(statement, params) as copy:
            copy.set_types(["bytea"] * len(query.columns))
            for row in copy.rows():
                for part, (_name, _expression, kind), data in zip(
                    parts, query.columns, row, strict=True
                ):
                    part.append(_array_values(data, kind))
        cursor.execute("RESET enable_sort")
        cursor.execute("RESET jit")
    return {
        name: np.concatenate(part) if part else np.zeros(0, kind)
        for part, (name, _expression, kind) in zip(parts, query.columns, strict=True)
    }


def _array_values(data: bytes, kind: str) -> NDArray[Any]:
    """The values of a one-dimensional array without NULLs in PostgreSQL's binary format:
    a header (dimensions, NULL flag, element type, length, lower bound), then per element
    its length and its big-endian value."""
    header = np.frombuffer(data, ">i4", count=5)
    if header[0] != 1 or header[1] != 0 or header[2] != _ELEMENT_OID[kind]:
        raise RuntimeError("unexpected array from PostgreSQL (NULLs or another type)")
    elements = np.frombuffer(data, [("length", ">i4"), ("value", ">" + kind)], offset=20)
    if elements.size != header[3]:
        raise RuntimeError("truncated array from PostgreSQL")
    return elements["value"].astype(kind)

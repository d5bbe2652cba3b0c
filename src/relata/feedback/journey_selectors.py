"""Reads of the journey analytics: contact moments, orders and customers as NumPy arrays.

Columns come through scoring's column reader (``read_columns``: array aggregates in binary
COPY on PostgreSQL), never a Python object per row on the production database. Codes are
computed in SQL (``CASE`` with bound parameters): the channel, touchpoint and friction of a
moment as positions in their choices, a customer's acquisition source as a position among
the most frequent sources. Above ``SAMPLE_CAP`` customers a deterministic sample is read: a
customer is in it when a multiplicative hash of its id falls below a threshold, the same
customers every time (docs/decisions/0950-journey-analytics.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import Count, Max
from django.utils import timezone
from numpy.typing import NDArray

from relata.analytics.journey import Moments, Purchases, journey_moments, purchase_summary
from relata.contacts.models import Channel, ContactMoment, Friction, Outcome, Touchpoint
from relata.customers.models import Customer
from relata.sales.models import Order, OrderStatus
from relata.scoring.aggregates import Query, read_columns
from relata.scoring.services import months_before

EPOCH = date(1970, 1, 1)
NODE_TOUCHPOINT = "touchpoint"
NODE_CHANNEL = "channel"
GROUP_SOURCE = "source"
GROUP_FIRST_CHANNEL = "first_channel"
DEFAULT_STEPS = 4
DEFAULT_WINDOW_DAYS = 14
DEFAULT_MONTHS = 24
# Above this many customers the pages read a deterministic sample of about this size.
SAMPLE_CAP = 250_000
# Sampling: (id × a) mod p below a threshold; a is Knuth's multiplicative constant, p prime.
HASH_MULTIPLIER = 2_654_435_761
HASH_MODULUS = 1_000_003
# Acquisition sources shown by name; the rest are "other".
TOP_SOURCES = 7

_SECONDS = {
    "postgresql": "CAST(EXTRACT(EPOCH FROM c.occurred_at) AS BIGINT)",
    "sqlite": "CAST(ROUND((julianday(c.occurred_at) - 2440587.5) * 86400.0) AS INTEGER)",
}
_ORDER_DAY = {
    "postgresql": "(o.order_date - DATE '1970-01-01')",
    "sqlite": "CAST(julianday(o.order_date) - 2440587.5 AS INTEGER)",
}


def _whens(count: int) -> str:
    """``WHEN %s THEN 0 …``: codes are the positions of the bound values."""
    return " ".join(f"WHEN %s THEN {code}" for code in range(count))


def _case(column: str, count: int, otherwise: int) -> str:
    return f"CASE {column} {_whens(count)} ELSE {otherwise} END"


# A moment's codes packed in one integer (one array to aggregate instead of four, a quarter
# less work for PostgreSQL): channel in bits 0–3, touchpoint in 4–7 (15: a value no longer
# among the choices), friction + 1 in 8–11 (0: none), "records an order" in bit 12.
_UNKNOWN = 15
_MOMENT_CODE = (
    f"{_case('c.channel', len(Channel.values), _UNKNOWN)}"
    f" + 16 * {_case('c.touchpoint', len(Touchpoint.values), _UNKNOWN)}"
    f" + 256 * ({_case('c.friction', len(Friction.values), -1)} + 1)"
    " + 4096 * (CASE WHEN c.outcome = %s THEN 1 ELSE 0 END)"
)


def _sample_clause(column: str) -> str:
    return f" AND ({column} * {HASH_MULTIPLIER}) %% {HASH_MODULUS} < %s"


def _moments_query(vendor: str, sampled: bool) -> Query:
    return Query(
        columns=(
            ("customer", "c.customer_id", "i8"),
            ("at", _SECONDS[vendor], "i8"),
            ("id", "c.id", "i8"),
            ("code", _MOMENT_CODE, "i4"),
        ),
        source="FROM contacts_contactmoment c WHERE c.occurred_at < %s"
        + (_sample_clause("c.customer_id") if sampled else ""),
        chunk="c.customer_id",
    )


def _orders_query(vendor: str, sampled: bool) -> Query:
    return Query(
        columns=(("customer", "o.customer_id", "i8"), ("day", _ORDER_DAY[vendor], "i4")),
        source="FROM sales_order o WHERE o.order_date <= %s AND o.status <> %s"
        + (_sample_clause("o.customer_id") if sampled else ""),
        chunk="o.customer_id",
    )


def _customers_query(sources: int, sampled: bool) -> Query:
    # The named sources, then "other", then blank (not recorded).
    source = (
        f"CASE acquisition_source {_whens(sources)} WHEN '' THEN {sources + 1} ELSE {sources} END"
    )
    return Query(
        columns=(("id", "id", "i8"), ("source", source, "i4")),
        source="FROM customers_customer WHERE id > %s" + (_sample_clause("id") if sampled else ""),
        chunk="id",
    )


@dataclass(frozen=True)
class JourneyFilters:
    """What the journey pages and API analyse: the period (the analysis is as on its last
    day), path steps of touchpoints or channels, how many steps, how cohorts are grouped,
    and how close two moments must be to count as a channel switch."""

    date_from: date
    date_to: date
    node: str = NODE_TOUCHPOINT
    steps: int = DEFAULT_STEPS
    grouping: str = GROUP_SOURCE
    window_days: int = DEFAULT_WINDOW_DAYS

    @property
    def start_day(self) -> int:
        return (self.date_from - EPOCH).days

    @property
    def end_day(self) -> int:
        return (self.date_to - EPOCH).days

    def key(self) -> str:
        return ":".join(
            str(part)
            for part in (
                self.date_from.isoformat(),
                self.date_to.isoformat(),
                self.node,
                self.steps,
                self.grouping,
                self.window_days,
            )
        )


def default_period(today: date | None = None) -> tuple[date, date]:
    """The last 24 calendar months, the current one included."""
    today = today or timezone.localdate()
    first = months_before(date(today.year, today.month, 1), DEFAULT_MONTHS - 1)
    return first, today


@dataclass(frozen=True)
class Sample:
    customers_total: int
    threshold: int  # hash values below it are in; HASH_MODULUS when everyone is

    @property
    def sampled(self) -> bool:
        return self.threshold < HASH_MODULUS

    @property
    def share(self) -> float:
        return self.threshold / HASH_MODULUS


def sample_for(customers_total: int, cap: int = SAMPLE_CAP) -> Sample:
    if customers_total <= cap:
        return Sample(customers_total, HASH_MODULUS)
    return Sample(customers_total, max(1, int(HASH_MODULUS * cap / customers_total)))


@dataclass(frozen=True)
class JourneyInput:
    """Everything the journey analytics needs, as arrays. ``moments`` carry the node type
    of the filters; ``order_record`` marks moments that record a placed order."""

    moments: Moments
    order_record: NDArray[np.bool_]
    purchases: Purchases
    order_customer: NDArray[np.int64]
    order_day: NDArray[np.int64]
    customer: NDArray[np.int64]  # ascending
    source: NDArray[np.int64]  # per customer: position in ``sources``, then other, unknown
    sources: list[str]
    sample: Sample
    customers_read: int


def _vendor() -> str:
    vendor = connection.vendor
    if vendor not in _SECONDS:
        raise NotImplementedError(f"journeys support PostgreSQL and SQLite, not {vendor}")
    return vendor


def top_sources(limit: int = TOP_SOURCES) -> list[str]:
    """The most frequent non-blank acquisition sources, most frequent first."""
    rows = (
        Customer.objects.exclude(acquisition_source="")
        .values("acquisition_source")
        .annotate(n=Count("id"))
        .order_by("-n", "acquisition_source")[:limit]
    )
    return [row["acquisition_source"] for row in rows]


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def journey_input(filters: JourneyFilters, *, cap: int = SAMPLE_CAP) -> JourneyInput:
    """Read moments and orders up to the end of the period (all history before it: paths
    and first purchases look back), and every customer's acquisition source."""
    vendor = _vendor()
    sample = sample_for(Customer.objects.count(), cap)
    extra: list[Any] = [sample.threshold] if sample.sampled else []
    until = _local_midnight(filters.date_to + timedelta(days=1))
    # A moment's day is its local calendar day, with the UTC offset at the period's end.
    offset = int((timezone.localtime(until).utcoffset() or timedelta()).total_seconds())

    table = read_columns(
        _moments_query(vendor, sample.sampled),
        [
            *Channel.values,
            *Touchpoint.values,
            *Friction.values,
            Outcome.ORDER_PLACED,
            until,
            *extra,
        ],
    )
    day = (table["at"].astype(np.int64) + offset) // 86_400
    code = table["code"].astype(np.int64)
    channel, touchpoint = code & 15, (code >> 4) & 15
    friction, order_record = ((code >> 8) & 15) - 1, (code >> 12) & 1
    known = (channel != _UNKNOWN) & (touchpoint != _UNKNOWN)  # a value no longer a choice
    node = touchpoint if filters.node == NODE_TOUCHPOINT else channel
    # By customer, time and id (ties of the same second in the order they were logged).
    at = np.flatnonzero(known)[
        np.lexsort((table["id"][known], table["at"][known], table["customer"][known]))
    ]
    moments = journey_moments(
        table["customer"][at].astype(np.int64),
        day[at],
        node[at],
        channel=channel[at],
        friction=friction[at],
        order=np.arange(at.size),
    )
    record = order_record[at].astype(bool)

    orders = read_columns(
        _orders_query(vendor, sample.sampled),
        [filters.date_to, OrderStatus.CANCELLED, *extra],
    )
    order_customer = orders["customer"].astype(np.int64)
    order_day = orders["day"].astype(np.int64)

    sources = top_sources()
    customers = read_columns(_customers_query(len(sources), sample.sampled), [*sources, 0, *extra])
    order = np.argsort(customers["id"], kind="stable")
    return JourneyInput(
        moments=moments,
        order_record=record,
        purchases=purchase_summary(order_customer, order_day),
        order_customer=order_customer,
        order_day=order_day,
        customer=customers["id"][order].astype(np.int64),
        source=customers["source"][order].astype(np.int64),
        sources=sources,
        sample=sample,
        customers_read=int(customers["id"].size),
    )


def data_fingerprint() -> str:
    """The newest id of moments, orders and customers: changes when any is added (an index
    look-up each; counting rows would scan the tables). Edits and deletions show once the
    cached figures expire."""
    parts = [
        model.objects.aggregate(last=Max("id"))["last"]
        for model in (ContactMoment, Order, Customer)
    ]
    return ":".join(str(part) for part in parts)

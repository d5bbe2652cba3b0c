from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import numpy as np
import pytest

from relata.sales.models import OrderStatus
from relata.sales.services import LineInput, order_create
from relata.scoring import aggregates
from tests.factories import ContactMomentFactory, CustomerFactory, ProductFactory

PERIOD_END = date(2026, 6, 30)
END_DAY = aggregates.day_number(PERIOD_END)


def _order(customer, product, day: date, quantity: int, status: str = "") -> None:  # type: ignore[no-untyped-def]
    order = order_create(
        customer=customer, lines=[LineInput(product=product, quantity=Decimal(quantity))]
    )
    order.order_date = day
    order.status = status or order.status
    order.save(update_fields=["order_date", "status"])


def test_orders_are_grouped_per_customer_and_day_in_any_input_order() -> None:
    # given orders in no particular order, two of them on the same day of customer 1
    customer = np.array([1, 0, 1, 1, 0], np.int64)
    day = np.array([20_000, 20_003, 19_990, 20_000, 20_001], np.int64)
    cents = np.array([1_005, 250, 999, 2_010, 1], np.int64)
    # when they are grouped
    days = aggregates.per_customer_day(
        customer=customer,
        day=day,
        cents=cents,
        cost_cents=cents // 2,
        returned=np.array([0, 0, 0, 1, 0]),
    )
    # then there is one row per customer and day, sorted, with exact sums and counts
    assert days.customer.tolist() == [0, 0, 1, 1]
    assert days.day.tolist() == [20_001, 20_003, 19_990, 20_000]
    assert days.revenue.tolist() == [0.01, 2.50, 9.99, 30.15]
    assert days.cost.tolist() == [0.0, 1.25, 4.99, 15.07]
    assert days.orders.tolist() == [1, 1, 1, 2]
    assert days.returns.tolist() == [0, 0, 0, 1]


def test_no_orders_group_to_empty_arrays() -> None:
    empty = np.zeros(0, np.int64)
    days = aggregates.per_customer_day(
        customer=empty, day=empty, cents=empty, cost_cents=empty, returned=empty
    )
    assert days.customer.size == days.revenue.size == 0


@pytest.mark.parametrize("spread", [3, 10**9], ids=["dense ids", "sparse ids"])
def test_positions_find_known_ids_and_flag_unknown_ones(spread: int) -> None:
    # given sorted customer ids and ids to look up, some unknown
    rng = np.random.default_rng(7)
    base = np.unique(rng.integers(1, 20 * spread, 40)).astype(np.int64)
    ids = np.concatenate([rng.choice(base, 30), rng.integers(-5, 21 * spread, 30)])
    # when looked up
    index, known = aggregates._positions(base, ids.astype(np.int64))
    # then known ids point at themselves and exactly the ids in the base are known
    assert known.tolist() == np.isin(ids, base).tolist()
    assert (base[index[known]] == ids[known]).all()


@pytest.mark.django_db
def test_order_days_read_from_the_database(db: None) -> None:
    # given two customers with orders, a cancelled order, a return and a future order
    product = ProductFactory(price=Decimal("19.99"), unit_cost=Decimal("12.50"))
    first, second = CustomerFactory(), CustomerFactory()
    day = PERIOD_END - timedelta(days=5)
    _order(first, product, day, 1)
    _order(first, product, day, 2, OrderStatus.RETURNED)
    _order(first, product, day, 7, OrderStatus.CANCELLED)
    _order(second, product, PERIOD_END - timedelta(days=40), 3)
    _order(second, product, PERIOD_END + timedelta(days=1), 1)
    # when the customers and their order days up to the period end are read
    base = aggregates.customer_base(period_end=PERIOD_END + timedelta(days=400))
    days = aggregates.order_days(base=base, period_end=PERIOD_END)
    # then each customer has one row per day, cancelled and later orders left out
    assert base.ids.tolist() == sorted([first.pk, second.pk])
    rows = {
        (int(base.ids[c]), int(d)): (r, o, ret)
        for c, d, r, o, ret in zip(
            days.customer, days.day, days.revenue, days.orders, days.returns, strict=True
        )
    }
    assert rows == {
        (first.pk, END_DAY - 5): (59.97, 2, 1),
        (second.pk, END_DAY - 40): (59.97, 1, 0),
    }


@pytest.mark.django_db
def test_contact_counts_per_channel_in_the_window_and_before(db: None) -> None:
    # given contact moments before, inside and after a window (first_day, last_day]
    customer, quiet = CustomerFactory(), CustomerFactory()
    first_day = END_DAY - 30
    for days_before_end, channel in ((45, "phone"), (10, "email"), (5, "email"), (-3, "visit")):
        moment = ContactMomentFactory(customer=customer, channel=channel)
        when = datetime.combine(PERIOD_END - timedelta(days=days_before_end), time(12), UTC)
        type(moment).objects.filter(pk=moment.pk).update(occurred_at=when)
    base = aggregates.customer_base(period_end=PERIOD_END + timedelta(days=400))
    # when counted
    counts = aggregates.contact_counts(base=base, first_day=first_day, last_day=END_DAY)
    # then only the window's moments count, per channel, and the flags say what came when
    at = base.ids.tolist().index(customer.pk)
    assert counts.in_window["email"][at] == 2
    assert counts.in_window["phone"][at] == 0
    assert counts.in_window["visit"][at] == 0
    assert counts.ever.tolist()[at] and counts.before.tolist()[at]
    other = base.ids.tolist().index(quiet.pk)
    assert not counts.ever[other] and not counts.before[other]


@pytest.mark.django_db
def test_existing_customers_notices_a_deleted_one(db: None) -> None:
    # given three customers, one of them deleted
    customers = [CustomerFactory() for _ in range(3)]
    ids = np.array(sorted(c.pk for c in customers), np.int64)
    deleted = customers[1].pk
    customers[1].delete()
    # when checked
    exists = aggregates.existing_customers(ids)
    # then only the deleted one is missing
    assert exists.tolist() == [pk != deleted for pk in ids.tolist()]

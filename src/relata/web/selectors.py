"""Figures for the start page.

At a million customers, counting and summing live tables costs most of a second per page
view, so the sales figures come from the latest score run's stored summary and the counts are
estimates above a few thousand rows. Before the first score run they are computed live.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from relata.accounts.visibility import visible_by_customer
from relata.contacts.models import ContactMoment
from relata.customers.models import Customer
from relata.sales.models import Order, OrderStatus
from relata.scoring.selectors import latest_run
from relata.web.pagination import approximate_count


@dataclass(frozen=True)
class HomeOverview:
    customers: int
    customers_estimated: bool
    orders_in_period: int | None
    revenue_in_period: Decimal
    period_end: date
    contacts_last_30_days: int
    contacts_estimated: bool
    recent_contacts: QuerySet[ContactMoment]
    recent_orders: QuerySet[Order]


def home_overview(*, viewer: Any = None) -> HomeOverview:
    """The figures are whole-book; the latest contacts and orders are those of customers the
    viewer may see (own accounts only)."""
    customers, customers_estimated = approximate_count(Customer.objects.all())
    contacts, contacts_estimated = approximate_count(
        ContactMoment.objects.filter(occurred_at__gte=timezone.now() - timedelta(days=30))
    )
    run = latest_run()
    if run is not None:
        period_end = run.period_end
        orders = run.summary.get("orders")
        revenue = Decimal(str(round(run.summary.get("revenue", 0.0), 2)))
    else:
        period_end = timezone.localdate()
        live = (
            Order.objects.filter(order_date__gt=period_end - timedelta(days=365))
            .exclude(status=OrderStatus.CANCELLED)
            .aggregate(n=Count("id"), revenue=Sum("total_amount"))
        )
        orders, revenue = live["n"], live["revenue"] or Decimal(0)
    return HomeOverview(
        customers=customers,
        customers_estimated=customers_estimated,
        orders_in_period=orders,
        revenue_in_period=revenue,
        period_end=period_end,
        contacts_last_30_days=contacts,
        contacts_estimated=contacts_estimated,
        recent_contacts=visible_by_customer(
            viewer, ContactMoment.objects.select_related("customer", "staff")
        )[:8],
        recent_orders=visible_by_customer(viewer, Order.objects.select_related("customer"))[:8],
    )

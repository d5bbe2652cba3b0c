"""Figures for the start page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from relata.contacts.models import ContactMoment
from relata.customers.models import Customer
from relata.sales.models import Order


@dataclass(frozen=True)
class HomeOverview:
    customers: int
    orders_last_year: int
    revenue_last_year: Decimal
    contacts_last_30_days: int
    recent_contacts: QuerySet[ContactMoment]
    recent_orders: QuerySet[Order]


def home_overview() -> HomeOverview:
    today = timezone.localdate()
    year_ago = today - timedelta(days=365)
    orders = Order.objects.filter(order_date__gt=year_ago).aggregate(
        n=Count("id"), revenue=Sum("total_amount")
    )
    return HomeOverview(
        customers=Customer.objects.count(),
        orders_last_year=orders["n"] or 0,
        revenue_last_year=orders["revenue"] or Decimal(0),
        contacts_last_30_days=ContactMoment.objects.filter(
            occurred_at__gte=timezone.now() - timedelta(days=30)
        ).count(),
        recent_contacts=ContactMoment.objects.select_related("customer", "staff")[:8],
        recent_orders=Order.objects.select_related("customer")[:8],
    )

"""Reads of orders and products."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from relata.accounts.visibility import visible_by_customer
from relata.sales.models import Order, Product


def order_search(
    *,
    query: str = "",
    status: str = "",
    channel: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    customer: int | None = None,
    viewer: Any = None,
) -> QuerySet[Order]:
    orders = visible_by_customer(viewer, Order.objects.select_related("customer"))
    if query:
        orders = orders.filter(
            Q(order_number__icontains=query) | Q(customer__customer_number=query)
        )
    if status:
        orders = orders.filter(status=status)
    if channel:
        orders = orders.filter(channel=channel)
    if date_from:
        orders = orders.filter(order_date__gte=date_from)
    if date_to:
        orders = orders.filter(order_date__lte=date_to)
    if customer:
        orders = orders.filter(customer_id=customer)
    return orders.order_by("-order_date", "-id")


def product_list(*, query: str = "") -> QuerySet[Product]:
    products = Product.objects.select_related("category")
    query = query.replace("\x00", "")
    if query:
        products = products.filter(Q(name__icontains=query) | Q(sku__icontains=query))
    return products.order_by("category__name", "name")

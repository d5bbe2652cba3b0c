"""Builders shared by the trigger and outbox tests."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.utils import timezone

from relata.customers.models import Consent, Customer
from relata.engagement.models import MessageTemplate, Segment, TriggerRule
from relata.sales.models import Order, OrderLine, Product
from tests.factories import ProductFactory

TODAY = date(2026, 6, 15)
NOW = timezone.make_aware(datetime.combine(TODAY, time(9, 0)))


def make_rule(event: str, action: str = "notice", **fields: Any) -> TriggerRule:
    fields.setdefault("name", f"{event} → {action}")
    return TriggerRule.objects.create(event=event, action=action, **fields)


def buy(
    customer: Customer,
    on: date,
    product: Product | None = None,
    *,
    status: str = "delivered",
    quantity: int = 1,
) -> Order:
    """An order with one line, stored directly (no signals)."""
    product = product or ProductFactory()
    order = Order.objects.create(
        customer=customer,
        order_number=f"O{Order.objects.count() + 1:08d}-{customer.pk}",
        order_date=on,
        status=status,
        total_amount=product.price * quantity,
        total_cost=product.unit_cost * quantity,
    )
    OrderLine.objects.create(
        order=order,
        customer=customer,
        product=product,
        quantity=Decimal(quantity),
        unit_price=product.price,
        unit_cost=product.unit_cost,
    )
    return order


def opt_in(customer: Customer, channel: str = "email", purpose: str = "marketing") -> None:
    Consent.objects.create(
        customer=customer, channel=channel, purpose=purpose, granted=True, source="test"
    )


def template(channel: str = "email", **fields: Any) -> MessageTemplate:
    fields.setdefault("name", f"Template {MessageTemplate.objects.count() + 1}")
    fields.setdefault("subject", "Hello {{ first_name }}")
    fields.setdefault("body", "Dear {{ first_name }}, {{ offer }}")
    return MessageTemplate.objects.create(channel=channel, **fields)


def segment_of_city(city: str) -> Segment:
    return Segment.objects.create(
        name=f"Lives in {city}",
        rules={"match": "all", "rules": [{"field": "city", "op": "eq", "value": city}]},
    )

"""Writes for orders: lines and the denormalised order totals always change together."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from relata.customers.models import Customer
from relata.sales.models import Order, OrderLine, Product
from relata.sales.signals import order_saved


@dataclass(frozen=True)
class LineInput:
    product: Product
    quantity: Decimal
    unit_price: Decimal | None = None


def order_number_next() -> str:
    last = Order.objects.filter(order_number__regex=r"^O[0-9]{8,}$").order_by("-order_number")
    top = last.values_list("order_number", flat=True).first()
    following = int(top[1:]) + 1 if top else 1
    return f"O{following:08d}"


def order_totals_refresh(*, order: Order) -> Order:
    total = Decimal(0)
    cost = Decimal(0)
    for line in order.lines.all():
        total += line.quantity * line.unit_price
        cost += line.quantity * line.unit_cost
    order.total_amount = total.quantize(Decimal("0.01"))
    order.total_cost = cost.quantize(Decimal("0.01"))
    order.save(update_fields=["total_amount", "total_cost"])
    return order


@transaction.atomic
def order_create(
    *,
    customer: Customer,
    lines: Sequence[LineInput],
    order_number: str = "",
    **fields: object,
) -> Order:
    order = Order(customer=customer, order_number=order_number or order_number_next(), **fields)
    order.full_clean()
    order.save()
    order_lines_replace(order=order, lines=lines)
    _announce(order, created=True)
    return order


def _announce(order: Order, *, created: bool) -> None:
    transaction.on_commit(lambda: order_saved.send(sender=Order, order=order, created=created))


@transaction.atomic
def order_lines_replace(*, order: Order, lines: Sequence[LineInput]) -> Order:
    order.lines.all().delete()
    new_lines = []
    for line in lines:
        order_line = OrderLine(
            order=order,
            customer_id=order.customer_id,
            product=line.product,
            quantity=line.quantity,
            unit_price=line.product.price if line.unit_price is None else line.unit_price,
            unit_cost=line.product.unit_cost,
        )
        order_line.full_clean(exclude=["order"])
        new_lines.append(order_line)
    OrderLine.objects.bulk_create(new_lines)
    return order_totals_refresh(order=order)


@transaction.atomic
def order_save_with_lines(
    *, order: Order, changed_lines: Sequence[OrderLine], deleted_lines: Sequence[OrderLine]
) -> Order:
    """Save an order edited in a form with its line formset (unsaved instances): number it,
    keep every line on the order's customer, and recompute the totals."""
    created = order.pk is None
    if not order.order_number:
        order.order_number = order_number_next()
    order.save()
    for line in deleted_lines:
        line.delete()
    for line in changed_lines:
        line.order = order
        line.save()
    order.lines.exclude(customer_id=order.customer_id).update(customer_id=order.customer_id)
    order_totals_refresh(order=order)
    _announce(order, created=created)
    return order


@transaction.atomic
def order_update(
    *, order: Order, fields: Mapping[str, object], lines: Sequence[LineInput] | None = None
) -> Order:
    """Change order fields and, when lines are given, replace all lines (totals follow)."""
    for name, value in fields.items():
        setattr(order, name, value)
    order.full_clean()
    order.save()
    if lines is not None:
        order_lines_replace(order=order, lines=lines)
    _announce(order, created=False)
    return order

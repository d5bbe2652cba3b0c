"""Turning ids and numbers in a request body into objects, with a 422 when one is unknown."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from relata.accounts.visibility import visible_customers
from relata.api.errors import BODY, field_error, invalid
from relata.api.schemas.orders import LineIn
from relata.customers.models import Customer
from relata.sales.models import Product
from relata.sales.services import LineInput


def customer_from_body(
    *,
    user: Any,
    customer_id: int | None,
    customer_number: str | None,
    fields: tuple[str, str] = ("customer_id", "customer_number"),
) -> Customer:
    """The customer a request body names by id or by number (``fields``: the body's names
    for the two), or a 422 naming the field. A customer ``user`` may not see (own accounts
    only) is answered as an unknown one."""
    customers: QuerySet[Customer] = visible_customers(user)
    if customer_id is not None:
        customer = customers.filter(pk=customer_id).first()
        field, value = fields[0], str(customer_id)
    else:
        customer = customers.filter(customer_number=customer_number).first()
        field, value = fields[1], str(customer_number)
    if customer is None:
        raise invalid(
            [
                field_error(
                    [*BODY, field],
                    _("No customer with %(field)s %(value)s.") % {"field": field, "value": value},
                    "not_found",
                )
            ]
        )
    return customer


def line_inputs(lines: list[LineIn]) -> list[LineInput]:
    """The products of all lines in two queries; every unknown product is reported."""
    skus = {line.product_sku for line in lines if line.product_sku is not None}
    ids = {line.product_id for line in lines if line.product_id is not None}
    by_sku = {p.sku: p for p in Product.objects.filter(sku__in=skus)} if skus else {}
    by_id = {p.pk: p for p in Product.objects.filter(pk__in=ids)} if ids else {}
    resolved: list[LineInput] = []
    errors = []
    for index, line in enumerate(lines):
        if line.product_sku is not None:
            product = by_sku.get(line.product_sku)
            field, message = "product_sku", _("No product with SKU %(value)s.")
            value: object = line.product_sku
        else:
            product = by_id.get(line.product_id or 0)
            field, message = "product_id", _("No product with id %(value)s.")
            value = line.product_id
        if product is None:
            errors.append(
                field_error([*BODY, "lines", index, field], message % {"value": value}, "not_found")
            )
            continue
        resolved.append(
            LineInput(product=product, quantity=line.quantity, unit_price=line.unit_price)
        )
    if errors:
        raise invalid(errors)
    return resolved

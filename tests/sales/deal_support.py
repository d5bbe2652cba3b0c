"""Builders for the deal tests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group, User

from relata.sales.deal_services import deal_create
from relata.sales.models import Deal, Product
from relata.sales.services import LineInput
from tests.factories import CustomerFactory, ProductFactory


def sales_person(username: str) -> User:
    user = User.objects.create_user(username, password="a-long-test-password")
    user.groups.add(Group.objects.get(name="sales"))
    return user


def new_deal(
    *,
    products: list[tuple[Product, str]] | None = None,
    owner: User | None = None,
    **fields: Any,
) -> Deal:
    """A deal for a fresh customer; ``products`` as (product, quantity) pairs."""
    customer = fields.pop("customer", None) or CustomerFactory()
    lines = [LineInput(product=p, quantity=Decimal(q)) for p, q in products or []]
    return deal_create(
        customer=customer,
        title=fields.pop("title", "Coffee machines for the office"),
        created_by=owner,
        owner=owner,
        lines=lines,
        **fields,
    )


def deal_with_product(**fields: Any) -> Deal:
    return new_deal(products=[(ProductFactory(price=Decimal("250.00")), "2")], **fields)

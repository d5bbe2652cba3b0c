"""Shared helpers of the loyalty and referral tests: orders of a given amount and date,
members, and a programme with known settings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib.auth.models import Permission, User

from relata.customers.models import Customer
from relata.engagement.models import LoyaltyMember, LoyaltyProgramme
from relata.sales.models import Order, OrderStatus
from relata.sales.services import LineInput, order_create
from tests.factories import ProductFactory


def programme(**fields: object) -> LoyaltyProgramme:
    """The programme with round test settings: 1 point per euro, 1 cent a point, no minimum,
    12 months' expiry, unless given otherwise."""
    current = LoyaltyProgramme.current()
    values: dict[str, object] = {
        "points_per_euro": Decimal(1),
        "point_value": Decimal("0.01"),
        "minimum_redemption": 0,
        "expiry_months": 12,
        "referral_reward_points": 500,
        "referred_welcome_points": 250,
        "reward_mode": "direct",
        "active": True,
        **fields,
    }
    for name, value in values.items():
        setattr(current, name, value)
    current.save()
    return current


def buy(
    customer: Customer,
    amount: str | Decimal,
    day: date,
    *,
    status: str = OrderStatus.DELIVERED,
) -> Order:
    """An order of one line worth ``amount`` on ``day`` (no signal fires in a test
    transaction unless the test captures on-commit callbacks)."""
    product = ProductFactory(price=Decimal(amount), unit_cost=Decimal(0))
    return order_create(
        customer=customer,
        lines=[LineInput(product=product, quantity=Decimal(1))],
        order_date=day,
        status=status,
    )


def enrol(customer: Customer, joined_on: date, number: str = "") -> LoyaltyMember:
    """A membership written directly (the services are tested on their own)."""
    return LoyaltyMember.objects.create(
        customer=customer,
        member_number=number or f"M{customer.pk:06d}",
        joined_on=joined_on,
    )


def grant(user: User, *codenames: str) -> User:
    """Give a user engagement permissions by codename (e.g. ``view_loyaltymember``)."""
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="engagement", codename__in=codenames)
    )
    return User.objects.get(pk=user.pk)  # a fresh object: permissions are cached per object

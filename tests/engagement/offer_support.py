"""A small hand-made shop for the next-best-offer tests, with figures worked out by hand.

Products: espresso machine Basic (M1, one-off, € 100) and Comfort (M2, one-off, € 130) and an
inactive old model (X, one-off, € 120) in "Machines"; espresso beans (B1, € 10) in the
consumable category "Coffee"; cups (C1, € 20) in "Cups".

Baskets (orders not cancelled), six in all:

    1 anna:  M1 B1        4 dirk:  B1
    2 bert:  M1 B1        5 dirk:  B1
    3 carla: M1 C1        6 eva:   C1

and a cancelled order of fleur with M1 and C1, which counts nowhere. So n(M1) = 3,
n(B1) = 4, n(C1) = 2, n(M1, B1) = 2, n(M1, C1) = 1, and with no thresholds the rules are
M1 → B1 (support 2/6, confidence 2/3, lift 2·6/(3·4) = 1), B1 → M1 (confidence 1/2),
M1 → C1 (support 1/6, confidence 1/3, lift 1) and C1 → M1 (confidence 1/2).

Offers (every owned product is skipped by cross- and up-sell):

* carla (M1, C1): B1 cross-sell from M1 (score 2/3), M2 up-sell from M1 (M2's smoothed
  share of the Machines buyers: (0 + 1)/(3 + 3) = 1/6; X is inactive);
* anna (M1, B1): B1 deep-sell (repeat rate (1 + 1)/(3 + 2) = 0.4: dirk bought it twice of
  three buyers), C1 cross-sell from M1 (1/3), M2 up-sell (1/6) — never M1, which she owns,
  although the rule B1 → M1 reaches it;
* dirk (B1 twice): B1 deep-sell (0.4), M1 cross-sell from B1 (1/2), M2? no: dirk owns no
  machine, so no up-sell.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import Permission, User

from relata.customers.models import Customer
from relata.engagement.offer_compute import OfferRunSettings, RuleThresholds
from relata.sales.models import OrderStatus, Product, ProductCategory
from relata.sales.services import LineInput, order_create
from tests.factories import CustomerFactory, ProductFactory

# No thresholds: every pair seen makes a rule, so the figures above hold.
ALL_RULES = OfferRunSettings(
    rules=RuleThresholds(min_support=0.0, min_confidence=0.0, min_lift=0.0, min_pair_count=1)
)
OFFER_PERMISSIONS = (
    "view_offerrun",
    "add_offerrun",
    "view_offerrule",
    "view_customeroffer",
)


@dataclass
class Shop:
    machine: Product  # M1
    dearer_machine: Product  # M2
    old_machine: Product  # X, inactive
    beans: Product  # B1
    cups: Product  # C1
    anna: Customer
    bert: Customer
    carla: Customer
    dirk: Customer
    eva: Customer
    fleur: Customer


def buy(customer: Customer, *products: Product, day: date, status: str = "") -> None:
    order_create(
        customer=customer,
        lines=[LineInput(product=product, quantity=Decimal(1)) for product in products],
        order_date=day,
        status=status or OrderStatus.DELIVERED,
    )


def offer_shop() -> Shop:
    machines = ProductCategory.objects.create(name="Machines")
    coffee = ProductCategory.objects.create(name="Coffee", is_consumable=True)
    cups_category = ProductCategory.objects.create(name="Cups")

    def product(
        sku: str, name: str, category: ProductCategory, price: str, **flags: bool
    ) -> Product:
        return ProductFactory(sku=sku, name=name, category=category, price=Decimal(price), **flags)

    shop = Shop(
        machine=product("M1", "Espresso machine Basic", machines, "100.00", is_one_off=True),
        dearer_machine=product(
            "M2", "Espresso machine Comfort", machines, "130.00", is_one_off=True
        ),
        old_machine=product(
            "X1", "Espresso machine Old", machines, "120.00", is_one_off=True, active=False
        ),
        beans=product("B1", "Espresso beans", coffee, "10.00"),
        cups=product("C1", "Cups", cups_category, "20.00"),
        anna=CustomerFactory(first_name="Anna"),
        bert=CustomerFactory(first_name="Bert"),
        carla=CustomerFactory(first_name="Carla"),
        dirk=CustomerFactory(first_name="Dirk"),
        eva=CustomerFactory(first_name="Eva"),
        fleur=CustomerFactory(first_name="Fleur"),
    )
    buy(shop.anna, shop.machine, shop.beans, day=date(2025, 1, 10))
    buy(shop.bert, shop.machine, shop.beans, day=date(2025, 2, 10))
    buy(shop.carla, shop.machine, shop.cups, day=date(2025, 3, 10))
    buy(shop.dirk, shop.beans, day=date(2025, 4, 10))
    buy(shop.dirk, shop.beans, day=date(2025, 5, 10))
    buy(shop.eva, shop.cups, day=date(2025, 6, 10))
    buy(shop.fleur, shop.machine, shop.cups, day=date(2025, 6, 20), status=OrderStatus.CANCELLED)
    return shop


def grant_offers(user: User, *codenames: str) -> User:
    """Give ``user`` the engagement offer permissions (all of them by default)."""
    wanted = codenames or OFFER_PERMISSIONS
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="engagement", codename__in=wanted)
    )
    return User.objects.get(pk=user.pk)  # a fresh instance: no stale permission cache

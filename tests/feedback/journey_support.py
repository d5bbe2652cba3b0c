"""A small, hand-checked set of journeys for the journey tests.

Days are counted back from today (T):

* Anna bought first on T−30; before it: marketing by e-mail (T−40), sales by phone with
  friction "unclear" (T−35), and the phone call that recorded the order (T−30).
* Bram never bought: marketing on the web with "waited" (T−20), service by phone with
  "not reachable" (T−10).
* Cor bought on T−400 only, so with "lost after 365 days" he was lost on T−35; before that a
  billing letter with "no answer" (T−100).
* Dirk bought on T−300 and T−5 (kept); a service chat on T−6.
* Eva's only order (T−50) was cancelled, so she has not bought; a delivery web form on T−60.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from relata.contacts.models import ContactMoment
from relata.customers.models import Customer
from relata.sales.models import Order, OrderStatus
from relata.scoring.models import ScoringSettings
from tests.factories import ContactMomentFactory, CustomerFactory


def ago(days: int) -> date:
    return timezone.localdate() - timedelta(days=days)


def moment(
    customer: Customer,
    days_ago: int,
    channel: str,
    touchpoint: str,
    *,
    friction: str = "",
    outcome: str = "",
) -> ContactMoment:
    when = timezone.make_aware(datetime.combine(ago(days_ago), time(12, 0)))
    return ContactMomentFactory(
        customer=customer,
        occurred_at=when,
        channel=channel,
        touchpoint=touchpoint,
        friction=friction,
        outcome=outcome,
    )


_orders = 0


def order(customer: Customer, days_ago: int, status: str = OrderStatus.DELIVERED) -> Order:
    global _orders
    _orders += 1
    return Order.objects.create(
        order_number=f"J{_orders:06d}-{customer.pk}",
        customer=customer,
        order_date=ago(days_ago),
        status=status,
        total_amount=Decimal("50.00"),
    )


@dataclass
class Journeys:
    anna: Customer
    bram: Customer
    cor: Customer
    dirk: Customer
    eva: Customer


def five_journeys() -> Journeys:
    settings = ScoringSettings.current()
    settings.lost_after_days = 365
    settings.save()
    anna = CustomerFactory(first_name="Anna", acquisition_source="web")
    bram = CustomerFactory(first_name="Bram", acquisition_source="web")
    cor = CustomerFactory(first_name="Cor", acquisition_source="store")
    dirk = CustomerFactory(first_name="Dirk", acquisition_source="")
    eva = CustomerFactory(first_name="Eva", acquisition_source="fair")
    moment(anna, 40, "email", "marketing")
    moment(anna, 35, "phone", "sales", friction="unclear")
    moment(anna, 30, "phone", "sales", outcome="order_placed")
    order(anna, 30)
    moment(bram, 20, "web", "marketing", friction="waited")
    moment(bram, 10, "phone", "service", friction="not_reachable")
    order(cor, 400)
    moment(cor, 100, "letter", "billing", friction="no_answer")
    order(dirk, 300)
    order(dirk, 5)
    moment(dirk, 6, "chat", "service")
    order(eva, 50, status=OrderStatus.CANCELLED)
    moment(eva, 60, "web", "delivery")
    return Journeys(anna, bram, cor, dirk, eva)

"""Builders for the campaign tests: customers with or without consent, a segment that
selects them, a template and a campaign."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from relata.customers.models import Consent, Customer
from relata.engagement.campaign_services import campaign_create
from relata.engagement.models import Campaign, MessageTemplate, Segment
from relata.sales.models import Order
from tests.factories import CustomerFactory

CITY = "Campaignville"


def customers_in_segment(
    count: int, *, consent: bool = True, channel: str = "email", **fields: Any
) -> list[Customer]:
    customers = [CustomerFactory(city=CITY, **fields) for _ in range(count)]
    if consent:
        Consent.objects.bulk_create(
            Consent(customer=c, channel=channel, purpose="marketing", granted=True)
            for c in customers
        )
    return customers


def segment_of_city(name: str = "Campaign town") -> Segment:
    return Segment.objects.create(
        name=name, rules={"match": "all", "rules": [{"field": "city", "op": "eq", "value": CITY}]}
    )


def email_template(**fields: Any) -> MessageTemplate:
    values = {
        "name": "Spring offer",
        "channel": "email",
        "subject": "{{ first_name }}, something for you",
        "body": "Dear {{ first_name }} {{ last_name }},\n\n{{ offer }} at https://shop.example/spring.\n",
    }
    values.update(fields)
    return MessageTemplate.objects.create(**values)


_DEFAULT: Any = object()


def new_campaign(*, segment: Any = _DEFAULT, template: Any = _DEFAULT, **fields: Any) -> Campaign:
    """A draft campaign (by default to the city segment with the e-mail template; pass
    ``segment=None`` for none)."""
    values: dict[str, Any] = {
        "name": "Spring",
        "channel": "email",
        "segment": segment_of_city() if segment is _DEFAULT else segment,
        "template": email_template() if template is _DEFAULT else template,
        "offer_text": "Ten percent off",
    }
    values.update(fields)
    return campaign_create(**values)


def order_for(customer: Customer, *, on: Any, amount: str, status: str = "delivered") -> Order:
    return Order.objects.create(
        order_number=f"T-{customer.pk}-{Order.objects.count() + 1}",
        customer=customer,
        order_date=on,
        total_amount=Decimal(amount),
        status=status,
    )

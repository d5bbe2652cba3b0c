"""A customer with one row of every kind of history, its personal data spread through the
free texts the way staff and outside systems write it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.contrib.auth.models import User
from django.db import models
from django.db.models.functions import Cast
from django.utils import timezone

from relata.contacts.models import Complaint, Notification, Task
from relata.customers.models import Consent, ContactPerson, Customer
from relata.engagement.models import (
    Campaign,
    CampaignContact,
    CustomerEvent,
    CustomerOffer,
    LoyaltyMember,
    OfferRun,
    OutboxMessage,
    PointsEntry,
    Referral,
    ReferralCode,
    TriggerFiring,
    TriggerRule,
)
from relata.feedback.models import SurveyInvitation
from relata.sales.models import Deal, DealLine, DealStageChange, Order, OrderLine
from relata.scoring.models import CustomerSnapshot, ScoreRun
from tests.factories import (
    ContactMomentFactory,
    CustomerFactory,
    ProductFactory,
    ReviewFactory,
    SocialProfileFactory,
    SurveyFactory,
    SurveyResponseFactory,
)

FIRST, LAST = "Zebedee", "Quuxington"
FULL_NAME = f"{FIRST} {LAST}"
EMAIL = "zebedee.quux@example.org"
PHONE = "06-98765432"
PERSON_NAME = "Wilhelmina Frobisher"  # a contact person
HANDLE = "zebquux_vlogs"
# What must be gone from the whole database after the erasure.
NEEDLES = (LAST, EMAIL, PHONE, "0698765432", "Frobisher", HANDLE)



@dataclass
class History:
    customer: Customer
    partner: Customer  # the customer they referred
    orders: list[Order]


def customer_with_history(user: User) -> History:
    """The customer (a person), with rows in every table that refers to a customer."""
    customer = CustomerFactory(
        first_name=FIRST,
        last_name=LAST,
        email=EMAIL,
        phone=PHONE,
        street="Lange Nieuwstraat",
        house_number="7",
        birth_date=date(1980, 5, 17),
        occupation="Beekeeper",
        notes=f"{FIRST} prefers calls after five.",
        account_owner=user,
        acquisition_source="web",
        acquisition_cost=Decimal("12.50"),
    )
    product = ProductFactory()
    orders = []
    for number, amount in enumerate((Decimal("100.00"), Decimal("250.50")), start=1):
        order = Order.objects.create(
            order_number=f"Z-{number}",
            customer=customer,
            total_amount=amount,
            status="delivered",
            order_date=date(2025, 3, number),
            notes=f"Deliver to {FULL_NAME} at the back door",
        )
        OrderLine.objects.create(
            order=order, customer=customer, product=product, quantity=1, unit_price=amount
        )
        orders.append(order)
    deal = Deal.objects.create(
        customer=customer,
        title=f"Roof terrace for {LAST}",
        owner=user,
        value=Decimal("900.00"),
        stage="won",
        notes=f"{FIRST} wants it before summer",
    )
    DealLine.objects.create(deal=deal, customer=customer, product=product, unit_price=Decimal(9))
    DealStageChange.objects.create(deal=deal, customer=customer, to_stage="won", changed_by=user)
    moment = ContactMomentFactory(
        customer=customer,
        subject=f"Call with {FULL_NAME}",
        notes=f"Reached {FIRST} on {PHONE}; mail to {EMAIL}",
        staff=user,
    )
    Task.objects.create(
        customer=customer,
        title=f"Call {FULL_NAME} back",
        description=f"Ask {FIRST} about the invoice",
        contact_moment=moment,
    )
    Complaint.objects.create(
        customer=customer,
        channel="phone",
        touchpoint="service",
        cause="no_answer",
        subject=f"{LAST} waited too long",
        description=f"{FULL_NAME} called three times",
        resolution=f"Apologised to {FIRST}",
    )
    Consent.objects.create(
        customer=customer,
        channel="email",
        purpose="newsletter",
        granted=True,
        recorded_at=timezone.now() - timedelta(days=30),
        source="web form",
        recorded_by=user,
    )
    Consent.objects.create(
        customer=customer, channel="email", purpose="newsletter", granted=False, source="phone"
    )
    ContactPerson.objects.create(
        organisation=customer, first_name="Wilhelmina", last_name="Frobisher", dmu_role="buyer"
    )
    _engagement(customer, user, product)
    partner = CustomerFactory(first_name="Piet", last_name="Referred")
    Referral.objects.create(referrer=customer, referred=partner, note=f"Friend of {FIRST}")
    PointsEntry.objects.create(
        customer=partner, kind="adjusted", points=5, note=f"Welcome points: referred by {FULL_NAME}"
    )
    _feedback(customer, product, moment)
    run = ScoreRun.objects.get_or_create(period_end=date(2026, 1, 1))[0]
    CustomerSnapshot.objects.create(
        run=run,
        period_end=run.period_end,
        customer=customer,
        tier=1,
        movement=1,
        rfm_segment=0,
        value_grid=1,
        churn_level=0,
        lifecycle_stage=1,
    )
    Notification.objects.create(
        recipient=user,
        kind="contact_logged",
        params={"customer": FULL_NAME, "subject": f"Call with {FULL_NAME}", "by": "sam"},
        url=f"/customers/{customer.pk}/",
    )
    return History(customer=customer, partner=partner, orders=orders)


def _engagement(customer: Customer, user: User, product: Any) -> None:
    campaign = Campaign.objects.create(name="Spring", channel="email")
    rule = TriggerRule.objects.create(name="Birthday", event="birthday", action="notice")
    firing = TriggerFiring.objects.create(
        rule=rule,
        customer=customer,
        event_key="birthday:2026",
        detail=f"Birthday of {FULL_NAME}, 0698765432",
    )
    contact = CampaignContact.objects.create(
        campaign=campaign, customer=customer, token="tok-zq", trigger_firing=firing
    )
    OutboxMessage.objects.create(
        customer=customer,
        channel="email",
        to_address=EMAIL,
        subject=f"Hello {FIRST}",
        body=f"Dear {FULL_NAME}, Lange Nieuwstraat 7",
        campaign_contact=contact,
        status="sent",
    )
    CustomerEvent.objects.create(
        customer=customer, kind="nps", score=9, payload={"comment": f"{FULL_NAME} loves it"}
    )
    LoyaltyMember.objects.create(customer=customer, member_number="M-ZQ")
    PointsEntry.objects.create(customer=customer, kind="adjusted", points=10, note="Goodwill")
    ReferralCode.objects.create(customer=customer, code="ZQCODE")
    offer_run = OfferRun.objects.get_or_create(baskets=1)[0]
    CustomerOffer.objects.create(
        run=offer_run, customer=customer, rank=1, product=product, kind=1, score=0.5
    )
    referrer = CustomerFactory(first_name="Ria", last_name="Referrer")
    Referral.objects.create(referrer=referrer, referred=customer)


def _feedback(customer: Customer, product: Any, moment: Any) -> None:
    survey = SurveyFactory()
    invitation = SurveyInvitation.objects.create(
        survey=survey,
        customer=customer,
        token_hash="f" * 64,
        expires_at=timezone.now(),
        contact_moment=moment,
    )
    SurveyResponseFactory(
        survey=survey, customer=customer, invitation=invitation, comment=f"Signed, {FIRST}"
    )
    ReviewFactory(customer=customer, product=product, title=f"{LAST} says", text=f"By {EMAIL}")
    SocialProfileFactory(customer=customer, handle=HANDLE)


def text_hits(needle: str) -> list[str]:
    """Every (table, column) of every installed model whose text holds ``needle``: char,
    text and JSON columns, compared case-insensitively."""
    hits = []
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if isinstance(field, models.JSONField):
                rows = model._default_manager.annotate(_text=Cast(field.name, models.TextField()))
                lookup = "_text__icontains"
            elif isinstance(field, models.CharField | models.TextField):
                rows = model._default_manager.all()
                lookup = f"{field.name}__icontains"
            else:
                continue
            if rows.filter(**{lookup: needle}).exists():
                hits.append(f"{model._meta.db_table}.{field.column}")
    return hits

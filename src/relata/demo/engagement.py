"""Demo engagement (``relata demo-engagement``, run by ``make demo`` after scoring): a
loyalty programme with members and points, referrals between customers, saved segments
with personas, the onboarding and win-back playbooks switched on, and one finished
campaign with a control group whose conversions came in, so every engagement page shows
real figures. Everything goes through the services a user's actions go through."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, Min, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.customers.models import Customer
from relata.demo.feedback import vlogger_ids
from relata.engagement.campaign_services import (
    campaign_attribute,
    campaign_create,
    campaign_finish,
    campaign_launch,
)
from relata.engagement.loyalty_services import (
    loyalty_catch_up,
    loyalty_programme_save,
    points_redeem,
)
from relata.engagement.models import (
    Campaign,
    CampaignContact,
    ContactGroup,
    LoyaltyMember,
    MessageTemplate,
    OfferKind,
    PointsEntry,
    Referral,
    ReferralCode,
)
from relata.engagement.playbooks import ONBOARDING, WIN_BACK, playbook_switch_on
from relata.engagement.referral_services import referral_code_issue
from relata.engagement.segment_services import segment_create
from relata.sales.models import Order, OrderStatus, Product, SalesChannel
from relata.sales.services import LineInput, order_create
from relata.scoring.choices import TierChoice

MEMBER_SHARE_REPEAT = 0.45  # of customers with two or more orders
MEMBER_SHARE_ONCE = 0.12
CAMPAIGN_DAYS_AGO = 75
OPEN_RATE, CLICK_RATE = 0.42, 0.11
# The campaign's true effect in the demo: this share of approached customers buys because
# of it, on top of what everyone buys anyway (the control group shows the latter).
EXTRA_BUYER_RATE = 0.18
VLOGGER_REFERRAL_WEIGHT = 80.0  # against a Pareto(1.5) weight of 2 on average for others


@dataclass
class DemoEngagementResult:
    loaded: bool
    figures: dict[str, int] = field(default_factory=dict)


def _marketer() -> User | None:
    return (
        User.objects.filter(username="marketing").first()
        or User.objects.filter(is_superuser=True).first()
    )


def _programme() -> None:
    loyalty_programme_save(
        fields={
            "name": _("Relata Rewards"),
            "points_per_euro": Decimal(1),
            "reward_mode": "saving",
            "point_value": Decimal("0.01"),
            "minimum_redemption": 500,
            "expiry_months": 24,
        }
    )


def _members(rng: np.random.Generator, today: date) -> int:
    rows = (
        Order.objects.exclude(status=OrderStatus.CANCELLED)
        .values("customer_id")
        .annotate(orders=Count("id"), first=Min("order_date"))
        .order_by("customer_id")
    )
    members: list[LoyaltyMember] = []
    for row in rows:
        share = MEMBER_SHARE_REPEAT if row["orders"] >= 2 else MEMBER_SHARE_ONCE
        if rng.random() >= share:
            continue
        span = max((today - row["first"]).days, 0)
        # Most join early in the relationship, some only later.
        joined = row["first"] + timedelta(days=int(span * rng.beta(1.2, 3.0)))
        members.append(
            LoyaltyMember(
                customer_id=row["customer_id"],
                # The numbering member_number_next continues from (L + 8 digits).
                member_number=f"L{len(members) + 1:08d}",
                joined_on=joined,
            )
        )
    LoyaltyMember.objects.bulk_create(members, batch_size=2000)
    return len(members)


def _redemptions(rng: np.random.Generator, today: date) -> int:
    """About a third of the members with 1,000 points or more traded some for a voucher."""
    balances = (
        PointsEntry.objects.values("customer_id")
        .annotate(balance=Sum("points"))
        .filter(balance__gte=1000)
        .order_by("customer_id")
    )
    redeemed = 0
    for row in balances:
        if rng.random() >= 0.35:
            continue
        points = int(rng.integers(5, row["balance"] // 200 + 1)) * 100
        points_redeem(
            customer=Customer.objects.get(pk=row["customer_id"]),
            points=points,
            note=_("Voucher"),
            today=today,
        )
        redeemed += 1
    return redeemed


def _referrals(rng: np.random.Generator) -> int:
    buyers = list(
        Customer.objects.filter(orders__isnull=False)
        .distinct()
        .order_by("created_at", "id")
        .values_list("id", "created_at")
    )
    if not buyers:
        return 0
    buyer_ids = np.array([pk for pk, _created in buyers], dtype=np.int64)
    buyer_since = np.array([created.timestamp() for _pk, created in buyers])
    # A few enthusiastic customers bring most of the others (ambassadors).
    weight = rng.pareto(1.5, len(buyer_ids)) + 0.05
    # The demo's vloggers (relata.demo.feedback) buy little but bring in a few customers each.
    weight[np.isin(buyer_ids, list(vlogger_ids()))] = VLOGGER_REFERRAL_WEIGHT
    referred = Customer.objects.filter(acquisition_source="referral").order_by("created_at", "id")
    referrals: list[Referral] = []
    codes: dict[int, ReferralCode] = {}
    for customer in referred.only("id", "created_at"):
        earlier = buyer_since < customer.created_at.timestamp()
        earlier &= buyer_ids != customer.pk
        if not earlier.any():
            continue
        p = weight * earlier
        referrer_id = int(rng.choice(buyer_ids, p=p / p.sum()))
        if referrer_id not in codes:
            codes[referrer_id] = referral_code_issue(customer=Customer.objects.get(pk=referrer_id))
        referrals.append(
            Referral(
                referrer_id=referrer_id,
                referred_id=customer.pk,
                code=codes[referrer_id],
                referred_on=timezone.localdate(customer.created_at),
            )
        )
    Referral.objects.bulk_create(referrals, batch_size=2000)
    return len(referrals)


SEGMENTS: tuple[dict[str, Any], ...] = (
    {
        "name": lambda: _("Loyal big spenders, e-mail allowed"),
        "description": lambda: _("Top and Big customers who opted in to e-mail marketing."),
        "persona_name": lambda: _("Loyal Linda"),
        "persona_story": lambda: _(
            "Buys several times a year, knows what she wants and values personal service. "
            "Reward her loyalty; do not flood her with discounts."
        ),
        "rules": {
            "match": "all",
            "rules": [
                {"field": "tier", "op": "in", "value": [int(TierChoice.TOP), int(TierChoice.BIG)]},
                {"field": "opted_in", "op": "any_of", "value": ["email:marketing"]},
            ],
        },
    },
    {
        "name": lambda: _("Young families"),
        "description": lambda: _("Customers aged 25 to 45 with children at home."),
        "persona_name": lambda: _("Busy Bas"),
        "persona_story": lambda: _(
            "Two young children, little time, buys online in the evening. Practical offers "
            "and fast delivery win him over."
        ),
        "rules": {
            "match": "all",
            "rules": [
                {"field": "children", "op": "gte", "value": 1},
                {"field": "age", "op": "between", "value": [25, 45]},
            ],
        },
    },
    {
        "name": lambda: _("Active customers, e-mail allowed"),
        "description": lambda: _("Bought in the last two years and opted in to e-mail marketing."),
        "persona_name": "",
        "persona_story": "",
        "rules": {
            "match": "all",
            "rules": [
                {"field": "last_order", "op": "within_last", "value": 730},
                {"field": "opted_in", "op": "any_of", "value": ["email:marketing"]},
            ],
        },
    },
)


def _segments(actor: User | None) -> list[Any]:
    created = []
    for spec in SEGMENTS:
        created.append(
            segment_create(
                name=spec["name"](),
                description=spec["description"](),
                persona_name=spec["persona_name"]() if spec["persona_name"] else "",
                persona_story=spec["persona_story"]() if spec["persona_story"] else "",
                rules=spec["rules"],
                created_by=actor,
            )
        )
    return created


def _aware(day: date, rng: np.random.Generator) -> datetime:
    moment = time(int(rng.integers(8, 21)), int(rng.integers(0, 60)))
    return timezone.make_aware(datetime.combine(day, moment))


def _past_campaign(
    segment: Any, actor: User | None, rng: np.random.Generator, today: date
) -> Campaign:
    """A campaign launched CAMPAIGN_DAYS_AGO whose window has closed: launched now through
    the services, then dated back, with the opens, clicks and extra orders it caused."""
    template = MessageTemplate.objects.create(
        name=_("Autumn offer"),
        channel="email",
        subject=_("{{ first_name }}, our autumn selection for you"),
        body=_(
            "Dear {{ first_name }},\n\nThis autumn we picked {{ offer_product }} for you.\n"
            "Order before the end of the month and collect double loyalty points "
            "(you have {{ points_balance }} now).\n\nKind regards,\nThe Relata team"
        ),
    )
    launched_on = today - timedelta(days=CAMPAIGN_DAYS_AGO)
    campaign = campaign_create(
        actor=actor,
        name=_("Autumn offer"),
        description=_("Seasonal offer to active customers, with a 20% control group."),
        segment=segment,
        channel="email",
        purpose="marketing",
        template=template,
        offer_kind=OfferKind.NEXT_BEST,
        starts_on=launched_on,
        ends_on=launched_on + timedelta(days=30),
        attribution_days=30,
        control_percent=20,
        fixed_cost=Decimal("450.00"),
        cost_per_contact=Decimal("0.15"),
    )
    campaign_launch(campaign=campaign, actor=actor)
    launched_at = _aware(launched_on, rng)
    with transaction.atomic():
        Campaign.objects.filter(pk=campaign.pk).update(launched_at=launched_at)
        contacts = CampaignContact.objects.filter(campaign=campaign)
        contacts.update(enrolled_at=launched_at)
        contacts.filter(sent_at__isnull=False).update(sent_at=launched_at)
        sent = list(contacts.filter(sent_at__isnull=False).values_list("pk", flat=True))
        opened = [pk for pk in sent if rng.random() < OPEN_RATE]
        for pk in opened:
            opened_at = launched_at + timedelta(hours=float(rng.exponential(20)))
            update: dict[str, Any] = {"opened_at": opened_at}
            if rng.random() < CLICK_RATE / OPEN_RATE:
                update["clicked_at"] = opened_at + timedelta(minutes=float(rng.integers(1, 30)))
                update["responded_at"] = update["clicked_at"]
            CampaignContact.objects.filter(pk=pk).update(**update)
    products = list(Product.objects.filter(active=True).order_by("id"))
    targets = CampaignContact.objects.filter(
        campaign=campaign, group=ContactGroup.TARGET, sent_at__isnull=False
    ).select_related("customer", "offered_product")
    for contact in targets:
        if rng.random() >= EXTRA_BUYER_RATE:
            continue
        product = contact.offered_product or products[int(rng.integers(0, len(products)))]
        day = launched_on + timedelta(days=int(rng.integers(1, 25)))
        order_create(
            customer=contact.customer,
            lines=[LineInput(product=product, quantity=Decimal(int(rng.integers(1, 3))))],
            order_date=day,
            channel=SalesChannel.WEB,
            status=OrderStatus.DELIVERED,
        )
    campaign.refresh_from_db()
    campaign_attribute(campaign=campaign)
    return campaign_finish(campaign=campaign)


def demo_engagement_load(*, seed: int = 42, today: date | None = None) -> DemoEngagementResult:
    """Load the demo engagement once (nothing happens when any of it exists)."""
    if Campaign.objects.exists() or LoyaltyMember.objects.exists():
        return DemoEngagementResult(loaded=False)
    today = today or timezone.localdate()
    rng = np.random.default_rng(seed)
    actor = _marketer()
    figures: dict[str, int] = {}
    _programme()
    figures["referrals"] = _referrals(rng)
    figures["members"] = _members(rng, today)
    loyalty_catch_up(today=today)
    figures["points_entries"] = PointsEntry.objects.count()
    figures["redemptions"] = _redemptions(rng, today)
    segments = _segments(actor)
    figures["segments"] = len(segments)
    past = _past_campaign(segments[-1], actor, rng, today)
    figures["campaign_contacts"] = past.contacts.count()
    for key in (ONBOARDING, WIN_BACK):
        playbook_switch_on(key=key, actor=actor)
    figures["campaigns"] = Campaign.objects.count()
    return DemoEngagementResult(loaded=True, figures=figures)

"""Orders feed the programmes the moment they are saved: a member's order earns points (or an
edited one is adjusted), and a referred customer's first purchase rewards the referrer.

The signal is sent after the order's transaction commits. A failure here is logged and
leaves the order alone; `relata loyalty` books whatever was missed (as it does for imported
orders, which send no signal)."""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import receiver

from relata.engagement.loyalty_bulk import EARNING_STATUSES
from relata.engagement.loyalty_services import points_earn_for_order
from relata.engagement.models import Referral, ReferralStatus
from relata.engagement.referral_services import referral_reward
from relata.sales.models import Order
from relata.sales.signals import order_saved

logger = logging.getLogger(__name__)


@receiver(order_saved, sender=Order, dispatch_uid="engagement.programmes.order_saved")
def order_saved_programmes(sender: Any, order: Order, created: bool = False, **kwargs: Any) -> None:
    try:
        points_earn_for_order(order=order)
    except Exception:
        logger.exception("loyalty points for order %s not booked", order.pk)
    if order.status not in EARNING_STATUSES:
        return
    referral = Referral.objects.filter(
        referred_id=order.customer_id, status=ReferralStatus.PENDING
    ).first()
    if referral is None:
        return
    try:
        referral_reward(referral=referral, order=order)
    except Exception:
        logger.exception("referral %s not rewarded for order %s", referral.pk, order.pk)

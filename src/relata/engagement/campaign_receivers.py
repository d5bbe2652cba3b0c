"""An order saved (created, edited, cancelled) is attributed at once to the campaign
contacts of its customer whose attribution window it falls in (DOMAIN.md §12). Imported
orders arrive without the signal; ``relata attribute-campaigns`` covers those."""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import receiver

from relata.engagement.campaign_services import customer_attribute
from relata.sales.signals import order_saved

logger = logging.getLogger(__name__)


@receiver(order_saved, dispatch_uid="engagement.campaign_attribution")
def attribute_order(sender: Any, order: Any, **kwargs: Any) -> None:
    # Sent after the order's transaction committed: a failure here must not fail the
    # request that saved the order; the command can repeat the attribution later.
    try:
        customer_attribute(customer_id=order.customer_id)
    except Exception:
        logger.exception("Campaign attribution failed for order %s", order.pk)

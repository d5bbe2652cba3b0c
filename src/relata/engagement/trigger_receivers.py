"""Immediate triggers: rules whose event just happened fire at once for that one customer,
through the same idempotent path as ``relata run-triggers`` (so the scheduled run later
finds them fired). The signals come after the write committed; a failing trigger is logged
and never breaks the write that caused it."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from relata.contacts.models import ContactMoment
from relata.contacts.signals import complaint_filed
from relata.customers.signals import customer_saved
from relata.engagement.models import CustomerEvent, CustomerEventKind, TriggerEvent
from relata.engagement.trigger_events import Occurrence, changed_occurrences
from relata.engagement.trigger_scanners import (
    NOT_PURCHASES,
    contact_occurrence,
    order_occurrence,
)
from relata.engagement.trigger_services import trigger_fire_immediate
from relata.sales.signals import order_saved

logger = logging.getLogger(__name__)


def _fire(event: str, customer_id: int, occurrences: Sequence[Occurrence] | None = None) -> None:
    try:
        trigger_fire_immediate(event=event, customer_id=customer_id, occurrences=occurrences)
    except Exception:  # the customer's save or order must not fail because of a trigger
        logger.exception("Immediate trigger %s failed for customer %s", event, customer_id)


@receiver(order_saved, dispatch_uid="engagement_triggers_order_saved")
def order_saved_fire(sender: Any, order: Any, created: bool = False, **kwargs: Any) -> None:
    """A first purchase: the new-customer rules (the scanner checks it is the first). Any
    order placed or saved: the order rules (each rule's settings say which status)."""
    if created and order.status not in NOT_PURCHASES:
        _fire(TriggerEvent.NEW_CUSTOMER, order.customer_id)
    if order.status not in NOT_PURCHASES:
        _fire(
            TriggerEvent.ORDER_PLACED,
            order.customer_id,
            [order_occurrence(order, created=created)],
        )


@receiver(post_save, sender=ContactMoment, dispatch_uid="engagement_triggers_contact_logged")
def contact_logged_fire(
    sender: Any, instance: ContactMoment, created: bool = False, raw: bool = False, **kwargs: Any
) -> None:
    """A contact moment logged one by one (imports write in bulk and send no signal): the
    contact rules, once the moment is committed."""
    if created and not raw:
        occurrence = contact_occurrence(instance)
        transaction.on_commit(
            lambda: _fire(TriggerEvent.CONTACT_LOGGED, occurrence.customer_id, [occurrence])
        )


@receiver(customer_saved, dispatch_uid="engagement_triggers_customer_saved")
def customer_saved_fire(
    sender: Any, customer: Any, created: bool = False, changes: Any = None, **kwargs: Any
) -> None:
    """Moved house, a new child."""
    for event, occurrences in changed_occurrences(customer, changes or {}).items():
        _fire(event, customer.pk, occurrences)


@receiver(complaint_filed, dispatch_uid="engagement_triggers_complaint_filed")
def complaint_filed_fire(sender: Any, complaint: Any, **kwargs: Any) -> None:
    _fire(TriggerEvent.COMPLAINT, complaint.customer_id)


@receiver(post_save, sender=CustomerEvent, dispatch_uid="engagement_triggers_customer_event")
def customer_event_fire(
    sender: Any, instance: CustomerEvent, created: bool = False, raw: bool = False, **kwargs: Any
) -> None:
    """An NPS answer (from the events API or anywhere else): the detractor rules, once the
    answer is committed."""
    if created and not raw and instance.kind == CustomerEventKind.NPS:
        customer_id = instance.customer_id
        transaction.on_commit(lambda: _fire(TriggerEvent.NPS_DETRACTOR, customer_id))

"""Writes for the outbox. The one door every campaign and trigger message goes through, so
consent is enforced here and nowhere can a message slip past it (DOMAIN.md §19)."""

from __future__ import annotations

import logging
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from relata.customers.models import ConsentChannel, Customer
from relata.customers.selectors import consent_allows
from relata.engagement.email_build import email_build
from relata.engagement.models import (
    CampaignContact,
    MessageStatus,
    MessageTemplate,
    OutboxMessage,
    TriggerFiring,
)

logger = logging.getLogger(__name__)


def _address(customer: Customer, channel: str) -> str:
    if channel == ConsentChannel.EMAIL:
        return customer.email
    if channel in (ConsentChannel.PHONE, ConsentChannel.SMS):
        return customer.phone
    parts = [f"{customer.street} {customer.house_number}".strip(), customer.postcode, customer.city]
    return ", ".join(p for p in parts if p) if customer.postcode and customer.city else ""


def _no_consent_reason(channel: str, purpose: str) -> str:
    return _("No opt-in for %(channel)s / %(purpose)s.") % {
        "channel": ConsentChannel(channel).label,
        "purpose": purpose,
    }


def _refuse(message: OutboxMessage, status: str, reason: str) -> OutboxMessage:
    message.status = status
    message.status_reason = reason[:300]
    message.save()
    logger.info("Outbox message %s %s: %s", message.pk, status, reason)
    return message


def message_queue(
    *,
    customer: Customer,
    channel: str,
    purpose: str,
    subject: str,
    body: str,
    template: MessageTemplate | None = None,
    campaign_contact: CampaignContact | None = None,
    trigger_firing: TriggerFiring | None = None,
    actor: Any = None,
) -> OutboxMessage:
    """Store a message for ``customer`` and, for e-mail, send it at once.

    Without a valid opt-in for ``channel`` and ``purpose`` the message is stored as
    refused with the reason and never sent; without an address it is stored as failed."""
    message = OutboxMessage(
        customer=customer,
        channel=channel,
        purpose=purpose,
        to_address=_address(customer, channel),
        subject=subject[:200],
        body=body,
        template=template,
        campaign_contact=campaign_contact,
        trigger_firing=trigger_firing,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if not consent_allows(customer=customer, channel=channel, purpose=purpose):
        return _refuse(message, MessageStatus.REFUSED, _no_consent_reason(channel, purpose))
    if not message.to_address:
        return _refuse(
            message,
            MessageStatus.FAILED,
            _("The customer has no address for %(channel)s.")
            % {"channel": ConsentChannel(channel).label},
        )
    if channel != ConsentChannel.EMAIL:
        message.save()
        return message
    # E-mail goes out now and is stored once, with how it went (one write per message
    # matters when a campaign sends thousands).
    return _email_deliver(message)


def _email_deliver(message: OutboxMessage) -> OutboxMessage:
    # Plain text with an HTML alternative (which carries a campaign's open pixel).
    email = email_build(message)
    try:
        email.send(fail_silently=False)
    except OSError as error:  # SMTP and socket errors: keep the message, say why
        return _refuse(message, MessageStatus.FAILED, str(error) or error.__class__.__name__)
    message.status = MessageStatus.SENT
    message.sent_at = timezone.now()
    message.save()
    return message


def message_send(*, message: OutboxMessage, actor: Any = None) -> OutboxMessage:
    """Send a queued message: e-mail through Django's e-mail backend; other channels are
    marked sent by the person or system that delivered them. Consent is checked again, as
    it may have been withdrawn since the message was queued."""
    if message.status != MessageStatus.QUEUED:
        return message
    if not consent_allows(
        customer=message.customer_id, channel=message.channel, purpose=message.purpose
    ):
        return _refuse(
            message, MessageStatus.REFUSED, _no_consent_reason(message.channel, message.purpose)
        )
    if message.channel == ConsentChannel.EMAIL:
        message.status_reason = ""
        return _email_deliver(message)
    message.status = MessageStatus.SENT
    message.sent_at = timezone.now()
    message.save(update_fields=["status", "sent_at"])
    return message


def messages_refuse_withdrawn(*, customer_id: int, channel: str, purpose: str) -> int:
    """Consent was withdrawn: messages still waiting in the outbox for that channel and
    purpose are refused at once, so nobody sends a letter or makes a call the customer no
    longer wants (``message_send`` checks again as well)."""
    return OutboxMessage.objects.filter(
        customer_id=customer_id, channel=channel, purpose=purpose, status=MessageStatus.QUEUED
    ).update(status=MessageStatus.REFUSED, status_reason=_no_consent_reason(channel, purpose))

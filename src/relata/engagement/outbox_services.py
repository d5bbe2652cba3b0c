"""Writes on outbox messages after they were queued: a person (or an external sender)
reports a message delivered, or an e-mail that failed is sent again. Both go through
``message_send``, which checks the consent again."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from relata.customers.models import ConsentChannel
from relata.engagement.message_services import message_send
from relata.engagement.models import MessageStatus, OutboxMessage


def outbox_mark_sent(*, message: OutboxMessage, actor: Any = None) -> OutboxMessage:
    """A queued phone, SMS or post message was delivered by hand or by another system.
    If the consent was withdrawn since it was queued, it becomes refused instead."""
    if message.channel == ConsentChannel.EMAIL:
        raise ValidationError(_("Relata sends e-mail itself; an e-mail cannot be marked sent."))
    if message.status != MessageStatus.QUEUED:
        raise ValidationError(
            _("Only a queued message can be marked sent; this one is %(status)s.")
            % {"status": MessageStatus(message.status).label.lower()}
        )
    return message_send(message=message, actor=actor)


def outbox_retry(*, message: OutboxMessage, actor: Any = None) -> OutboxMessage:
    """Send a failed e-mail again, to the customer's e-mail address as it is now."""
    if message.channel != ConsentChannel.EMAIL or message.status != MessageStatus.FAILED:
        raise ValidationError(_("Only a failed e-mail can be sent again."))
    address = message.customer.email
    if not address:
        raise ValidationError(_("The customer still has no e-mail address."))
    # Claim the retry: two clicks at once send it once.
    claimed = OutboxMessage.objects.filter(pk=message.pk, status=MessageStatus.FAILED).update(
        status=MessageStatus.QUEUED, status_reason="", to_address=address
    )
    message.refresh_from_db()
    if not claimed:
        raise ValidationError(_("This message is being sent again already."))
    return message_send(message=message, actor=actor)

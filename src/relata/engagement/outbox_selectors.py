"""Reads of the outbox: every message Relata sent, queued, refused or could not send."""

from __future__ import annotations

from django.db.models import QuerySet

from relata.engagement.models import OutboxMessage

CAMPAIGN, TRIGGER, OTHER = "campaign", "trigger", "other"


def outbox_list(
    *,
    status: str = "",
    channel: str = "",
    source: str = "",
    campaign_id: int | None = None,
    rule_id: int | None = None,
    customer_id: int | None = None,
) -> QuerySet[OutboxMessage]:
    """Messages, newest first (by id, on the primary key: the outbox grows large)."""
    messages = OutboxMessage.objects.select_related(
        "customer", "campaign_contact__campaign", "trigger_firing__rule"
    )
    if status:
        messages = messages.filter(status=status)
    if channel:
        messages = messages.filter(channel=channel)
    if source == CAMPAIGN:
        messages = messages.filter(campaign_contact__isnull=False)
    elif source == TRIGGER:
        messages = messages.filter(trigger_firing__isnull=False)
    elif source == OTHER:
        messages = messages.filter(campaign_contact__isnull=True, trigger_firing__isnull=True)
    if campaign_id is not None:
        messages = messages.filter(campaign_contact__campaign_id=campaign_id)
    if rule_id is not None:
        messages = messages.filter(trigger_firing__rule_id=rule_id)
    if customer_id is not None:
        messages = messages.filter(customer_id=customer_id)
    return messages.order_by("-pk")


def outbox_message(*, pk: int) -> OutboxMessage | None:
    return (
        OutboxMessage.objects.select_related(
            "customer",
            "template",
            "created_by",
            "campaign_contact__campaign",
            "trigger_firing__rule",
        )
        .filter(pk=pk)
        .first()
    )

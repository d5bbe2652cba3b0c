"""Template helpers of the trigger and outbox pages, and the firings card on the customer
file."""

from __future__ import annotations

from typing import Any

from django import template

from relata.engagement.models import FiringOutcome, MessageStatus
from relata.engagement.trigger_selectors import customer_firing_count
from relata.engagement.trigger_selectors import customer_firings as select_customer_firings

register = template.Library()

OUTCOME_BADGES: dict[str, str] = {
    FiringOutcome.DONE: "text-bg-success",
    FiringOutcome.REFUSED: "text-bg-warning",
    FiringOutcome.SKIPPED: "text-bg-secondary",
    FiringOutcome.FAILED: "text-bg-danger",
}
STATUS_BADGES: dict[str, str] = {
    MessageStatus.QUEUED: "text-bg-primary",
    MessageStatus.SENT: "text-bg-success",
    MessageStatus.REFUSED: "text-bg-warning",
    MessageStatus.FAILED: "text-bg-danger",
}
LINK_ICONS = {
    "task": "bi-check2-square",
    "message": "bi-envelope",
    "campaign": "bi-megaphone",
}


@register.filter
def outcome_badge(outcome: str) -> str:
    return OUTCOME_BADGES.get(outcome, "text-bg-secondary")


@register.filter
def message_badge(status: str) -> str:
    return STATUS_BADGES.get(status, "text-bg-secondary")


@register.filter
def link_icon(kind: str) -> str:
    return LINK_ICONS.get(kind, "bi-link-45deg")


@register.inclusion_tag("engagement/triggers/customer_firings_card.html", takes_context=True)
def customer_firings(context: template.Context, customer: Any) -> dict[str, Any]:
    """The latest trigger firings of a customer, with what each made, for the customer file."""
    return {
        "customer": customer,
        "firings": select_customer_firings(customer),
        "count": customer_firing_count(customer),
        "perms": context.get("perms"),
        "request": context.get("request"),
    }

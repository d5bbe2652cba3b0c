"""The "Next best offers" card on the customer file, rendered by an inclusion tag so the
customer view needs no change."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format

from relata.engagement.offer_selectors import customer_offers, offer_run_current

register = template.Library()

CARD_OFFERS = 5


@register.inclusion_tag("engagement/offers/_customer_offers.html", takes_context=True)
def customer_offers_card(context: template.Context, customer: Any) -> dict[str, Any]:
    perms = context.get("perms")
    allowed = perms is not None and perms["engagement"]["view_customeroffer"]
    run = offer_run_current() if allowed else None
    offers = customer_offers(customer=customer, limit=CARD_OFFERS) if run is not None else []
    return {
        "customer": customer,
        "offers": offers,
        "run": run,
        "allowed": allowed,
        "perms": perms,
    }


@register.filter
def offer_kind_badge(kind: int) -> str:
    """Bootstrap badge classes per offer kind (cross-, up-, deep-sell)."""
    return {1: "text-bg-primary", 2: "text-bg-warning", 3: "text-bg-success"}.get(
        int(kind), "text-bg-secondary"
    )


@register.filter
def offer_percent(value: float | None, digits: int = 1) -> str:
    """A fraction (0.423) as a percentage ("42.3%"); a dash for None."""
    if value is None:
        return "—"
    return f"{number_format(float(value) * 100, digits)}%"


@register.filter
def offer_number(value: float | None, digits: int = 2) -> str:
    """A plain number with ``digits`` decimals in the active language; a dash for None."""
    if value is None:
        return "—"
    return str(number_format(float(value), digits))

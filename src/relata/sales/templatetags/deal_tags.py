"""The deals card on the customer file, rendered by an inclusion tag so the customer view
needs no change."""

from __future__ import annotations

from typing import Any

from django import template

from relata.sales.deal_selectors import customer_deals

register = template.Library()


@register.inclusion_tag("deals/customer_deals_card.html", takes_context=True)
def customer_deals_card(context: template.Context, customer: Any) -> dict[str, Any]:
    perms = context.get("perms")
    deals: list[Any] = []
    count = 0
    if perms is not None and perms["sales"]["view_deal"]:
        deals, count = customer_deals(customer_id=customer.pk)
    return {"customer": customer, "deals": deals, "deal_count": count, "perms": perms}

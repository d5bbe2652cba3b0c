"""Template helpers of the influence and loyalty-quadrant pages, and the "Influence and
holistic value" card on the customer file."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.formats import number_format
from django_stubs_ext import StrOrPromise

from relata.feedback.influence_selectors import customer_influence
from relata.feedback.quadrant_selectors import GUIDES
from relata.scoring.choices import QuadrantChoice
from relata.scoring.dashboard import INFLUENTIAL

register = template.Library()

PERMISSION = ("scoring", "view_customersnapshot")


@register.filter
def quadrant_badge(code: int) -> str:
    guide = GUIDES.get(code)
    return guide.badge if guide else "text-bg-light border"


@register.filter
def quadrant_icon(code: int) -> str:
    guide = GUIDES.get(code)
    return guide.icon if guide else "bi-question-circle"


@register.filter
def quadrant_meaning(code: int) -> StrOrPromise:
    guide = GUIDES.get(code)
    return guide.meaning if guide else ""


@register.filter
def quadrant_action(code: int) -> StrOrPromise:
    guide = GUIDES.get(code)
    return guide.action if guide else ""


@register.filter
def share_percent(value: float | None, digits: int = 0) -> str:
    """A share 0–1 as a percentage ("42%"); a dash for None."""
    if value is None:
        return "—"
    return f"{number_format(100 * float(value), digits)}%"


@register.filter
def influence_bar(score: int) -> str:
    """Bootstrap background class of an influence score's bar."""
    if score >= 75:
        return "bg-success"
    if score >= INFLUENTIAL:
        return "bg-primary"
    return "bg-secondary"


@register.inclusion_tag("feedback/influence/_customer_card.html", takes_context=True)
def customer_influence_card(context: template.Context, customer: Any) -> dict[str, Any]:
    """Influence score with its inputs, advocacy value split in its two parts, holistic value
    and the loyalty quadrant with what to do, for the customer file. Nothing without the
    permission to see scores."""
    perms = context.get("perms")
    app, codename = PERMISSION
    allowed = perms is not None and bool(perms[app][codename])
    found = customer_influence(customer_id=customer.pk) if allowed else None
    return {
        "customer": customer,
        "allowed": allowed,
        "found": found,
        "perms": perms,
        "threshold": INFLUENTIAL,
        "unknown": QuadrantChoice.UNKNOWN,
        "influence_url": reverse("influence:overview"),
    }

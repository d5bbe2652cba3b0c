"""Template helpers of the loyalty and referral pages, and the programmes card on the
customer file."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from django import template
from django.utils.formats import number_format

from relata.engagement.loyalty_selectors import points_worth
from relata.engagement.models import LoyaltyProgramme
from relata.engagement.programme_selectors import customer_programme_summary
from relata.engagement.referral_services import referral_code_format

register = template.Library()

DASH = "—"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


@register.filter
def measure(value: float | None, kind: str) -> str:
    """An outcome of the loyalty report: a fraction as a percentage, money with two
    decimals, other numbers with one."""
    if _missing(value):
        return DASH
    assert value is not None
    if kind == "percent":
        return f"{number_format(value * 100, 1)}%"
    if kind == "money":
        return f"€ {number_format(value, 2, force_grouping=True)}"
    return number_format(value, 1, force_grouping=True)


@register.filter
def measure_change(value: float | None, kind: str) -> str:
    """A difference between two outcomes, signed; percentages in percentage points."""
    if _missing(value):
        return DASH
    assert value is not None
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    size = abs(value)
    if kind == "percent":
        return f"{sign}{number_format(size * 100, 1)} pp"
    if kind == "money":
        return f"{sign}€ {number_format(size, 2, force_grouping=True)}"
    return f"{sign}{number_format(size, 1, force_grouping=True)}"


@register.filter
def plain_number(value: Decimal | float | int) -> str:
    """A number without trailing zeros, in the reader's format (0.0100 → "0.01")."""
    number = Decimal(str(value)).normalize()
    exponent = number.as_tuple().exponent
    digits = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return number_format(number, digits)


@register.filter
def code_format(code: str | None) -> str:
    """A referral code as shown: ABCD-2345."""
    return referral_code_format(code) if code else ""


@register.filter
def signed(value: int) -> str:
    """Points with their sign, grouped ("+1,250", "−300")."""
    sign = "+" if value > 0 else ("−" if value < 0 else "")
    return f"{sign}{number_format(abs(value), 0, force_grouping=True)}"


@register.filter
def worth(points: int, programme: LoyaltyProgramme) -> Decimal:
    """What a number of points is worth in euros under the programme."""
    return points_worth(int(points), programme)


@register.inclusion_tag("engagement/programmes/_customer_card.html", takes_context=True)
def customer_programme_card(context: template.Context, customer: Any) -> dict[str, Any]:
    """Loyalty membership, points and referrals of a customer, for the customer file."""
    request = context.get("request")
    return {
        "customer": customer,
        "summary": customer_programme_summary(customer=customer),
        "perms": context.get("perms"),
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "next": request.get_full_path() if request is not None else "",
    }

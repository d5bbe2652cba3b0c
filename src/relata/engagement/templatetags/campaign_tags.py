"""Number formatting for the campaign report: fractions as percentages, odds ratios, p."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from relata.engagement.campaign_report import signed_points

register = template.Library()

DASH = "—"


@register.filter
def percent(value: float | None, digits: int = 1) -> str:
    """A fraction (0.123) as a percentage ("12.3%"); a dash for None."""
    if value is None:
        return DASH
    return f"{number_format(value * 100, digits, force_grouping=True)}%"


@register.filter
def points(value: float | None, digits: int = 1) -> str:
    """A difference of two fractions in percentage points, with its sign ("+4.2 pp")."""
    if value is None:
        return DASH
    # "pp": percentage points (Dutch: procentpunt).
    return _("%(value)s pp") % {"value": signed_points(value, digits)}


@register.filter
def ratio(value: float | None) -> str:
    """An odds ratio: two decimals, fewer digits for the very large or small."""
    if value is None:
        return DASH
    if value >= 100:
        return number_format(value, 0)
    if value < 0.01:
        return "< " + number_format(0.01, 2)
    return number_format(value, 2)


@register.filter
def p_value(value: float | None) -> str:
    if value is None:
        return DASH
    if value < 0.001:
        return "< " + number_format(0.001, 3)
    return number_format(value, 3)


@register.filter
def money(value: float | None) -> str:
    if value is None:
        return DASH
    sign = "−" if value < 0 else ""
    return f"{sign}€ {number_format(abs(value), 0, force_grouping=True)}"

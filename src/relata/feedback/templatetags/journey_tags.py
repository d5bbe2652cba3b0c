"""Template helpers of the journey page: shares as percentages, ratios, days, and the
colour step of a cohort cell."""

from __future__ import annotations

import math
from typing import Any

from django import template
from django.utils.formats import number_format

register = template.Library()

DASH = "—"
HEAT_STEPS = 10


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


@register.filter
def share(value: float | None, places: int = 1) -> str:
    """A fraction as a percentage (0.234 → "23.4%"); a dash when unknown."""
    if _missing(value):
        return DASH
    assert value is not None
    return f"{number_format(value * 100, places)}%"


@register.filter
def ratio(value: float | None) -> str:
    """A ratio with two decimals and a times sign (1.5 → "1.50×")."""
    if _missing(value):
        return DASH
    assert value is not None
    return f"{number_format(value, 2)}×"


@register.filter
def days(value: float | None) -> str:
    if _missing(value):
        return DASH
    assert value is not None
    return number_format(value, 0 if float(value).is_integer() else 1)


@register.filter
def heat(value: float | None, scale: float = 0.5) -> str:
    """The colour step (heat-0 … heat-10) of a share; ``scale`` is the share that gets the
    darkest step (retention after the first month rarely passes a half)."""
    if _missing(value):
        return "heat-none"
    assert value is not None
    step = min(HEAT_STEPS, max(0, round(HEAT_STEPS * value / scale)))
    return f"heat-{step}"


@register.filter
def at(values: list[Any], index: int) -> Any:
    """``values[index]``, or None past the end."""
    return values[index] if 0 <= index < len(values) else None

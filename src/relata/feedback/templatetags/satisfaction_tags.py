"""Template helpers of the satisfaction page: shares, NPS points, control statuses and a
small server-drawn p-chart (SVG, no script)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django import template
from django.utils.formats import number_format
from django_stubs_ext import StrOrPromise

from relata.analytics.satisfaction import IMPROVED, IN_CONTROL, OUT_OF_CONTROL, TOO_FEW
from relata.feedback.satisfaction_selectors import STATUS_LABELS, ControlCell

register = template.Library()

DASH = "—"
STATUS_BADGES = {
    IN_CONTROL: "text-bg-success",
    OUT_OF_CONTROL: "text-bg-danger",
    IMPROVED: "text-bg-info",
    TOO_FEW: "text-bg-light border",
}
STATUS_ICONS = {
    IN_CONTROL: "bi-check-circle",
    OUT_OF_CONTROL: "bi-exclamation-triangle-fill",
    IMPROVED: "bi-arrow-down-circle",
    TOO_FEW: "bi-hourglass",
}


def _missing(value: float | None) -> bool:
    return value is None or not math.isfinite(value)


@register.filter
def share(value: float | None, digits: int = 1) -> str:
    """A fraction 0–1 as a percentage ("62.5%"); a dash when unknown."""
    if _missing(value):
        return DASH
    assert value is not None
    return f"{number_format(value * 100, int(digits))}%"


@register.filter
def points(value: float | None, digits: int = 0) -> str:
    """NPS points with their sign ("+15", "−3"); a dash when unknown."""
    if _missing(value):
        return DASH
    assert value is not None
    rounded = round(value, int(digits))
    sign = "+" if rounded > 0 else ("−" if rounded < 0 else "")
    return f"{sign}{number_format(abs(rounded), int(digits))}"


@register.filter
def decimal(value: float | None, digits: int = 2) -> str:
    if _missing(value):
        return DASH
    assert value is not None
    return number_format(value, int(digits))


@register.filter
def p_value(value: float | None) -> str:
    if _missing(value):
        return DASH
    assert value is not None
    if value < 0.001:
        return "p < " + number_format(0.001, 3)
    return "p = " + number_format(value, 3)


@register.filter
def status_label(status: str) -> StrOrPromise:
    return STATUS_LABELS.get(status, status)


@register.filter
def status_badge(status: str) -> str:
    return STATUS_BADGES.get(status, "text-bg-light border")


@register.filter
def status_icon(status: str) -> str:
    return STATUS_ICONS.get(status, "bi-circle")


@dataclass(frozen=True)
class ControlSparkline:
    width: int
    height: int
    shares: list[str]  # polyline point lists, one per run of periods with answers
    upper: str  # the upper limit as a step line
    centre_y: float | None
    last_x: float | None
    last_y: float | None


@register.simple_tag
def control_sparkline(cell: ControlCell, width: int = 140, height: int = 32) -> ControlSparkline:
    """The p-chart of a cell in miniature: dissatisfied share per period (gaps where a
    period has no answers), the upper control limit and the centre line."""
    chart, row = cell.chart, cell.index
    shares = [float(v) for v in chart.share[row]]
    uppers = [float(v) for v in chart.upper[row]]
    centre = float(chart.centre[row])
    known = [v for v in shares + uppers + [centre] if math.isfinite(v)]
    top = max(max(known, default=0.0), 0.05) * 1.1
    pad = 2.0
    count = len(shares)
    step = (width - 2 * pad) / max(count - 1, 1)

    def x(i: int) -> float:
        return round(pad + i * step, 1)

    def y(v: float) -> float:
        return round(height - pad - v / top * (height - 2 * pad), 1)

    runs: list[list[str]] = [[]]
    for i, v in enumerate(shares):
        if math.isfinite(v):
            runs[-1].append(f"{x(i)},{y(v)}")
        elif runs[-1]:
            runs.append([])
    upper = []
    for i, v in enumerate(uppers):
        if math.isfinite(v):
            left, right = max(x(i) - step / 2, pad), min(x(i) + step / 2, width - pad)
            upper.append(f"{round(left, 1)},{y(v)} {round(right, 1)},{y(v)}")
    last = shares[-1] if shares else math.nan
    return ControlSparkline(
        width=width,
        height=height,
        # A lone period between gaps is drawn as a dot (the same point twice, round caps).
        shares=[" ".join(run if len(run) > 1 else run * 2) for run in runs if run],
        upper=" ".join(upper),
        centre_y=y(centre) if math.isfinite(centre) else None,
        last_x=x(count - 1) if math.isfinite(last) else None,
        last_y=y(last) if math.isfinite(last) else None,
    )

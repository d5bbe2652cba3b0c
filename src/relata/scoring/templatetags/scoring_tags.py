"""Template helpers of the value pages and the customer-score card: labels, badge colours,
playbooks, the value methods with their assumptions, and a small server-drawn sparkline
(SVG, no script)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import template
from django.urls import reverse
from django_stubs_ext import StrOrPromise

from relata.scoring.choices import ChurnLevelChoice, GridChoice, StageChoice, TierChoice
from relata.scoring.drilldown import DEFAULT_SORT
from relata.scoring.labels import (
    GRID_EXPLANATIONS,
    PLAYBOOKS,
    STAGE_ACTIONS,
    V_STEPS,
    VALUE_METHODS,
    ValueMethod,
)
from relata.scoring.models import CustomerSnapshot
from relata.web.templatetags.relata_tags import query_with

register = template.Library()

TIER_BADGES: dict[int, str] = {
    TierChoice.TOP: "text-bg-warning",
    TierChoice.BIG: "text-bg-primary",
    TierChoice.MEDIUM: "text-bg-info",
    TierChoice.SMALL: "text-bg-secondary",
    TierChoice.INACTIVE: "text-bg-light border",
    TierChoice.PROSPECT: "text-bg-light border",
    TierChoice.SUSPECT: "text-bg-light border",
}
CHURN_BADGES: dict[int, str] = {
    ChurnLevelChoice.NOT_APPLICABLE: "text-bg-light border",
    ChurnLevelChoice.LOW: "text-bg-success",
    ChurnLevelChoice.MEDIUM: "text-bg-warning",
    ChurnLevelChoice.HIGH: "text-bg-danger",
}
GRID_BADGES: dict[int, str] = {
    GridChoice.RETAIN: "text-bg-success",
    GridChoice.DEVELOP: "text-bg-primary",
    GridChoice.SERVE_DIFFERENTLY: "text-bg-danger",
}
STAGE_BADGES: dict[int, str] = {
    StageChoice.AT_RISK: "text-bg-danger",
    StageChoice.LOST: "text-bg-dark",
    StageChoice.GROWING: "text-bg-primary",
    StageChoice.AMBASSADOR: "text-bg-success",
}


@register.filter
def tier_badge(code: int) -> str:
    return TIER_BADGES.get(code, "text-bg-light border")


@register.filter
def churn_badge(code: int) -> str:
    return CHURN_BADGES.get(code, "text-bg-light border")


@register.filter
def grid_badge(code: int) -> str:
    return GRID_BADGES.get(code, "text-bg-light border")


@register.filter
def stage_badge(code: int) -> str:
    return STAGE_BADGES.get(code, "text-bg-secondary")


@register.filter
def playbook(stage: int) -> StrOrPromise:
    return PLAYBOOKS.get(stage, "")


@register.simple_tag
def stage_action(stage: int) -> dict[str, str]:
    """The link that puts the stage's playbook into action (empty when there is none)."""
    if stage not in STAGE_ACTIONS:
        return {}
    url_name, fragment, label = STAGE_ACTIONS[stage]
    url = reverse(url_name) + (f"#{fragment}" if fragment else "")
    return {"url": url, "label": str(label)}


@register.filter
def v_step(stage: int) -> str:
    return V_STEPS.get(stage, "")


@register.filter
def grid_note(code: int) -> StrOrPromise:
    return GRID_EXPLANATIONS.get(code, "")


@register.filter
def percent(share: float | None) -> float:
    """A share 0–1 as a percentage (for floatformat)."""
    return 100.0 * float(share or 0.0)


@dataclass(frozen=True)
class MethodValue:
    method: ValueMethod
    value: Decimal


@register.simple_tag
def value_methods(snapshot: CustomerSnapshot) -> list[MethodValue]:
    """The snapshot's customer value by each method, with the method's assumptions."""
    return [MethodValue(method, getattr(snapshot, method.field)) for method in VALUE_METHODS]


@dataclass(frozen=True)
class Sparkline:
    points: str
    last_x: float
    last_y: float
    width: int
    height: int
    low: float
    high: float


@register.simple_tag
def sparkline(
    snapshots: Sequence[CustomerSnapshot], field: str, width: int = 240, height: int = 40
) -> Sparkline | None:
    """Polyline points (oldest left) of one snapshot field; None with fewer than two values
    or when they are all the same (a flat line says nothing the table does not)."""
    values = [float(getattr(s, field)) for s in reversed(list(snapshots))]
    if len(values) < 2:
        return None
    low, high = min(values), max(values)
    if high == low:
        return None
    span = (high - low) or 1.0
    pad = 3.0
    step = (width - 2 * pad) / (len(values) - 1)
    coords = [
        (pad + i * step, height - pad - (v - low) / span * (height - 2 * pad))
        for i, v in enumerate(values)
    ]
    return Sparkline(
        points=" ".join(f"{x:.1f},{y:.1f}" for x, y in coords),
        last_x=round(coords[-1][0], 1),
        last_y=round(coords[-1][1], 1),
        width=width,
        height=height,
        low=low,
        high=high,
    )


@register.filter
def settings_value(snapshot: CustomerSnapshot, key: str) -> Any:
    """A setting the snapshot's run used (horizon, discount rate, ...)."""
    return (snapshot.run.settings_used or {}).get(key)


@register.simple_tag(takes_context=True)
def sort_link(context: template.Context, key: str, descending_first: bool = False) -> str:
    """Query string that sorts the list by ``key``: the other direction when it is already
    sorted by it, else descending for amounts (``descending_first``) and ascending for names."""
    current = context.get("sort") or DEFAULT_SORT
    if current.removeprefix("-") == key:
        new = key if current.startswith("-") else f"-{key}"
    else:
        new = f"-{key}" if descending_first else key
    return query_with(context, sort=new, page=None)


@register.simple_tag(takes_context=True)
def sort_mark(context: template.Context, key: str) -> str:
    current = context.get("sort") or DEFAULT_SORT
    if current.removeprefix("-") != key:
        return ""
    return "↓" if current.startswith("-") else "↑"
